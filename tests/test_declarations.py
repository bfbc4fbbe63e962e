"""Lead providers declare and void declarations through the graph, with real API tokens
(DOMAIN.md, "Lead providers"; issue 9's "Bad input" and "Done when").

Each test builds its own participant in the seeded database (a trnless teacher, so no
TRN can clash) with training exactly as the rule under test needs it, then acts over
HTTP with the operation documents under ``operations/lead_provider/``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from gateway.app import create_app
from gateway.auth import api_tokens
from gateway.db import Database
from gateway.models import inductions as im
from gateway.models import payments as pm
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.models.inductions import TrainingProgramme
from tests.conftest import SEED_TODAY
from tests.graph import call

OPERATIONS = Path(__file__).parent.parent / "operations" / "lead_provider"
CREATE = (OPERATIONS / "CreateDeclaration.graphql").read_text()
VOID = (OPERATIONS / "VoidDeclaration.graphql").read_text()
NOON = dt.datetime.combine(SEED_TODAY, dt.time(12), tzinfo=dt.UTC)
SCHEDULE = "ecf-standard-september"

_names = itertools.count(1)


class MovingClock:
    """A clock the test moves on, so that each step's ``updatedAt`` is its own."""

    def __init__(self) -> None:
        self.instant = NOON

    def now(self) -> dt.datetime:
        return self.instant

    def tick(self) -> None:
        self.instant += dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Participant:
    teacher_id: int
    api_id: str
    training_period_id: int
    lead_provider_id: int
    token: str
    school_id: int
    cohort: int


