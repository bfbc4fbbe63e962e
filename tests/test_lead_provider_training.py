"""Lead providers act on their participants' training and their partnerships: withdraw,
defer, resume, change schedule, create a partnership, change its delivery partner.

Written from DOMAIN.md ("Lead providers") and the real service's rules, through HTTP
with real lead provider API tokens and the operation documents under
operations/lead_provider/. Each refusal names its code and field and writes nothing;
another provider's participant or partnership is NOT_FOUND, as if it did not exist.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from gateway.app import create_app
from gateway.auth import api_tokens
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.clock import FixedClock
from gateway.db import Database
from gateway.rules import derived
from tests.conftest import SEED_TODAY
from tests.graph import call, decode_global_id, global_id

TODAY = SEED_TODAY
NOW = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)  # the pinned app clock
YESTERDAY = TODAY - dt.timedelta(days=1)
OPERATIONS = Path(__file__).parent.parent / "operations" / "lead_provider"


def document(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text()


WITHDRAW = document("WithdrawParticipant")
DEFER = document("DeferParticipant")
RESUME = document("ResumeParticipant")
CHANGE_SCHEDULE = document("ChangeParticipantSchedule")
CREATE_PARTNERSHIP = document("CreatePartnership")
UPDATE_PARTNERSHIP = document("UpdatePartnership")
CHANGE_TRAINING_CHOICE = (
    OPERATIONS.parent / "school_user" / "ChangeTrainingChoice.graphql"
).read_text()

# What a lead provider reads back about a participant (its Participants page's fields).
READ = """query($id: UUID!, $status: TrainingStatus) {
  teachers(first: 5, participantId: $id, trainingStatus: $status) { edges { node {
    participantId updatedAt
    trainingPeriods { trainingRecordId participantType startedOn finishedOn trainingStatus
      withdrawal { reason date } deferral { reason date }
      schedule { identifier cohort } deliveryPartner { apiId } }
  } } } }"""


# -- the world the tests act in ---------------------------------------------------------


async def scalar(db: Database, sql: str, **params: Any) -> Any:
    async with db.session() as s:
        return await s.scalar(sa.text(sql), params)


async def rows(db: Database, sql: str, **params: Any) -> list[Any]:
    async with db.session() as s:
        return list((await s.execute(sa.text(sql), params)).all())


async def execute(db: Database, sql: str, **params: Any) -> None:
    async with db.session() as s:
        await s.execute(sa.text(sql), params)
        await s.commit()


async def token_for(db: Database, lead_provider_id: int) -> str:
    async with db.session() as s:
        token = await api_tokens.issue(s, lead_provider_id, "tests")
        await s.commit()
    return token


def client_at(db: Database, when: dt.date | dt.datetime) -> httpx.AsyncClient:
    """A client of the app with its clock pinned elsewhere than the seed's today."""
    app = create_app(db.settings, database=db, clock=FixedClock(when))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


# The lead provider's training: through one of its partnerships or naming it in an
# expression of interest (the policy's rule, written out in SQL for the tests).
LP_TRAINING = """
  FROM training_periods tp
  JOIN teachers t ON t.id = tp.teacher_id
  LEFT JOIN school_partnerships sp ON sp.id = tp.school_partnership_id
  LEFT JOIN lead_provider_delivery_partnerships l ON l.id = sp.lead_provider_delivery_partnership_id
  LEFT JOIN active_lead_providers a1 ON a1.id = l.active_lead_provider_id
  LEFT JOIN active_lead_providers a2 ON a2.id = tp.expression_of_interest_id
  LEFT JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id
  LEFT JOIN mentor_at_school_periods m ON m.id = tp.mentor_at_school_period_id
  JOIN schedules sc ON sc.id = tp.schedule_id
  WHERE (a1.lead_provider_id = :lp OR a2.lead_provider_id = :lp)
"""


@dataclass(frozen=True)
class Trainee:
    """A participant of a lead provider, as the tests arranged to find them."""

    lead_provider_id: int
    participant_id: str
    type: str  # ECT or MENTOR
    training_id: int
    teacher_id: int
    started_on: dt.date
    school_id: int
    schedule: str
    cohort: int

    def input(self, **more: Any) -> dict[str, Any]:
        return {
            "input": {"participantId": self.participant_id, "participantType": self.type, **more}
        }


_taken: set[int] = set()


async def trainee(
    db: Database, lead_provider_id: int = 1, kind: str = "ECT", extra: str = ""
) -> Trainee:
    """A participant training with the lead provider now (their latest training of that
    type, started before today, open, at the school today, nothing stopped), not used
    by another test of this module. ``extra`` adds SQL conditions."""
    column = "ect_at_school_period_id" if kind == "ECT" else "mentor_at_school_period_id"
    school = "e" if kind == "ECT" else "m"
    found = await rows(
        db,
        f"""SELECT t.api_id, tp.id, t.id, tp.started_on, {school}.school_id, sc.identifier,
                   sc.contract_period_year
            {LP_TRAINING}
              AND tp.{column} IS NOT NULL AND tp.finished_on IS NULL
              AND tp.withdrawn_at IS NULL AND tp.deferred_at IS NULL
              AND tp.started_on < :today AND {school}.finished_on IS NULL
              AND NOT EXISTS (SELECT 1 FROM training_periods o WHERE o.teacher_id = t.id
                              AND o.id <> tp.id AND o.{column} IS NOT NULL
                              AND o.started_on >= tp.started_on)
              AND NOT EXISTS (SELECT 1 FROM induction_periods i WHERE i.teacher_id = t.id
                              AND i.outcome IS NOT NULL)
              {extra}
            ORDER BY tp.id""",
        lp=lead_provider_id,
        today=TODAY,
    )
    for api_id, training_id, teacher_id, started_on, school_id, schedule, cohort in found:
        if training_id in _taken:
            continue
        _taken.add(training_id)
        return Trainee(
            lead_provider_id,
            str(uuid.UUID(str(api_id))),
            kind,
            training_id,
            teacher_id,
            started_on if isinstance(started_on, dt.date) else dt.date.fromisoformat(started_on),
            school_id,
            schedule,
            cohort,
        )
    raise AssertionError(f"the seed has no more {kind} of lead provider {lead_provider_id}")


