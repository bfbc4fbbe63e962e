"""bench/load.py's own rules: what it counts as the same response, how it reads a
percentile, which databases it refuses, and what it runs (no timings here)."""

from __future__ import annotations

import pytest

from bench.harness.abuse import schedule
from bench.harness.cases import CaseError, cases, check_loopback, check_loopback_redis, schools_at
from bench.harness.measure import percentile
from bench.harness.reference import REFERENCES, differences
from gateway.devdata import Choices, Organisation


def test_the_same_json_has_no_differences_whatever_the_key_order() -> None:
    assert differences({"a": 1, "b": [1, {"c": None}]}, {"b": [1, {"c": None}], "a": 1.0}) == []


def test_differences_name_where_the_responses_part() -> None:
    found = differences(
        {"node": {"ok": True, "items": [1, 2], "only": 1}},
        {"node": {"ok": 1, "items": [1]}},
    )
    assert found == [
        "data.node.items: 2 items from the gateway, 1 from the reference",
        "data.node.ok: gateway True, reference 1",  # JSON true is not the number 1
        "data.node.only: only in gateway",
    ]


def test_p99_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([3.0, 1.0, 2.0], 0.99) == 3.0


def test_only_loopback_databases() -> None:
    check_loopback("postgresql+asyncpg://postgres@127.0.0.1:5432/bench")
    check_loopback("sqlite+aiosqlite:////tmp/x.db")
    with pytest.raises(CaseError, match="talks only to 127.0.0.1"):
        check_loopback("postgresql+asyncpg://postgres@db.example.com/bench")


def test_only_loopback_redis() -> None:
    check_loopback_redis("redis://127.0.0.1:6379/0")
    with pytest.raises(CaseError, match="talks only to 127.0.0.1"):
        check_loopback_redis("redis://cache.example.com:6379/0")


def test_the_abuse_schedule_is_a_fixed_rate_in_the_same_order_every_round() -> None:
    plan = schedule(18, rate=4, seconds=5)
    assert len(plan) == 20  # 4 a second for 5 seconds
    assert [at for at, _ in plan] == [i * 0.25 for i in range(20)]  # on time, not on answers
    assert plan == schedule(18, rate=4, seconds=5)  # every round sends the same documents
    assert {index for _, index in plan} <= set(range(18))
    assert len({index for _, index in schedule(18, rate=10, seconds=10)}) == 18  # all mixed


def test_a_seeded_scale_is_told_by_its_schools() -> None:
    # gateway seed writes 24,000 schools at scale 1.0, never fewer than 20.
    assert (schools_at(1.0), schools_at(0.1), schools_at(0.01), schools_at(0.0001)) == (
        24_000,
        2_400,
        240,
        20,
    )


def _choices() -> Choices:
    school = Organisation(1, "U2Nob29sOjE=", "School", 3, urn="100001")
    return Choices(
        schools=[school],
        appropriate_bodies=[Organisation(2, "x", "Body", 3)],
        lead_providers=[Organisation(3, "y", "Provider", 3)],
        teacher_trn="1234567",
        statement_global_id="U3RhdGVtZW50OjU=",
        cohort=2025,
    )


def test_every_query_document_runs_and_mutations_are_listed_as_not_timed() -> None:
    found = {c.key: c for c in cases(_choices())}
    participants = found["lead_provider/Participants"]
    assert participants.skipped is None and participants.variables["first"] == 1000
    assert found["appropriate_body_user/Caseload"].variables == {"first": 100, "current": True}
    assert found["school_user/SchoolDashboard"].variables == {"urn": "100001"}
    assert found["finance/StatementView"].variables["id"] == "U3RhdGVtZW50OjU="
    assert found["school_user/RegisterEct"].skipped.startswith("mutations: they write")
    with pytest.raises(CaseError, match="no such document under operations/: x/Y"):
        cases(_choices(), only=["x/Y"])


def test_the_issue_s_four_documents_have_a_postgresql_reference() -> None:
    for key in (
        "lead_provider/Participants",
        "school_user/SchoolDashboard",
        "appropriate_body_user/Caseload",
        "finance/StatementView",
    ):
        assert (REFERENCES / f"{key}.postgresql.sql").is_file(), key