@pytest.fixture(scope="module")
async def lp(seeded_db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, MovingClock]]:
    clock = MovingClock()
    app = create_app(seeded_db.settings, database=seeded_db, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c, clock


async def token_for(db: Database, lead_provider_id: int) -> str:
    async with db.session() as s:
        token = await api_tokens.issue(s, lead_provider_id, "declaration tests")
        await s.commit()
    return token


async def _partnership(s: Any, cohort: int, nth: int = 0) -> tuple[int, int, int]:
    """(school partnership id, its school, its lead provider) in ``cohort``."""
    row = (
        await s.execute(
            sa.select(
                trm.SchoolPartnership.id,
                trm.SchoolPartnership.school_id,
                trm.ActiveLeadProvider.lead_provider_id,
            )
            .join(
                trm.LeadProviderDeliveryPartnership,
                trm.LeadProviderDeliveryPartnership.id
                == trm.SchoolPartnership.lead_provider_delivery_partnership_id,
            )
            .join(
                trm.ActiveLeadProvider,
                trm.ActiveLeadProvider.id
                == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
            )
            .where(trm.SchoolPartnership.contract_period_year == cohort)
            .order_by(trm.ActiveLeadProvider.lead_provider_id, trm.SchoolPartnership.id)
            .offset(nth)
            .limit(1)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def participant(
    db: Database,
    *,
    cohort: int = 2024,
    mentor: bool = False,
    eligible: bool = True,
    partnership: bool = True,
    withdrawn_at: dt.datetime | None = None,
    nth: int = 0,
) -> Participant:
    """A new teacher training with a provider in ``cohort`` on the standard September
    schedule: through a school partnership, or only an expression of interest."""
    n = next(_names)
    async with db.session() as s:
        partnership_id, school_id, provider_id = await _partnership(s, cohort, nth)
        schedule_id = await s.scalar(
            sa.select(trm.Schedule.id).where(
                trm.Schedule.contract_period_year == cohort, trm.Schedule.identifier == SCHEDULE
            )
        )
        interest = await s.scalar(
            sa.select(trm.ActiveLeadProvider.id).where(
                trm.ActiveLeadProvider.lead_provider_id == provider_id,
                trm.ActiveLeadProvider.contract_period_year == cohort,
            )
        )
        since = dt.datetime(cohort, 9, 1, 8, tzinfo=dt.UTC)
        teacher = tm.Teacher(
            trn=None,
            trnless=True,
            trs_first_name="Dee",
            trs_last_name=f"Clarant{n}",
            ect_first_became_eligible_for_funding_at=since if eligible and not mentor else None,
            mentor_first_became_eligible_for_funding_at=since if eligible and mentor else None,
        )
        s.add(teacher)
        await s.flush()
        started = dt.date(cohort, 9, 1)
        at_school: Any
        if mentor:
            at_school = sm.MentorAtSchoolPeriod(
                teacher_id=teacher.id, school_id=school_id, started_on=started
            )
        else:
            at_school = sm.ECTAtSchoolPeriod(
                teacher_id=teacher.id,
                school_id=school_id,
                started_on=started,
                working_pattern=sm.WorkingPattern.FULL_TIME,
            )
        s.add(at_school)
        if eligible and not mentor:
            # An eligible ECT as the rule makes one: an induction period covering a day
            # of their ECT period (rules/funding.py).
            s.add(
                im.InductionPeriod(
                    teacher_id=teacher.id,
                    appropriate_body_id=await s.scalar(
                        sa.select(sa.func.min(im.AppropriateBody.id))
                    ),
                    started_on=started,
                    training_programme=TrainingProgramme.PROVIDER_LED,
                )
            )
        await s.flush()
        period = trm.TrainingPeriod(
            teacher_id=teacher.id,
            ect_at_school_period_id=None if mentor else at_school.id,
            mentor_at_school_period_id=at_school.id if mentor else None,
            started_on=started,
            finished_on=withdrawn_at.date() if withdrawn_at else None,
            training_programme=TrainingProgramme.PROVIDER_LED,
            school_partnership_id=partnership_id if partnership else None,
            expression_of_interest_id=None if partnership else interest,
            lead_provider_id=provider_id,
            schedule_id=schedule_id,
            withdrawn_at=withdrawn_at,
            withdrawal_reason=trm.WithdrawalReason.OTHER if withdrawn_at else None,
        )
        s.add(period)
        await s.commit()
        return Participant(
            teacher.id,
            str(teacher.api_id),
            period.id,
            provider_id,
            await token_for(db, provider_id),
            school_id,
            cohort,
        )


async def window(db: Database, cohort: int, declaration_type: str) -> tuple[dt.date, dt.date]:
    async with db.session() as s:
        row = (
            await s.execute(
                sa.select(trm.Milestone.start_date, trm.Milestone.milestone_date)
                .join(trm.Schedule, trm.Schedule.id == trm.Milestone.schedule_id)
                .where(
                    trm.Schedule.contract_period_year == cohort,
                    trm.Schedule.identifier == SCHEDULE,
                    trm.Milestone.declaration_type == declaration_type,
                )
            )
        ).one()
        return row[0], row[1]


async def inside(db: Database, cohort: int, declaration_type: str, days: int = 10) -> str:
    """A moment inside the type's milestone window, as a lead provider sends it."""
    start, _ = await window(db, cohort, declaration_type)
    return dt.datetime.combine(start + dt.timedelta(days=days), dt.time(9), dt.UTC).isoformat()


def declare(p: Participant, declaration_type: str, date: str, **more: Any) -> dict[str, Any]:
    course = "ecf-mentor" if more.pop("mentor", False) else "ecf-induction"
    return {
        "input": {
            "participantId": p.api_id,
            "declarationType": declaration_type.upper().replace("-", "_"),
            "declarationDate": date,
            "courseIdentifier": course,
            **more,
        }
    }


async def create(c: httpx.AsyncClient, token: str, variables: dict[str, Any]) -> dict[str, Any]:
    result = await call(c, token, CREATE, variables)
    assert "errors" not in result, result
    return result["data"]["createDeclaration"]


async def void(c: httpx.AsyncClient, token: str, api_id: str) -> dict[str, Any]:
    result = await call(c, token, VOID, {"input": {"declarationId": api_id}})
    assert "errors" not in result, result
    return result["data"]["voidDeclaration"]


async def scalar(db: Database, sql: str, **params: Any) -> Any:
    async with db.session() as s:
        return await s.scalar(sa.text(sql), params)


async def execute(db: Database, sql: str, **params: Any) -> None:
    async with db.session() as s:
        await s.execute(sa.text(sql), params)
        await s.commit()


async def written(db: Database) -> tuple[Any, ...]:
    """What any declaration mutation would change: a refusal moves none of it."""
    return (
        await scalar(db, "SELECT count(*) FROM declarations"),
        await scalar(db, "SELECT max(updated_at) FROM declarations"),
        await scalar(db, "SELECT count(*) FROM events"),
        await scalar(db, "SELECT max(api_updated_at) FROM teachers"),
    )


async def refused(
    db: Database, c: httpx.AsyncClient, token: str, variables: dict[str, Any]
) -> tuple[str, list[str] | None, str]:
    """Create, expecting one user error: (code, field, message); nothing written."""
    before = await written(db)
    payload = await create(c, token, variables)
    assert payload["declaration"] is None
    assert await written(db) == before
    (error,) = payload["userErrors"]
    return error["code"], error["field"], error["message"]


async def next_output_statement(db: Database, p: Participant) -> dict[str, Any]:
    """The provider's open output statement for the cohort with the earliest deadline on
    or after today, found independently of the code under test."""
    async with db.session() as s:
        rows = (
            await s.execute(
                sa.select(pm.Statement.api_id, pm.Statement.deadline_date)
                .where(
                    pm.Statement.lead_provider_id == p.lead_provider_id,
                    pm.Statement.contract_period_year == p.cohort,
                    pm.Statement.fee_type == pm.FeeType.OUTPUT,
                    pm.Statement.status == pm.StatementStatus.OPEN,
                )
                .order_by(pm.Statement.deadline_date)
            )
        ).all()
    due = [r for r in rows if r.deadline_date >= SEED_TODAY]
    assert due, "the seed has an open output statement after today for this cohort"
    return {"apiId": str(due[0].api_id), "deadlineDate": due[0].deadline_date.isoformat()}


# -- the whole training, as a lead provider would declare it ------------------------------


async def test_a_participant_declared_through_its_whole_training(seeded_db: Database, lp) -> None:
    c, clock = lp
    db = seeded_db
    p = await participant(db)
    statement = await next_output_statement(db, p)
    declared: dict[str, dict[str, Any]] = {}
    for kind in ("started", "retained-1", "retained-2", "retained-3", "retained-4", "completed"):
        clock.tick()
        evidence = {} if kind == "started" else {"evidenceHeld": "training-event-attended"}
        payload = await create(
            c, p.token, declare(p, kind, await inside(db, 2024, kind), **evidence)
        )
        assert payload["userErrors"] == [], (kind, payload)
        d = payload["declaration"]
        # Funding-eligible participant: eligible, on the next open output statement.
        assert d["state"] == "ELIGIBLE" and payload["alreadyDeclared"] is False
        assert d["statement"]["apiId"] == statement["apiId"]
        assert d["statement"]["status"] == "OPEN"
        assert d["participant"]["participantId"] == p.api_id
        assert d["deliveryPartner"] is not None
        assert d["updatedAt"] == d["createdAt"] == clock.now().isoformat()
        declared[kind] = d
    # Uplifts on started only, from the school's flags for the cohort (2024 pays them).
    flags = (
        await scalar(
            db,
            "SELECT pupil_premium_uplift FROM school_funding "
            "WHERE school_id = :s AND contract_period_year = 2024",
            s=p.school_id,
        ),
        await scalar(
            db,
            "SELECT sparsity_uplift FROM school_funding "
            "WHERE school_id = :s AND contract_period_year = 2024",
            s=p.school_id,
        ),
    )
    started = declared["started"]
    assert (started["pupilPremiumUplift"], started["sparsityUplift"]) == tuple(
        bool(f) for f in flags
    )
    assert not any(declared["retained-1"][u] for u in ("pupilPremiumUplift", "sparsityUplift"))
    # The evidence is kept where the rule asks for it; started takes none before 2025.
    assert started["evidenceType"] is None
    assert declared["completed"]["evidenceType"] == "training-event-attended"

    # The same declaration again (a retry): the same row, nothing written.
    before = await written(db)
    again = await create(
        c, p.token, declare(p, "retained-2", await inside(db, 2024, "retained-2"),
                            evidenceHeld="training-event-attended"),
    )  # fmt: skip
    assert again["userErrors"] == [] and again["alreadyDeclared"] is True
    assert again["declaration"]["apiId"] == declared["retained-2"]["apiId"]
    assert await written(db) == before

    # A void of an eligible declaration: voided, still on its statement, updatedAt moves.
    clock.tick()
    voided = await void(c, p.token, declared["retained-4"]["apiId"])
    assert voided["userErrors"] == []
    assert voided["declaration"]["state"] == "VOIDED"
    assert voided["declaration"]["statement"]["apiId"] == statement["apiId"]
    assert voided["declaration"]["clawbackStatement"] is None
    assert voided["declaration"]["updatedAt"] == clock.now().isoformat()
    # A voided declaration does not count as a duplicate: retained-4 may be declared again.
    clock.tick()
    redeclared = await create(
        c, p.token, declare(p, "retained-4", await inside(db, 2024, "retained-4", days=20),
                            evidenceHeld="other"),
    )  # fmt: skip
    assert redeclared["userErrors"] == [] and redeclared["declaration"]["state"] == "ELIGIBLE"
    assert redeclared["declaration"]["apiId"] != declared["retained-4"]["apiId"]

    # Payable and paid are finance's steps, walked through the graph in
    # tests/test_finance_workflows.py; here they are set directly in the database, as a
    # statement past its deadline and a paid one would leave them.
    paid_statement = await scalar(
        db,
        "SELECT id FROM statements WHERE lead_provider_id = :lp AND contract_period_year = 2024 "
        "AND fee_type = 'output' AND status = 'paid' ORDER BY deadline_date DESC LIMIT 1",
        lp=p.lead_provider_id,
    )
    await execute(
        db,
        "UPDATE declarations SET payment_status = 'paid', payment_statement_id = :st "
        "WHERE api_id = :id",
        st=paid_statement,
        id=_db_uuid(db, started["apiId"]),
    )
    await execute(
        db,
        "UPDATE declarations SET payment_status = 'payable' WHERE api_id = :id",
        id=_db_uuid(db, declared["retained-1"]["apiId"]),
    )
    # Payable is voidable: voided.
    clock.tick()
    payable_void = await void(c, p.token, declared["retained-1"]["apiId"])
    assert payable_void["userErrors"] == []
    assert payable_void["declaration"]["state"] == "VOIDED"
    # Paid: awaiting clawback on the next open output statement; it stays on the paid one.
    clock.tick()
    clawback = await void(c, p.token, started["apiId"])
    assert clawback["userErrors"] == []
    d = clawback["declaration"]
    assert d["state"] == "AWAITING_CLAWBACK"
    assert d["statement"]["status"] == "PAID"
    assert d["clawbackStatement"]["apiId"] == statement["apiId"]
    assert d["clawbackStatement"]["deadlineDate"] == statement["deadlineDate"]
    assert d["updatedAt"] == clock.now().isoformat()
    # Voiding it again is refused and changes nothing.
    before = await written(db)
    again_void = await void(c, p.token, started["apiId"])
    assert [e["code"] for e in again_void["userErrors"]] == ["ALREADY_AWAITING_CLAWBACK"]
    assert await written(db) == before
    # Awaiting clawback does not count as a duplicate either: started is declared again.
    clock.tick()
    restarted = await create(
        c, p.token, declare(p, "started", await inside(db, 2024, "started", 20))
    )
    assert restarted["userErrors"] == [] and restarted["declaration"]["state"] == "ELIGIBLE"

    # Every change is audited, as the provider, with the declaration.
    events = await scalar(
        db,
        "SELECT count(*) FROM events WHERE teacher_id = :t AND author_type = 'lead_provider' "
        "AND declaration_id IS NOT NULL",
        t=p.teacher_id,
    )
    assert (
        events == 6 + 1 + 1 + 2 + 1
    )  # six declared, a void, a redeclaration, two voids, a restart


def _db_uuid(db: Database, api_id: str) -> Any:
    """UUIDs as each database stores them (SQLite: 32 hex digits, PostgreSQL: uuid)."""
    value = uuid.UUID(api_id)
    return value.hex if db.settings.database_url.startswith("sqlite") else value


async def test_a_participant_not_yet_funding_eligible_is_submitted(seeded_db, lp) -> None:
    c, _ = lp
    p = await participant(seeded_db, eligible=False)
    payload = await create(
        c, p.token, declare(p, "started", await inside(seeded_db, 2024, "started"))
    )
    assert payload["userErrors"] == []
    assert payload["declaration"]["state"] == "SUBMITTED"
    # Submitted declarations wait on the next output statement too (DOMAIN.md).
    statement = await next_output_statement(seeded_db, p)
    assert payload["declaration"]["statement"]["apiId"] == statement["apiId"]


# -- bad input: each refused with its code and field, nothing written ---------------------


async def test_another_providers_participant_is_not_found(seeded_db, lp) -> None:
    c, _ = lp
    p = await participant(seeded_db)
    other = await token_for(seeded_db, p.lead_provider_id % 3 + 1)
    code, field, _ = await refused(
        seeded_db, c, other, declare(p, "started", await inside(seeded_db, 2024, "started"))
    )
    assert (code, field) == ("NOT_FOUND", ["input", "participantId"])
    unknown = declare(p, "started", await inside(seeded_db, 2024, "started"))
    unknown["input"]["participantId"] = str(uuid.uuid4())
    assert (await refused(seeded_db, c, p.token, unknown))[0] == "NOT_FOUND"


async def test_dates_outside_the_window_in_the_future_or_after_withdrawal(seeded_db, lp) -> None:
    c, _ = lp
    db = seeded_db
    withdrew = dt.datetime(2024, 12, 15, 16, tzinfo=dt.UTC)  # inside retained-1's window
    p = await participant(db, withdrawn_at=withdrew)
    start, end = await window(db, 2024, "retained-1")
    evidence = {"evidenceHeld": "other"}
    before = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(9), dt.UTC).isoformat()
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(9), dt.UTC).isoformat()
    q = await participant(db)
    cases = [
        (q, before, "DECLARATION_DATE_BEFORE_MILESTONE"),
        (q, after, "DECLARATION_DATE_AFTER_MILESTONE"),
        (q, (NOON + dt.timedelta(hours=1)).isoformat(), "DECLARATION_DATE_IN_FUTURE"),
    ]
    for who, date, expected in cases:
        code, field, message = await refused(
            db, c, who.token, declare(who, "retained-1", date, **evidence)
        )
        assert (code, field) == (expected, ["input", "declarationDate"]), message
    # The edges of the window are inside it.
    for edge in (start, end):
        ok = await create(
            c, q.token, declare(q, "retained-1", f"{edge}T09:00:00+00:00", **evidence)
        )
        assert ok["userErrors"] == [], ok
        await void(c, q.token, ok["declaration"]["apiId"])
    # Withdrawn: the declaration date may not be after the withdrawal (the window allows it).
    assert withdrew.date() > start
    late = (withdrew + dt.timedelta(days=1)).isoformat()
    code, field, message = await refused(db, c, p.token, declare(p, "retained-1", late, **evidence))
    assert (code, field) == ("DECLARATION_AFTER_WITHDRAWAL", ["input", "declarationDate"])
    assert withdrew.date().isoformat() in message
    early = await create(c, p.token, declare(p, "started", await inside(db, 2024, "started")))
    assert early["userErrors"] == []


async def test_a_type_missing_from_the_schedule(seeded_db, lp) -> None:
    c, _ = lp
    p = await participant(seeded_db)
    # Every seeded schedule has all nine types: take extended-3 out of this one meanwhile.
    row = await _milestone(seeded_db, 2024, "extended-3")
    await execute(seeded_db, "DELETE FROM milestones WHERE id = :id", id=row["id"])
    try:
        code, field, message = await refused(
            seeded_db,
            c,
            p.token,
            declare(p, "extended-3", "2026-11-01T09:00:00Z", evidenceHeld="other"),
        )
    finally:
        async with seeded_db.session() as s:
            await s.execute(sa.insert(trm.Milestone).values(**row))
            await s.commit()
    assert (code, field) == ("DECLARATION_TYPE_NOT_IN_SCHEDULE", ["input", "declarationType"])
    assert SCHEDULE in message


async def _milestone(db: Database, cohort: int, declaration_type: str) -> dict[str, Any]:
    async with db.session() as s:
        row = (
            await s.execute(
                sa.select(trm.Milestone.__table__)
                .join(trm.Schedule, trm.Schedule.id == trm.Milestone.schedule_id)
                .where(
                    trm.Schedule.contract_period_year == cohort,
                    trm.Schedule.identifier == SCHEDULE,
                    trm.Milestone.declaration_type == declaration_type,
                )
            )
        ).one()
        return dict(row._mapping)


async def test_mentors_in_mentor_funding_periods_declare_started_and_completed_only(
    seeded_db, lp
) -> None:
    c, _ = lp
    db = seeded_db
    mentor = await participant(db, cohort=2025, mentor=True)
    retained = declare(
        mentor, "retained-1", await inside(db, 2025, "retained-1"),
        evidenceHeld="training-event-attended", mentor=True,
    )  # fmt: skip
    code, field, _ = await refused(db, c, mentor.token, retained)
    assert (code, field) == ("MENTOR_DECLARATION_TYPE_NOT_ALLOWED", ["input", "declarationType"])
    started = declare(
        mentor, "started", await inside(db, 2025, "started"),
        evidenceHeld="training-event-attended", mentor=True,
    )  # fmt: skip
    ok = await create(c, mentor.token, started)
    assert ok["userErrors"] == [] and ok["declaration"]["state"] == "ELIGIBLE"
    # Mentors carry no uplifts, and a mentor's course is ecf-mentor: not ecf-induction.
    assert not ok["declaration"]["pupilPremiumUplift"]
    started["input"]["courseIdentifier"] = "ecf-induction"
    code, field, message = await refused(db, c, mentor.token, started)
    assert (code, field) == ("WRONG_COURSE_IDENTIFIER", ["input", "courseIdentifier"])
    assert "ecf-mentor" in message


async def test_course_identifier_and_evidence(seeded_db, lp) -> None:
    c, _ = lp
    db = seeded_db
    p = await participant(db)
    bogus = declare(p, "started", await inside(db, 2024, "started"))
    bogus["input"]["courseIdentifier"] = "npq-headship"
    code, field, _ = await refused(db, c, p.token, bogus)
    assert (code, field) == ("INVALID_COURSE_IDENTIFIER", ["input", "courseIdentifier"])
    # Before 2025 every type but started needs evidence, one of three.
    retained = await inside(db, 2024, "retained-1")
    code, field, _ = await refused(db, c, p.token, declare(p, "retained-1", retained))
    assert (code, field) == ("EVIDENCE_REQUIRED", ["input", "evidenceHeld"])
    detailed = declare(p, "retained-1", retained, evidenceHeld="75-percent-engagement-met")
    code, field, _ = await refused(db, c, p.token, detailed)
    assert (code, field) == ("INVALID_EVIDENCE_TYPE", ["input", "evidenceHeld"])
    # From 2025 started needs evidence too, and retained-2 an engagement one.
    q = await participant(db, cohort=2025)
    code, field, _ = await refused(
        db, c, q.token, declare(q, "started", await inside(db, 2025, "started"))
    )
    assert (code, field) == ("EVIDENCE_REQUIRED", ["input", "evidenceHeld"])
    wrong = declare(q, "retained-2", await inside(db, 2025, "retained-2"), evidenceHeld="other")
    code, field, message = await refused(db, c, q.token, wrong)
    assert (code, field) == ("INVALID_EVIDENCE_TYPE", ["input", "evidenceHeld"])
    assert "75-percent-engagement-met" in message
    right = declare(
        q,
        "retained-2",
        await inside(db, 2025, "retained-2"),
        evidenceHeld="75-percent-engagement-met",
    )
    ok = await create(c, q.token, right)
    assert (
        ok["userErrors"] == [] and ok["declaration"]["evidenceType"] == "75-percent-engagement-met"
    )


async def test_frozen_cohorts_and_no_open_statement(seeded_db, lp) -> None:
    c, _ = lp
    db = seeded_db
    frozen = await participant(db, cohort=2021)
    code, field, _ = await refused(
        db, c, frozen.token, declare(frozen, "started", await inside(db, 2021, "started"))
    )
    assert (code, field) == ("PAYMENTS_FROZEN", ["input", "participantId"])
    # 2023's last output statement's deadline has passed (the seed's calendar).
    closed = await participant(db, cohort=2023)
    code, field, message = await refused(
        db, c, closed.token, declare(closed, "started", await inside(db, 2023, "started"))
    )
    assert (code, field) == ("NO_OPEN_STATEMENT", ["input", "participantId"])
    assert "2023" in message


async def test_no_declaration_without_a_partnership(seeded_db, lp) -> None:
    c, _ = lp
    p = await participant(seeded_db, partnership=False)
    code, field, message = await refused(
        seeded_db, c, p.token, declare(p, "started", await inside(seeded_db, 2024, "started"))
    )
    assert (code, field) == ("NO_PARTNERSHIP", ["input", "participantId"])
    assert "delivery partner" in message


async def test_duplicates_across_training_periods_and_providers(seeded_db, lp) -> None:
    """One started declaration that is or will be paid per participant and participant
    type, whichever provider made it (correction 7)."""
    c, _ = lp
    db = seeded_db
    first = await participant(db)
    date = await inside(db, 2024, "started")
    ok = await create(c, first.token, declare(first, "started", date))
    assert ok["userErrors"] == []
    # Another started with another date from the same provider: a duplicate.
    other_date = await inside(db, 2024, "started", days=11)
    code, field, message = await refused(db, c, first.token, declare(first, "started", other_date))
    assert (code, field) == ("DUPLICATE_DECLARATION", ["input", "declarationType"])
    assert f"yours, dated {date[:10]}" in message, "your own duplicate is named with its date"
    # The teacher moves to another provider: a new training period there.
    async with db.session() as s:
        partnership_id, _, provider_id = await _partnership(
            s, 2024, nth=await _first_of_other(s, first)
        )
        period = await s.get_one(trm.TrainingPeriod, first.training_period_id)
        period.finished_on = dt.date(2024, 12, 31)
        s.add(
            trm.TrainingPeriod(
                teacher_id=first.teacher_id,
                ect_at_school_period_id=period.ect_at_school_period_id,
                started_on=dt.date(2025, 1, 1),
                training_programme=TrainingProgramme.PROVIDER_LED,
                school_partnership_id=partnership_id,
                lead_provider_id=provider_id,
                schedule_id=period.schedule_id,
            )
        )
        await s.commit()
    assert provider_id != first.lead_provider_id
    second = Participant(
        first.teacher_id, first.api_id, 0, provider_id, await token_for(db, provider_id),
        first.school_id, 2024,
    )  # fmt: skip
    code, field, message = await refused(
        db, c, second.token, declare(second, "started", other_date)
    )
    assert (code, field) == ("DUPLICATE_DECLARATION", ["input", "declarationType"])
    # Another provider's declaration is named by its type only: its date is not yours.
    assert "another lead provider" in message and date[:10] not in message, message
    # The first provider's training finished on 2024-12-31: nothing after it is theirs.
    start, end = await window(db, 2024, "retained-1")
    after = max(start, dt.date(2025, 1, 2))
    assert end is None or after <= end
    late = dt.datetime.combine(after, dt.time(9), dt.UTC).isoformat()
    retained = declare(first, "retained-1", late, evidenceHeld="training-event-attended")
    code, field, message = await refused(db, c, first.token, retained)
    assert (code, field) == ("DECLARATION_AFTER_TRAINING", ["input", "declarationDate"])
    assert "2024-12-31" in message
    # Once the first provider voids it, the new provider may declare it.
    await void(c, first.token, ok["declaration"]["apiId"])
    moved = await create(c, second.token, declare(second, "started", other_date))
    assert moved["userErrors"] == [] and moved["declaration"]["state"] == "ELIGIBLE"


async def _first_of_other(s: Any, p: Participant) -> int:
    """The offset of the first 2024 partnership of another provider (in _partnership's order)."""
    ids = (
        await s.execute(
            sa.select(trm.ActiveLeadProvider.lead_provider_id)
            .select_from(trm.SchoolPartnership)
            .join(
                trm.LeadProviderDeliveryPartnership,
                trm.LeadProviderDeliveryPartnership.id
                == trm.SchoolPartnership.lead_provider_delivery_partnership_id,
            )
            .join(
                trm.ActiveLeadProvider,
                trm.ActiveLeadProvider.id
                == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
            )
            .where(trm.SchoolPartnership.contract_period_year == 2024)
            .order_by(trm.ActiveLeadProvider.lead_provider_id, trm.SchoolPartnership.id)
        )
    ).scalars()
    return next(i for i, lp in enumerate(ids) if lp != p.lead_provider_id)


async def test_voiding_is_for_own_declarations_once(seeded_db, lp) -> None:
    c, _ = lp
    db = seeded_db
    p = await participant(db)
    made = await create(c, p.token, declare(p, "started", await inside(db, 2024, "started")))
    api_id = made["declaration"]["apiId"]
    other = await token_for(db, p.lead_provider_id % 3 + 1)
    for token, expected in ((other, "NOT_FOUND"), (p.token, None), (p.token, "ALREADY_VOIDED")):
        before = await written(db)
        payload = await void(c, token, api_id)
        if expected is None:
            assert payload["userErrors"] == [] and payload["declaration"]["state"] == "VOIDED"
            continue
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            (expected, ["input", "declarationId"])
        ]
        assert payload["declaration"] is None and await written(db) == before