async def snapshot(db: Database) -> dict[str, Any]:
    """What any of these mutations writes: a refusal moves none of it."""
    queries = {
        "training_periods": "SELECT count(*) FROM training_periods",
        "training_changed": "SELECT max(updated_at) FROM training_periods",
        "stopped": "SELECT count(*) FROM training_periods "
        "WHERE withdrawn_at IS NOT NULL OR deferred_at IS NOT NULL",
        "open": "SELECT count(*) FROM training_periods WHERE finished_on IS NULL",
        "partnerships": "SELECT count(*) FROM school_partnerships",
        "partnerships_changed": "SELECT max(updated_at) FROM school_partnerships",
        "events": "SELECT count(*) FROM events",
        "touched": "SELECT max(api_updated_at) FROM teachers",
    }
    return {name: await scalar(db, sql) for name, sql in queries.items()}


def refused(result: dict[str, Any], mutation: str) -> dict[str, Any]:
    payload = result["data"][mutation]
    assert len(payload["userErrors"]) == 1, payload
    for value in payload.values():
        assert value is None or isinstance(value, list), "nothing is returned on a refusal"
    return payload["userErrors"][0]


async def refuse(
    db: Database,
    client: httpx.AsyncClient,
    token: str,
    query: str,
    variables: dict[str, Any],
    code: str,
    field: str | None,
) -> dict[str, Any]:
    """Call, expect one user error with ``code`` on ``field``, and nothing written."""
    before = await snapshot(db)
    result = await call(client, token, query, variables)
    assert "errors" not in result, result
    (mutation,) = result["data"]
    error = refused(result, mutation)
    assert (error["code"], error["field"]) == (code, ["input", field] if field else None), error
    assert error["message"]
    assert await snapshot(db) == before, "a refusal writes nothing"
    return error


def ok(result: dict[str, Any], mutation: str) -> dict[str, Any]:
    assert "errors" not in result, result
    payload = result["data"][mutation]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def read(client: httpx.AsyncClient, token: str, t: Trainee, status: str | None = None):
    result = await call(client, token, READ, {"id": t.participant_id, "status": status})
    assert "errors" not in result, result
    edges = result["data"]["teachers"]["edges"]
    return edges[0]["node"] if edges else None


def instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@pytest.fixture(scope="module")
async def tokens(seeded_db: Database) -> dict[int, str]:
    return {lp: await token_for(seeded_db, lp) for lp in (1, 2, 3)}


# -- correction 6: the latest action wins ---------------------------------------------------


def test_training_status_follows_the_latest_action() -> None:
    at = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    later = at + dt.timedelta(days=30)

    def status(withdrawn: dt.datetime | None, deferred: dt.datetime | None) -> str:
        period = SimpleNamespace(withdrawn_at=withdrawn, deferred_at=deferred)
        return derived.training_status(period).value

    assert status(None, None) == "active"
    assert status(None, at) == "deferred"
    assert status(at, None) == "withdrawn"
    assert status(later, at) == "withdrawn", "withdrawn after a deferral: withdrawn"
    assert status(at, at) == "withdrawn", "the same instant reads withdrawn, as in RECT"
    # Not reachable through the mutations (defer refuses a withdrawn participant; the
    # database refuses it too), but the rule still reads the latest action.
    assert status(at, later) == "deferred"


async def test_training_status_in_sql_agrees_with_python(seeded_db: Database) -> None:
    from gateway.models.training import TrainingPeriod

    async with seeded_db.session() as s:
        periods = (await s.scalars(sa.select(TrainingPeriod))).all()
        in_python = {p.id: derived.training_status(p) for p in periods}
        in_sql: dict[int, derived.TrainingStatus] = {}
        for status in derived.TrainingStatus:
            for pid in await s.scalars(
                sa.select(TrainingPeriod.id).where(derived.training_status_condition(status))
            ):
                assert pid not in in_sql, "a training period matched two statuses"
                in_sql[pid] = status
    assert in_sql == in_python
    assert {derived.TrainingStatus.WITHDRAWN, derived.TrainingStatus.DEFERRED} <= set(
        in_python.values()
    )


# -- withdraw ------------------------------------------------------------------------------


async def test_withdrawing_closes_the_training_today_and_the_provider_reads_it(
    app_client, seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db)
    token = tokens[t.lead_provider_id]
    before = await read(app_client, token, t)
    payload = ok(
        await call(app_client, token, WITHDRAW, t.input(reason="LEFT_TEACHING_PROFESSION")),
        "withdrawParticipant",
    )
    training = payload["trainingPeriod"]
    assert training["trainingStatus"] == "WITHDRAWN"
    assert training["withdrawal"]["reason"] == "LEFT_TEACHING_PROFESSION"
    assert instant(training["withdrawal"]["date"]) == NOW
    assert training["finishedOn"] == TODAY.isoformat()
    assert training["deferral"] is None
    assert instant(payload["participant"]["updatedAt"]) == NOW
    assert instant(before["updatedAt"]) < NOW

    # What the lead provider then reads on its participants page.
    after = await read(app_client, token, t, "WITHDRAWN")
    assert after is not None, "found by the WITHDRAWN filter"
    latest = max(
        (p for p in after["trainingPeriods"] if p["participantType"] == "ECT"),
        key=lambda p: p["startedOn"],
    )
    assert latest["trainingStatus"] == "WITHDRAWN"
    assert latest["withdrawal"] == training["withdrawal"]
    assert instant(after["updatedAt"]) == NOW
    event = await rows(
        seeded_db,
        "SELECT author_type, author_id, lead_provider_id FROM events "
        "WHERE event_type = 'participant_withdrawn' AND training_period_id = :tp",
        tp=t.training_id,
    )
    assert [tuple(e) for e in event] == [("lead_provider", "lead_provider:1", 1)]


