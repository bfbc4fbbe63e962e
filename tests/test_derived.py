"""Derived values: the SQL form of induction status agrees with the Python one, and the
other derivations follow DOMAIN.md on hand-made cases."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from types import SimpleNamespace

import sqlalchemy as sa

from gateway.models.inductions import InductionOutcome, InductionPeriod
from gateway.models.payments import ClawbackStatus, PaymentStatus
from gateway.models.teachers import Teacher, TRSInductionStatus
from gateway.rules import derived
from gateway.rules.derived import InductionStatus
from tests.graph import callers, gql


async def test_induction_status_in_sql_agrees_with_python(seeded_db) -> None:
    async with seeded_db.session() as s:
        teachers = (await s.scalars(sa.select(Teacher))).all()
        periods = defaultdict(list)
        for period in (await s.scalars(sa.select(InductionPeriod))).all():
            periods[period.teacher_id].append(period)
        in_python = {
            t.id: derived.induction_status(periods[t.id], t.trs_induction_status) for t in teachers
        }
        in_sql = {}
        for status in InductionStatus:
            ids = await s.scalars(
                sa.select(Teacher.id).where(derived.induction_status_condition(status))
            )
            for teacher_id in ids:
                assert teacher_id not in in_sql, "a teacher matched two statuses"
                in_sql[teacher_id] = status
    assert in_sql == in_python
    seen = Counter(in_python.values())
    # The seed has each of these, so the comparison is not vacuous.
    for status in (
        InductionStatus.PASSED,
        InductionStatus.IN_PROGRESS,
        InductionStatus.NOT_STARTED,
    ):
        assert seen[status] > 0, seen


async def test_induction_status_filter_in_the_graph(client, seeded_db) -> None:
    admin = next(c for c in await callers(seeded_db) if c.role.value == "admin")
    query = """query($s: InductionStatus) { teachers(first: 100, inductionStatus: $s) {
        edges { node { inductionStatus } } } }"""
    result = await gql(client, query, admin.token, {"s": "FAILED"})
    statuses = {e["node"]["inductionStatus"] for e in result["data"]["teachers"]["edges"]}
    assert statuses == {"FAILED"}


def _period(start: str, finish: str | None = None, outcome: InductionOutcome | None = None):
    return SimpleNamespace(
        started_on=dt.date.fromisoformat(start),
        finished_on=dt.date.fromisoformat(finish) if finish else None,
        outcome=outcome,
    )


def test_induction_status_cases() -> None:
    none = TRSInductionStatus.NONE
    assert derived.induction_status([], none) is InductionStatus.NOT_STARTED
    assert derived.induction_status([], TRSInductionStatus.EXEMPT) is InductionStatus.EXEMPT
    assert derived.induction_status([_period("2024-09-01")], none) is InductionStatus.IN_PROGRESS
    released = _period("2024-09-01", "2025-03-31")
    assert derived.induction_status([released], none) is InductionStatus.PAUSED
    passed = _period("2025-04-01", "2026-07-20", InductionOutcome.PASS)
    assert derived.induction_status([released, passed], none) is InductionStatus.PASSED


def test_participant_status_around_today() -> None:
    today = dt.date(2026, 11, 29)
    status = derived.participant_status
    assert status(dt.date(2026, 12, 1), None, today) is derived.ParticipantStatus.JOINING
    assert status(dt.date(2025, 9, 1), None, today) is derived.ParticipantStatus.ACTIVE
    assert status(dt.date(2025, 9, 1), today, today) is derived.ParticipantStatus.LEAVING
    assert (
        status(dt.date(2025, 9, 1), dt.date(2026, 11, 28), today) is derived.ParticipantStatus.LEFT
    )


def test_declaration_state_folds_clawback_into_payment() -> None:
    state = derived.declaration_state
    no_clawback = ClawbackStatus.NO_CLAWBACK
    assert state(PaymentStatus.NO_PAYMENT, no_clawback).value == "submitted"
    assert state(PaymentStatus.PAYABLE, no_clawback).value == "payable"
    assert state(PaymentStatus.PAID, ClawbackStatus.AWAITING_CLAWBACK).value == "awaiting-clawback"
    assert state(PaymentStatus.PAID, ClawbackStatus.CLAWED_BACK).value == "clawed-back"


def test_training_status() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    period = SimpleNamespace(withdrawn_at=None, deferred_at=None)
    assert derived.training_status(period) is derived.TrainingStatus.ACTIVE
    period.deferred_at = now
    assert derived.training_status(period) is derived.TrainingStatus.DEFERRED
    period.withdrawn_at, period.deferred_at = now, None
    assert derived.training_status(period) is derived.TrainingStatus.WITHDRAWN