# -- the same declaration at the same moment ----------------------------------------------


async def test_the_same_declaration_sent_twice_at_once_is_one_row(seeded_db) -> None:
    """Truly concurrent transactions (PostgreSQL: both pass the first look, one insert
    waits on the duplicate index and then returns the winner; SQLite: the write lock
    taken first serialises them): both answers name the same declaration."""
    db = seeded_db
    p = await participant(db)
    variables = declare(p, "started", await inside(db, 2024, "started"))
    app = create_app(db.settings, database=db, clock=MovingClock())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        results = await asyncio.gather(*(create(c, p.token, variables) for _ in range(3)))
    assert all(r["userErrors"] == [] for r in results), results
    assert len({r["declaration"]["apiId"] for r in results}) == 1
    assert sorted(r["alreadyDeclared"] for r in results) == [False, True, True]
    rows = await scalar(
        db,
        "SELECT count(*) FROM declarations WHERE teacher_id = :t AND declaration_type = 'started'",
        t=p.teacher_id,
    )
    assert rows == 1


async def test_two_different_declarations_of_one_type_at_once_end_as_one(seeded_db) -> None:
    db = seeded_db
    p = await participant(db)
    dates = [await inside(db, 2024, "started", days=d) for d in (5, 6)]
    app = create_app(db.settings, database=db, clock=MovingClock())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        results = await asyncio.gather(
            *(create(c, p.token, declare(p, "started", d)) for d in dates)
        )
    outcomes = sorted(r["userErrors"][0]["code"] if r["userErrors"] else "OK" for r in results)
    assert outcomes == ["DUPLICATE_DECLARATION", "OK"]
    rows = await scalar(
        db, "SELECT count(*) FROM declarations WHERE teacher_id = :t", t=p.teacher_id
    )
    assert rows == 1