async def test_another_providers_participant_is_not_found(
    app_client, seeded_db: Database, tokens
) -> None:
    theirs = await trainee(seeded_db, lead_provider_id=2)
    for query, more in (
        (WITHDRAW, {"reason": "OTHER"}),
        (DEFER, {"reason": "OTHER"}),
        (RESUME, {}),
        (CHANGE_SCHEDULE, {"scheduleIdentifier": "ecf-extended-september"}),
    ):
        await refuse(
            seeded_db,
            app_client,
            tokens[1],
            query,
            theirs.input(**more),
            "NOT_FOUND",
            "participantId",
        )
    unknown = {"participantId": str(uuid.uuid4()), "participantType": "ECT", "reason": "OTHER"}
    await refuse(
        seeded_db,
        app_client,
        tokens[1],
        WITHDRAW,
        {"input": unknown},
        "NOT_FOUND",
        "participantId",
    )


async def test_the_wrong_participant_type_is_not_found(
    app_client, seeded_db: Database, tokens
) -> None:
    """An ECT of this provider who is no mentor with it: as MENTOR, no such participant."""
    t = await trainee(
        seeded_db,
        extra="AND NOT EXISTS (SELECT 1 FROM training_periods x "
        "WHERE x.teacher_id = t.id AND x.mentor_at_school_period_id IS NOT NULL)",
    )
    as_mentor = {"input": {"participantId": t.participant_id, "participantType": "MENTOR"}}
    as_mentor["input"]["reason"] = "OTHER"
    await refuse(
        seeded_db, app_client, tokens[1], WITHDRAW, as_mentor, "NOT_FOUND", "participantType"
    )


async def test_the_mentor_only_reason_is_refused_for_an_ect_and_accepted_for_a_mentor(
    app_client, seeded_db: Database, tokens
) -> None:
    ect = await trainee(seeded_db)
    error = await refuse(
        seeded_db,
        app_client,
        tokens[1],
        WITHDRAW,
        ect.input(reason="MENTOR_NO_LONGER_BEING_MENTOR"),
        "REASON_NOT_FOR_PARTICIPANT_TYPE",
        "reason",
    )
    assert "LEFT_TEACHING_PROFESSION" in error["message"], "says which reasons are valid"
    mentor = await trainee(seeded_db, kind="MENTOR")
    payload = ok(
        await call(
            app_client,
            tokens[1],
            WITHDRAW,
            mentor.input(reason="MENTOR_NO_LONGER_BEING_MENTOR"),
        ),
        "withdrawParticipant",
    )
    assert payload["trainingPeriod"]["participantType"] == "MENTOR"
    assert payload["trainingPeriod"]["withdrawal"]["reason"] == "MENTOR_NO_LONGER_BEING_MENTOR"


async def test_a_withdrawn_participant_cannot_be_withdrawn_or_deferred_again(
    app_client, seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db)
    ok(await call(app_client, tokens[1], WITHDRAW, t.input(reason="OTHER")), "withdrawParticipant")
    await refuse(
        seeded_db,
        app_client,
        tokens[1],
        WITHDRAW,
        t.input(reason="MOVED_SCHOOL"),
        "ALREADY_WITHDRAWN",
        "participantId",
    )
    await refuse(
        seeded_db,
        app_client,
        tokens[1],
        DEFER,
        t.input(reason="CAREER_BREAK"),
        "ALREADY_WITHDRAWN",
        "participantId",
    )


async def test_training_must_have_run_a_whole_day_before_withdrawal_or_deferral(
    seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db)
    for when in (t.started_on, t.started_on - dt.timedelta(days=3)):
        async with client_at(seeded_db, when) as c:
            for query, reason in ((WITHDRAW, "OTHER"), (DEFER, "BEREAVEMENT")):
                await refuse(
                    seeded_db,
                    c,
                    tokens[1],
                    query,
                    t.input(reason=reason),
                    "TRAINING_NOT_STARTED",
                    "participantId",
                )


# -- defer, and withdraw after defer (correction 6) -----------------------------------------


async def test_deferring_then_withdrawing_reads_withdrawn_and_keeps_the_deferral(
    seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db)
    week_ago = NOW - dt.timedelta(days=7)
    async with client_at(seeded_db, week_ago) as c:
        deferred = ok(
            await call(c, tokens[1], DEFER, t.input(reason="PARENTAL_LEAVE")),
            "deferParticipant",
        )["trainingPeriod"]
        assert deferred["trainingStatus"] == "DEFERRED"
        assert deferred["deferral"]["reason"] == "PARENTAL_LEAVE"
        assert instant(deferred["deferral"]["date"]) == week_ago
        assert deferred["finishedOn"] == week_ago.date().isoformat()
        await refuse(
            seeded_db,
            c,
            tokens[1],
            DEFER,
            t.input(reason="OTHER"),
            "ALREADY_DEFERRED",
            "participantId",
        )
    async with client_at(seeded_db, NOW) as c:
        assert await read(c, tokens[1], t, "DEFERRED") is not None
        withdrawn = ok(
            await call(c, tokens[1], WITHDRAW, t.input(reason="LEFT_TEACHING_PROFESSION")),
            "withdrawParticipant",
        )["trainingPeriod"]
        assert withdrawn["trainingStatus"] == "WITHDRAWN", "the latest action wins"
        assert withdrawn["withdrawal"]["reason"] == "LEFT_TEACHING_PROFESSION"
        assert withdrawn["deferral"] is None, "shown as its status says, as the v3 API does"
        assert withdrawn["finishedOn"] == week_ago.date().isoformat(), "closed when deferred"
        assert await read(c, tokens[1], t, "DEFERRED") is None
        assert await read(c, tokens[1], t, "WITHDRAWN") is not None
    kept = await rows(
        seeded_db,
        "SELECT deferral_reason, withdrawal_reason FROM training_periods WHERE id = :i",
        i=t.training_id,
    )
    assert tuple(kept[0]) == ("parental_leave", "left_teaching_profession")


# -- resume -------------------------------------------------------------------------------


async def defer_a_week_ago(db: Database, token: str, t: Trainee) -> None:
    async with client_at(db, NOW - dt.timedelta(days=7)) as c:
        ok(await call(c, token, DEFER, t.input(reason="LONG_TERM_SICKNESS")), "deferParticipant")


