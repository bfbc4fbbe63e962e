"""Funding eligibility is stored per teacher and participant type, set once, never unset
(DOMAIN.md, "Appropriate bodies"); when it becomes true, that type's submitted
declarations become eligible."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa

from gateway.db import Database
from gateway.models import payments as pm
from gateway.models import teachers as tm
from gateway.models import training as trm
from tests.graph import call
from tests.test_induction_workflows import CLAIM, body_token, new_claimable_teacher


async def _teacher(db: Database, teacher_id: int) -> tm.Teacher:
    async with db.session() as s:
        teacher = await s.get(tm.Teacher, teacher_id)
        assert teacher is not None
        return teacher


async def _submitted_declaration(db: Database, teacher_id: int, kind: str) -> int:
    """A submitted (no_payment) declaration of ``kind`` for the teacher, as a lead
    provider would have made before they were funding-eligible."""
    async with db.session() as s:
        statement_id = await s.scalar(
            sa.select(sa.func.min(pm.Statement.id)).where(
                pm.Statement.status == pm.StatementStatus.OPEN
            )
        )
        declaration = pm.Declaration(
            payment_statement_id=statement_id,
            api_id=uuid.uuid4(),
            # A training period of its own (declarations hold only its id).
            training_period_id=50_000_000 + teacher_id * 2 + (kind == "mentor"),
            teacher_id=teacher_id,
            lead_provider_id=1,
            delivery_partner_id=1,
            participant_type=trm.ParticipantType(kind),
            declaration_type=trm.DeclarationType.STARTED,
            declaration_date=dt.datetime(2024, 10, 1, 9, tzinfo=dt.UTC),
            payment_status=pm.PaymentStatus.NO_PAYMENT,
        )
        s.add(declaration)
        await s.commit()
        return declaration.id


async def _status(db: Database, declaration_id: int) -> Any:
    async with db.session() as s:
        return await s.scalar(
            sa.select(pm.Declaration.payment_status).where(pm.Declaration.id == declaration_id)
        )


async def test_claiming_an_ect_makes_them_eligible_once(app_client, seeded_db: Database) -> None:
    teacher = await new_claimable_teacher(seeded_db)
    assert (await _teacher(seeded_db, teacher.id)).ect_first_became_eligible_for_funding_at is None
    as_ect = await _submitted_declaration(seeded_db, teacher.id, "ect")
    as_mentor = await _submitted_declaration(seeded_db, teacher.id, "mentor")

    try:
        token = body_token(seeded_db, teacher.school_reported_appropriate_body_id)
        claimed = await call(
            app_client,
            token,
            CLAIM,
            {
                "input": {
                    "trn": teacher.trn,
                    "dateOfBirth": teacher.date_of_birth.isoformat(),
                    "startedOn": "2024-09-02",
                    "trainingProgramme": "PROVIDER_LED",
                }
            },
        )
        assert claimed["data"]["claimEct"]["userErrors"] == []

        eligible_at = (
            await _teacher(seeded_db, teacher.id)
        ).ect_first_became_eligible_for_funding_at
        assert eligible_at is not None
        # The ECT's waiting declaration is released; a mentor declaration is not (per type).
        assert await _status(seeded_db, as_ect) is pm.PaymentStatus.ELIGIBLE
        assert await _status(seeded_db, as_mentor) is pm.PaymentStatus.NO_PAYMENT
        assert (
            await _teacher(seeded_db, teacher.id)
        ).mentor_first_became_eligible_for_funding_at is None
    finally:
        # They stand on training that does not exist: gone, so the shared seeded
        # database stays true for the tests that read every declaration.
        async with seeded_db.session() as s:
            await s.execute(
                sa.delete(pm.Declaration).where(pm.Declaration.id.in_([as_ect, as_mentor]))
            )
            await s.commit()


async def test_seed_eligibility_follows_the_rule(seeded_db: Database) -> None:
    """Every ECT with an ECT period and an induction period that overlap by today is
    eligible; every eligible one has had an ECT period (eligibility is never unset, so
    one whose induction period an admin deleted since stays eligible); mentors recorded
    as ineligible are never eligible."""
    async with seeded_db.session() as s:
        expected = set(
            await s.scalars(
                sa.text(
                    "SELECT DISTINCT e.teacher_id FROM ect_at_school_periods e"
                    " JOIN induction_periods i ON i.teacher_id = e.teacher_id"
                    " WHERE e.started_on <= :today AND i.started_on <= :today"
                    " AND (i.finished_on IS NULL OR i.finished_on >= e.started_on)"
                    " AND (e.finished_on IS NULL OR e.finished_on >= i.started_on)"
                ),
                {"today": dt.date(2026, 11, 29)},
            )
        )
        with_ect_period = set(
            await s.scalars(sa.text("SELECT DISTINCT teacher_id FROM ect_at_school_periods"))
        )
        eligible = set(
            await s.scalars(
                sa.select(tm.Teacher.id).where(
                    tm.Teacher.ect_first_became_eligible_for_funding_at.is_not(None)
                )
            )
        )
        both = await s.scalar(
            sa.select(sa.func.count()).where(
                tm.Teacher.mentor_first_became_eligible_for_funding_at.is_not(None),
                tm.Teacher.mentor_became_ineligible_for_funding_on.is_not(None),
            )
        )
        ineligible = await s.scalar(
            sa.select(sa.func.count()).where(
                tm.Teacher.mentor_became_ineligible_for_funding_on.is_not(None)
            )
        )
    assert expected and expected <= eligible <= with_ect_period
    assert both == 0
    assert ineligible and ineligible > 0