async def test_resuming_opens_new_training_from_today_with_the_same_partnership_and_schedule(
    app_client, seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db, extra="AND tp.school_partnership_id IS NOT NULL")
    await defer_a_week_ago(seeded_db, tokens[1], t)
    old = await read(app_client, tokens[1], t)
    (old_training,) = [p for p in old["trainingPeriods"] if p["trainingStatus"] == "DEFERRED"]
    payload = ok(await call(app_client, tokens[1], RESUME, t.input()), "resumeParticipant")
    new = payload["trainingPeriod"]
    assert new["trainingStatus"] == "ACTIVE"
    assert new["startedOn"] == TODAY.isoformat()
    assert new["finishedOn"] is None, "runs to the end of the (open) school period"
    assert new["schedule"]["identifier"] == t.schedule
    assert new["deliveryPartner"]["apiId"] == old_training["deliveryPartner"]["apiId"]
    assert instant(payload["participant"]["updatedAt"]) == NOW
    after = await read(app_client, tokens[1], t, "ACTIVE")
    statuses = sorted(p["trainingStatus"] for p in after["trainingPeriods"])
    assert statuses.count("DEFERRED") == 1 and "ACTIVE" in statuses
    copied = await rows(
        seeded_db,
        """SELECT n.school_partnership_id = o.school_partnership_id,
                  n.schedule_id = o.schedule_id, n.expression_of_interest_id IS NULL
           FROM training_periods n, training_periods o
           WHERE o.id = :old AND n.teacher_id = o.teacher_id AND n.started_on = :today
             AND n.ect_at_school_period_id = o.ect_at_school_period_id""",
        old=t.training_id,
        today=TODAY,
    )
    assert [tuple(bool(v) for v in r) for r in copied] == [(True, True, True)]
    await refuse(
        seeded_db, app_client, tokens[1], RESUME, t.input(), "ALREADY_ACTIVE", "participantId"
    )
    resumed = await rows(
        seeded_db,
        "SELECT count(*) FROM events WHERE event_type = 'participant_resumed' "
        "AND teacher_id = :t AND author_id = 'lead_provider:1'",
        t=t.teacher_id,
    )
    assert resumed[0][0] == 1


async def test_a_mentor_is_resumed_at_the_school_they_mentor_at(
    app_client, seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db, kind="MENTOR")
    await defer_a_week_ago(seeded_db, tokens[1], t)
    new = ok(await call(app_client, tokens[1], RESUME, t.input()), "resumeParticipant")[
        "trainingPeriod"
    ]
    assert (new["participantType"], new["trainingStatus"]) == ("MENTOR", "ACTIVE")
    assert new["startedOn"] == TODAY.isoformat()
    assert new["schedule"]["identifier"] == t.schedule


async def test_an_active_participant_cannot_be_resumed(
    app_client, seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db)
    await refuse(
        seeded_db, app_client, tokens[1], RESUME, t.input(), "ALREADY_ACTIVE", "participantId"
    )


async def test_no_resuming_on_the_day_training_stopped(
    app_client, seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db)
    ok(await call(app_client, tokens[1], DEFER, t.input(reason="OTHER")), "deferParticipant")
    await refuse(
        seeded_db, app_client, tokens[1], RESUME, t.input(), "RESUMED_TOO_SOON", "participantId"
    )


async def test_no_resuming_a_participant_no_longer_at_the_school(
    app_client, seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db)
    await defer_a_week_ago(seeded_db, tokens[1], t)
    # The school reports the ECT left three days ago.
    await execute(
        seeded_db,
        "UPDATE ect_at_school_periods SET finished_on = :d WHERE id = "
        "(SELECT ect_at_school_period_id FROM training_periods WHERE id = :tp)",
        d=TODAY - dt.timedelta(days=3),
        tp=t.training_id,
    )
    await refuse(
        seeded_db, app_client, tokens[1], RESUME, t.input(), "NOT_AT_SCHOOL", "participantId"
    )


async def test_no_resuming_a_participant_training_with_another_provider(
    app_client, seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db, extra="AND sc.contract_period_year = 2026")
    await defer_a_week_ago(seeded_db, tokens[1], t)
    # The school moves the ECT to another lead provider from three days ago.
    urn = await scalar(seeded_db, "SELECT urn FROM schools WHERE id = :i", i=t.school_id)
    school = mint_development_token(seeded_db.settings, Role.SCHOOL_USER, school_urn=urn)
    ect_period = await scalar(
        seeded_db,
        "SELECT ect_at_school_period_id FROM training_periods WHERE id = :i",
        i=t.training_id,
    )
    moved = await call(
        app_client,
        school,
        (
            Path(__file__).parent.parent / "operations/school_user/ChangeTrainingChoice.graphql"
        ).read_text(),
        {
            "input": {
                "ectAtSchoolPeriodId": global_id("ECTAtSchoolPeriod", ect_period),
                "startedOn": (TODAY - dt.timedelta(days=3)).isoformat(),
                "trainingProgramme": "PROVIDER_LED",
                "leadProviderId": global_id("LeadProvider", 2),
            }
        },
    )
    ok(moved, "changeTrainingChoice")
    error = await refuse(
        seeded_db,
        app_client,
        tokens[1],
        RESUME,
        t.input(),
        "ACTIVE_WITH_ANOTHER_PROVIDER",
        "participantId",
    )
    # The other provider's training is not the caller's to read: not even its date.
    assert (TODAY - dt.timedelta(days=3)).isoformat() not in error["message"], error


# -- change schedule ------------------------------------------------------------------------


async def test_changing_the_schedule_of_training_under_way_starts_new_training_today(
    app_client, seeded_db: Database, tokens
) -> None:
    t = await trainee(seeded_db, extra="AND sc.identifier = 'ecf-standard-september'")
    payload = ok(
        await call(
            app_client,
            tokens[1],
            CHANGE_SCHEDULE,
            t.input(scheduleIdentifier="ecf-extended-september"),
        ),
        "changeParticipantSchedule",
    )
    new = payload["trainingPeriod"]
    assert new["schedule"] == {"identifier": "ecf-extended-september", "cohort": t.cohort}
    assert new["startedOn"] == TODAY.isoformat() and new["trainingStatus"] == "ACTIVE"
    assert instant(payload["participant"]["updatedAt"]) == NOW
    after = await read(app_client, tokens[1], t)
    by_start = {p["startedOn"]: p for p in after["trainingPeriods"]}
    old = by_start[t.started_on.isoformat()]
    assert old["finishedOn"] == YESTERDAY.isoformat(), "the old training finished yesterday"
    assert old["schedule"]["identifier"] == "ecf-standard-september"
    assert old["deliveryPartner"]["apiId"] == new["deliveryPartner"]["apiId"], "same partnership"


NO_PARTNERSHIP_SOME_YEAR = """AND EXISTS (
    SELECT 1 FROM contract_periods c WHERE c.payments_frozen_at IS NULL
    AND c.year <> sc.contract_period_year AND NOT EXISTS (
      SELECT 1 FROM school_partnerships sp2
      JOIN lead_provider_delivery_partnerships l2
        ON l2.id = sp2.lead_provider_delivery_partnership_id
      JOIN active_lead_providers a3 ON a3.id = l2.active_lead_provider_id
      WHERE sp2.school_id = e.school_id AND sp2.contract_period_year = c.year
        AND a3.lead_provider_id = :lp))"""


async def test_schedule_refusals(app_client, seeded_db: Database, tokens) -> None:
    ect = await trainee(seeded_db, extra=NO_PARTNERSHIP_SOME_YEAR)
    mentor = await trainee(seeded_db, kind="MENTOR")

    async def no(t: Trainee, code: str, field: str, **more: Any) -> None:
        await refuse(
            seeded_db, app_client, tokens[1], CHANGE_SCHEDULE, t.input(**more), code, field
        )

    await no(ect, "INVALID_SCHEDULE", "scheduleIdentifier", scheduleIdentifier="ecf-weekly")
    await no(ect, "SCHEDULE_UNCHANGED", "scheduleIdentifier", scheduleIdentifier=ect.schedule)
    month = ect.schedule.rsplit("-", 1)[1]
    await no(
        ect,
        "SCHEDULE_NOT_FOR_PARTICIPANT_TYPE",
        "scheduleIdentifier",
        scheduleIdentifier=f"ecf-replacement-{month}",
    )
    await no(
        mentor,
        "SCHEDULE_NOT_FOR_PARTICIPANT_TYPE",
        "scheduleIdentifier",
        scheduleIdentifier=f"ecf-reduced-{mentor.schedule.rsplit('-', 1)[1]}",
    )
    await no(ect, "NOT_FOUND", "cohort", scheduleIdentifier="ecf-standard-september", cohort=2020)
    frozen = 2021 if ect.cohort != 2021 else 2022
    await no(
        ect, "COHORT_FROZEN", "cohort", scheduleIdentifier="ecf-standard-september", cohort=frozen
    )
    # A cohort in which this provider has no partnership with the participant's school.
    bare = await scalar(
        seeded_db,
        """SELECT min(c.year) FROM contract_periods c WHERE c.payments_frozen_at IS NULL
           AND c.year <> :y AND NOT EXISTS (
             SELECT 1 FROM school_partnerships sp
             JOIN lead_provider_delivery_partnerships l
               ON l.id = sp.lead_provider_delivery_partnership_id
             JOIN active_lead_providers a ON a.id = l.active_lead_provider_id
             WHERE sp.school_id = :s AND sp.contract_period_year = c.year
               AND a.lead_provider_id = 1)""",
        y=ect.cohort,
        s=ect.school_id,
    )
    assert bare is not None
    await no(
        ect,
        "NO_PARTNERSHIP_IN_COHORT",
        "cohort",
        scheduleIdentifier="ecf-standard-september",
        cohort=bare,
    )
    ok(
        await call(app_client, tokens[1], WITHDRAW, ect.input(reason="OTHER")),
        "withdrawParticipant",
    )
    # A schedule other than the current one, so only the withdrawal stands in the way
    # (whichever participant this test was given).
    other = "standard" if "extended" in ect.schedule else "extended"
    await no(
        ect,
        "ALREADY_WITHDRAWN",
        "participantId",
        scheduleIdentifier=f"ecf-{other}-{month}",
    )


async def test_a_schedule_change_may_not_invalidate_declarations(
    seeded_db: Database, tokens
) -> None:
    """Changed in place (the training starts that day), the declarations on it must fit
    the new schedule's windows."""
    t = await trainee(
        seeded_db,
        extra="""AND sc.identifier = 'ecf-standard-september' AND EXISTS (
            SELECT 1 FROM declarations d WHERE d.training_period_id = tp.id
            AND d.declaration_type = 'started' AND d.payment_status <> 'voided')""",
    )
    async with client_at(seeded_db, t.started_on) as c:
        await refuse(
            seeded_db,
            c,
            tokens[1],
            CHANGE_SCHEDULE,
            t.input(scheduleIdentifier="ecf-standard-april"),
            "DECLARATIONS_WOULD_BE_INVALID",
            "scheduleIdentifier",
        )


async def test_a_schedule_change_in_place_before_training_starts(
    seeded_db: Database, tokens
) -> None:
    t = await trainee(
        seeded_db,
        lead_provider_id=3,
        extra="""AND NOT EXISTS (
            SELECT 1 FROM declarations d WHERE d.training_period_id = tp.id)""",
    )
    kind, month = t.schedule.split("-")[1:]
    target = f"ecf-{'standard' if kind == 'extended' else 'extended'}-{month}"
    count = "SELECT count(*) FROM training_periods WHERE teacher_id = :t"
    periods = await scalar(seeded_db, count, t=t.teacher_id)
    async with client_at(seeded_db, t.started_on - dt.timedelta(days=2)) as c:
        payload = ok(
            await call(c, tokens[3], CHANGE_SCHEDULE, t.input(scheduleIdentifier=target)),
            "changeParticipantSchedule",
        )
    training = payload["trainingPeriod"]
    assert training["startedOn"] == t.started_on.isoformat(), "the same training, changed"
    assert training["schedule"]["identifier"] == target
    assert await scalar(seeded_db, count, t=t.teacher_id) == periods


async def test_a_cohort_change_moves_the_training_into_the_providers_partnership_there(
    app_client, seeded_db: Database, tokens
) -> None:
    """DOMAIN.md: a cohort change needs a partnership in that cohort (here, one the
    provider has with the participant's school)."""
    t = await trainee(
        seeded_db,
        extra="""AND EXISTS (
            SELECT 1 FROM school_partnerships sp2
            JOIN lead_provider_delivery_partnerships l2
              ON l2.id = sp2.lead_provider_delivery_partnership_id
            JOIN active_lead_providers a3 ON a3.id = l2.active_lead_provider_id
            JOIN contract_periods c ON c.year = sp2.contract_period_year
            WHERE sp2.school_id = e.school_id AND a3.lead_provider_id = :lp
              AND c.payments_frozen_at IS NULL
              AND sp2.contract_period_year <> sc.contract_period_year)""",
    )
    year, partnership = (
        await rows(
            seeded_db,
            """SELECT sp.contract_period_year, sp.id FROM school_partnerships sp
               JOIN lead_provider_delivery_partnerships l
                 ON l.id = sp.lead_provider_delivery_partnership_id
               JOIN active_lead_providers a ON a.id = l.active_lead_provider_id
               JOIN contract_periods c ON c.year = sp.contract_period_year
               WHERE sp.school_id = :s AND a.lead_provider_id = 1
                 AND c.payments_frozen_at IS NULL AND sp.contract_period_year <> :y
               ORDER BY sp.contract_period_year DESC LIMIT 1""",
            s=t.school_id,
            y=t.cohort,
        )
    )[0]
    month = t.schedule.rsplit("-", 1)[1]
    payload = ok(
        await call(
            app_client,
            tokens[1],
            CHANGE_SCHEDULE,
            t.input(scheduleIdentifier=f"ecf-standard-{month}", cohort=year),
        ),
        "changeParticipantSchedule",
    )
    new = payload["trainingPeriod"]
    assert new["cohort"] == year and new["schedule"]["cohort"] == year
    assert new["startedOn"] == TODAY.isoformat()
    linked = await scalar(
        seeded_db,
        "SELECT school_partnership_id FROM training_periods WHERE teacher_id = :t "
        "AND started_on = :d AND ect_at_school_period_id IS NOT NULL",
        t=t.teacher_id,
        d=TODAY,
    )
    assert linked == partnership
    changed = await rows(
        seeded_db,
        "SELECT count(*) FROM events WHERE event_type = 'participant_schedule_changed' "
        "AND teacher_id = :t AND author_id = 'lead_provider:1'",
        t=t.teacher_id,
    )
    assert changed[0][0] == 1


async def test_no_schedule_change_once_the_ect_has_an_induction_outcome(
    app_client, seeded_db: Database, tokens
) -> None:
    """Training is complete once induction has an outcome; only a reduced schedule is
    still allowed (RECT)."""
    t = await trainee(seeded_db, extra="AND sc.identifier LIKE 'ecf-standard-%'")
    body = await scalar(seeded_db, "SELECT min(id) FROM appropriate_bodies")
    await execute(
        seeded_db,
        """INSERT INTO induction_periods (teacher_id, appropriate_body_id, started_on,
             finished_on, number_of_terms, outcome, training_programme, created_at, updated_at)
           VALUES (:t, :b, :s, :f, 6, 'pass', 'provider_led', :now, :now)""",
        t=t.teacher_id,
        b=body,
        s=dt.date(2021, 1, 4),
        f=dt.date(2021, 3, 31),
        now=NOW,
    )
    month = t.schedule.rsplit("-", 1)[1]
    await refuse(
        seeded_db,
        app_client,
        tokens[1],
        CHANGE_SCHEDULE,
        t.input(scheduleIdentifier=f"ecf-extended-{month}"),
        "TRAINING_COMPLETED",
        "participantId",
    )
    ok(
        await call(
            app_client,
            tokens[1],
            CHANGE_SCHEDULE,
            t.input(scheduleIdentifier=f"ecf-reduced-{month}"),
        ),
        "changeParticipantSchedule",
    )


async def test_no_schedule_change_for_a_participant_who_left_or_trains_elsewhere_later(
    app_client, seeded_db: Database, tokens
) -> None:
    left = await trainee(seeded_db)
    await execute(
        seeded_db,
        "UPDATE ect_at_school_periods SET finished_on = :d WHERE id = "
        "(SELECT ect_at_school_period_id FROM training_periods WHERE id = :tp)",
        d=YESTERDAY,
        tp=left.training_id,
    )
    await execute(
        seeded_db,
        "UPDATE training_periods SET finished_on = :d WHERE id = :tp",
        d=YESTERDAY,
        tp=left.training_id,
    )
    month = left.schedule.rsplit("-", 1)[1]
    kind = "standard" if "extended" in left.schedule else "extended"
    await refuse(
        seeded_db,
        app_client,
        tokens[1],
        CHANGE_SCHEDULE,
        left.input(scheduleIdentifier=f"ecf-{kind}-{month}"),
        "NOT_AT_SCHOOL",
        "participantId",
    )

    # The school moves this ECT to another lead provider from next week.
    moving = await trainee(seeded_db, extra="AND sc.contract_period_year = 2026")
    urn = await scalar(seeded_db, "SELECT urn FROM schools WHERE id = :i", i=moving.school_id)
    school = mint_development_token(seeded_db.settings, Role.SCHOOL_USER, school_urn=urn)
    ect_period = await scalar(
        seeded_db,
        "SELECT ect_at_school_period_id FROM training_periods WHERE id = :i",
        i=moving.training_id,
    )
    ok(
        await call(
            app_client,
            school,
            CHANGE_TRAINING_CHOICE,
            {
                "input": {
                    "ectAtSchoolPeriodId": global_id("ECTAtSchoolPeriod", ect_period),
                    "startedOn": (TODAY + dt.timedelta(days=7)).isoformat(),
                    "trainingProgramme": "PROVIDER_LED",
                    "leadProviderId": global_id("LeadProvider", 2),
                }
            },
        ),
        "changeTrainingChoice",
    )
    month = moving.schedule.rsplit("-", 1)[1]
    kind = "standard" if "extended" in moving.schedule else "extended"
    error = await refuse(
        seeded_db,
        app_client,
        tokens[1],
        CHANGE_SCHEDULE,
        moving.input(scheduleIdentifier=f"ecf-{kind}-{month}"),
        "TRAINING_ELSEWHERE_LATER",
        "participantId",
    )
    # The other provider's training is not the caller's to read: not even its date.
    assert (TODAY + dt.timedelta(days=7)).isoformat() not in error["message"], error


# -- partnerships ----------------------------------------------------------------------------


async def dp_api_id(db: Database, lead_provider_id: int, year: int, nth: int = 0) -> str:
    value = await scalar(
        db,
        """SELECT d.api_id FROM delivery_partners d
           JOIN lead_provider_delivery_partnerships l ON l.delivery_partner_id = d.id
           JOIN active_lead_providers a ON a.id = l.active_lead_provider_id
           WHERE a.lead_provider_id = :lp AND a.contract_period_year = :y
           ORDER BY d.id LIMIT 1 OFFSET :n""",
        lp=lead_provider_id,
        y=year,
        n=nth,
    )
    assert value is not None
    return str(uuid.UUID(str(value)))


async def school_with_expressions_of_interest(db: Database, nth: int) -> tuple[int, str]:
    """A school whose training names lead provider 2 in a 2026 expression of interest,
    with no 2026 partnership yet."""
    found = await rows(
        db,
        """SELECT DISTINCT s.id, s.urn FROM training_periods tp
           JOIN active_lead_providers a ON a.id = tp.expression_of_interest_id
           LEFT JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id
           LEFT JOIN mentor_at_school_periods m ON m.id = tp.mentor_at_school_period_id
           JOIN schools s ON s.id = coalesce(e.school_id, m.school_id)
           WHERE tp.school_partnership_id IS NULL AND a.lead_provider_id = 2
             AND a.contract_period_year = 2026
             AND NOT EXISTS (SELECT 1 FROM school_partnerships sp
                             WHERE sp.school_id = s.id AND sp.contract_period_year = 2026)
           ORDER BY s.id""",
    )
    assert len(found) > nth, found
    return int(found[nth][0]), str(found[nth][1])


async def test_creating_a_partnership_takes_over_the_schools_expressions_of_interest(
    app_client, seeded_db: Database, tokens
) -> None:
    school_id, urn = await school_with_expressions_of_interest(seeded_db, 0)
    partner = await dp_api_id(seeded_db, 2, 2026)
    waiting = await rows(
        seeded_db,
        """SELECT tp.id, tp.teacher_id FROM training_periods tp
           JOIN active_lead_providers a ON a.id = tp.expression_of_interest_id
           LEFT JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id
           LEFT JOIN mentor_at_school_periods m ON m.id = tp.mentor_at_school_period_id
           WHERE tp.school_partnership_id IS NULL AND a.lead_provider_id = 2
             AND a.contract_period_year = 2026 AND coalesce(e.school_id, m.school_id) = :s""",
        s=school_id,
    )
    assert waiting
    create = {"input": {"cohort": 2026, "schoolUrn": urn, "deliveryPartnerId": partner}}
    payload = ok(await call(app_client, tokens[2], CREATE_PARTNERSHIP, create), "createPartnership")
    made = payload["schoolPartnership"]
    assert made["cohort"] == 2026 and made["school"]["urn"] == urn
    assert made["deliveryPartner"]["apiId"] == partner
    attached = await rows(
        seeded_db,
        "SELECT count(*) FROM training_periods tp JOIN school_partnerships sp "
        "ON sp.id = tp.school_partnership_id WHERE sp.id = :p AND tp.id IN "
        f"({', '.join(str(w[0]) for w in waiting)})",
        p=decode_global_id(made["id"])[1],
    )
    assert attached[0][0] == len(waiting), "every expression of interest joined it"
    # The lead provider now reads the delivery partner on those participants, and their
    # "updated since" moved.
    for _, teacher_id in waiting:
        api_id = await scalar(seeded_db, "SELECT api_id FROM teachers WHERE id = :t", t=teacher_id)
        node = (await call(app_client, tokens[2], READ, {"id": str(uuid.UUID(str(api_id)))}))[
            "data"
        ]["teachers"]["edges"][0]["node"]
        assert instant(node["updatedAt"]) == NOW
        assert any(
            p["deliveryPartner"] and p["deliveryPartner"]["apiId"] == partner
            for p in node["trainingPeriods"]
        )
    listed = await call(
        app_client,
        tokens[2],
        "{ partnerships(first: 3000, cohorts: [2026]) { edges { node { apiId } } } }",
        {},
    )
    assert made["apiId"] in {e["node"]["apiId"] for e in listed["data"]["partnerships"]["edges"]}

    # A second one for the same school and cohort: refused, by this or another provider.
    again = await refuse(
        seeded_db,
        app_client,
        tokens[2],
        CREATE_PARTNERSHIP,
        create,
        "PARTNERSHIP_EXISTS",
        "schoolUrn",
    )
    assert made["apiId"] in again["message"], "names the partnership to change instead"
    other = {"input": {**create["input"], "deliveryPartnerId": await dp_api_id(seeded_db, 3, 2026)}}
    await refuse(
        seeded_db,
        app_client,
        tokens[3],
        CREATE_PARTNERSHIP,
        other,
        "PARTNERSHIP_EXISTS",
        "schoolUrn",
    )


async def test_partnership_refusals(app_client, seeded_db: Database, tokens) -> None:
    partner = await dp_api_id(seeded_db, 2, 2026)
    urn = await scalar(
        seeded_db,
        """SELECT min(urn) FROM schools s WHERE status = 'open' AND in_england
           AND type IN ('community_school', 'academy_converter')
           AND NOT EXISTS (SELECT 1 FROM school_partnerships sp
                           WHERE sp.school_id = s.id AND sp.contract_period_year = 2026)""",
    )
    closed = await scalar(seeded_db, "SELECT min(urn) FROM schools WHERE status = 'closed'")
    not_theirs = await scalar(
        seeded_db,
        """SELECT d.api_id FROM delivery_partners d WHERE NOT EXISTS (
             SELECT 1 FROM lead_provider_delivery_partnerships l
             JOIN active_lead_providers a ON a.id = l.active_lead_provider_id
             WHERE l.delivery_partner_id = d.id AND a.lead_provider_id = 2
               AND a.contract_period_year = 2026) ORDER BY d.id LIMIT 1""",
    )

    def create(**more: Any) -> dict[str, Any]:
        return {"input": {"cohort": 2026, "schoolUrn": urn, "deliveryPartnerId": partner, **more}}

    async def no(variables: dict[str, Any], code: str, field: str, c: Any = app_client) -> None:
        await refuse(seeded_db, c, tokens[2], CREATE_PARTNERSHIP, variables, code, field)

    await no(create(cohort=2020), "NOT_FOUND", "cohort")
    await no(create(schoolUrn="000000"), "NOT_FOUND", "schoolUrn")
    await no(create(schoolUrn=closed), "SCHOOL_NOT_ELIGIBLE", "schoolUrn")
    await no(create(deliveryPartnerId=str(uuid.uuid4())), "NOT_FOUND", "deliveryPartnerId")
    await no(
        create(deliveryPartnerId=str(uuid.UUID(str(not_theirs)))),
        "DELIVERY_PARTNER_NOT_PARTNERED",
        "deliveryPartnerId",
    )
    # Before the cohort's first day (2026-06-01).
    async with client_at(seeded_db, dt.date(2026, 5, 31)) as early:
        await no(create(), "COHORT_NOT_STARTED", "cohort", early)
    # A cohort DfE closed to new partnerships.
    await execute(seeded_db, "UPDATE contract_periods SET enabled = false WHERE year = 2026")
    try:
        await no(create(), "COHORT_CLOSED", "cohort")
    finally:
        await execute(seeded_db, "UPDATE contract_periods SET enabled = true WHERE year = 2026")


async def test_two_requests_creating_one_partnership_at_once_end_with_one(
    seeded_db: Database, tokens
) -> None:
    """Truly concurrent transactions (PostgreSQL): one partnership, one clean user error."""
    if make_url(seeded_db.settings.database_url).get_backend_name() != "postgresql":
        pytest.skip("SQLite serialises writers; the race is a PostgreSQL matter")
    school_id, urn = await school_with_expressions_of_interest(seeded_db, 1)
    partner = await dp_api_id(seeded_db, 2, 2026)
    create = {"input": {"cohort": 2026, "schoolUrn": urn, "deliveryPartnerId": partner}}
    async with client_at(seeded_db, NOW) as c:
        results = await asyncio.gather(
            *(call(c, tokens[2], CREATE_PARTNERSHIP, create) for _ in range(2))
        )
    assert all("errors" not in r for r in results), results
    outcomes = sorted(
        e[0]["code"] if (e := r["data"]["createPartnership"]["userErrors"]) else "OK"
        for r in results
    )
    assert outcomes == ["OK", "PARTNERSHIP_EXISTS"], outcomes
    made = await scalar(
        seeded_db,
        "SELECT count(*) FROM school_partnerships WHERE school_id = :s "
        "AND contract_period_year = 2026",
        s=school_id,
    )
    assert made == 1


async def test_changing_a_partnerships_delivery_partner(
    app_client, seeded_db: Database, tokens
) -> None:
    found = await rows(
        seeded_db,
        """SELECT sp.id, sp.api_id, d.api_id FROM school_partnerships sp
           JOIN lead_provider_delivery_partnerships l
             ON l.id = sp.lead_provider_delivery_partnership_id
           JOIN active_lead_providers a ON a.id = l.active_lead_provider_id
           JOIN delivery_partners d ON d.id = l.delivery_partner_id
           WHERE a.lead_provider_id = 3 AND a.contract_period_year = 2026
             AND EXISTS (SELECT 1 FROM training_periods tp
                         WHERE tp.school_partnership_id = sp.id)
           ORDER BY sp.id LIMIT 1""",
    )
    partnership_pk = found[0][0]
    partnership, current = (str(uuid.UUID(str(v))) for v in found[0][1:])
    partners = {await dp_api_id(seeded_db, 3, 2026, n) for n in (0, 1)}
    (other,) = partners - {current}
    teachers = await rows(
        seeded_db,
        "SELECT DISTINCT t.api_id FROM training_periods tp JOIN teachers t "
        "ON t.id = tp.teacher_id JOIN school_partnerships sp "
        "ON sp.id = tp.school_partnership_id WHERE sp.id = :p",
        p=partnership_pk,
    )

    def update(dp: str, p: str = partnership) -> dict[str, Any]:
        return {"input": {"partnershipId": p, "deliveryPartnerId": dp}}

    # Another provider's partnership does not exist for this one.
    await refuse(
        seeded_db,
        app_client,
        tokens[1],
        UPDATE_PARTNERSHIP,
        update(other),
        "NOT_FOUND",
        "partnershipId",
    )
    await refuse(
        seeded_db,
        app_client,
        tokens[3],
        UPDATE_PARTNERSHIP,
        update(current),
        "SAME_DELIVERY_PARTNER",
        "deliveryPartnerId",
    )
    not_theirs = await scalar(
        seeded_db,
        """SELECT d.api_id FROM delivery_partners d WHERE NOT EXISTS (
             SELECT 1 FROM lead_provider_delivery_partnerships l
             JOIN active_lead_providers a ON a.id = l.active_lead_provider_id
             WHERE l.delivery_partner_id = d.id AND a.lead_provider_id = 3
               AND a.contract_period_year = 2026) ORDER BY d.id LIMIT 1""",
    )
    await refuse(
        seeded_db,
        app_client,
        tokens[3],
        UPDATE_PARTNERSHIP,
        update(str(uuid.UUID(str(not_theirs)))),
        "DELIVERY_PARTNER_NOT_PARTNERED",
        "deliveryPartnerId",
    )
    changed = ok(
        await call(app_client, tokens[3], UPDATE_PARTNERSHIP, update(other)),
        "updatePartnership",
    )["schoolPartnership"]
    assert changed["deliveryPartner"]["apiId"] == other
    assert instant(changed["updatedAt"]) == NOW
    for (api_id,) in teachers:
        node = (await call(app_client, tokens[3], READ, {"id": str(uuid.UUID(str(api_id)))}))[
            "data"
        ]["teachers"]["edges"][0]["node"]
        assert instant(node["updatedAt"]) == NOW, "their delivery partner changed"
