"""Periods of one kind for one teacher never overlap, closed ones included (DOMAIN.md):
on PostgreSQL the database itself refuses them (exclusion constraints), whatever code
writes. On SQLite the rules check inside the transaction; the workflow tests cover that
(OVERLAPS_PERIOD, REGISTERED_AT_ANOTHER_SCHOOL, MENTORSHIP_OVERLAP)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from gateway.db import Database
from gateway.models import inductions as im
from gateway.models import schools as sm
from gateway.models import training as trm

pytestmark = pytest.mark.usefixtures("seeded_db")


def _postgresql(db: Database) -> bool:
    return db.engine_for("schools").dialect.name == "postgresql"


async def _refused(db: Database, make: Any) -> bool:
    """Whether the database refuses the row ``make(session)`` adds (rolled back either way)."""
    async with db.session() as s:
        s.add(await make(s))
        try:
            await s.flush()
        except IntegrityError:
            return True
        finally:
            await s.rollback()
    return False


async def _closed(db: Database, model: Any) -> Any:
    async with db.session() as s:
        return await s.scalar(
            sa.select(model).where(model.finished_on.is_not(None)).order_by(model.id).limit(1)
        )


async def test_the_database_refuses_overlapping_periods(seeded_db: Database) -> None:
    if not _postgresql(seeded_db):
        pytest.skip("SQLite has no exclusion constraints: the rules check (workflow tests)")
    ect = await _closed(seeded_db, sm.ECTAtSchoolPeriod)
    mentor = await _closed(seeded_db, sm.MentorAtSchoolPeriod)
    mentorship = await _closed(seeded_db, sm.MentorshipPeriod)
    induction = await _closed(seeded_db, im.InductionPeriod)
    async with seeded_db.session() as s:
        training = await s.scalar(
            sa.select(trm.TrainingPeriod)
            .where(
                trm.TrainingPeriod.finished_on.is_not(None),
                trm.TrainingPeriod.ect_at_school_period_id.is_not(None),
                trm.TrainingPeriod.withdrawn_at.is_(None),
                trm.TrainingPeriod.deferred_at.is_(None),
            )
            .order_by(trm.TrainingPeriod.id)
            .limit(1)
        )
    inside = dt.timedelta(days=1)

    async def school_other_than(s: Any, school_id: int) -> int:
        return await s.scalar(sa.select(sa.func.min(sm.School.id)).where(sm.School.id != school_id))

    async def second_ect_period(s: Any) -> Any:
        # At another school: an ECT is at one school at a time, across all schools.
        return sm.ECTAtSchoolPeriod(
            teacher_id=ect.teacher_id,
            school_id=await school_other_than(s, ect.school_id),
            started_on=ect.finished_on - inside,
            finished_on=ect.finished_on + inside,
            working_pattern=sm.WorkingPattern.FULL_TIME,
        )

    async def second_mentor_period_same_school(s: Any) -> Any:
        return sm.MentorAtSchoolPeriod(
            teacher_id=mentor.teacher_id,
            school_id=mentor.school_id,
            started_on=mentor.finished_on - inside,
            finished_on=mentor.finished_on,
        )

    async def mentor_period_elsewhere(s: Any) -> Any:
        return sm.MentorAtSchoolPeriod(
            teacher_id=mentor.teacher_id,
            school_id=await school_other_than(s, mentor.school_id),
            started_on=mentor.finished_on - inside,
            finished_on=mentor.finished_on,
        )

    async def second_mentorship(s: Any) -> Any:
        return sm.MentorshipPeriod(
            ect_at_school_period_id=mentorship.ect_at_school_period_id,
            mentor_at_school_period_id=mentorship.mentor_at_school_period_id,
            started_on=mentorship.finished_on,
            finished_on=mentorship.finished_on,
        )

    async def second_induction(s: Any) -> Any:
        return im.InductionPeriod(
            teacher_id=induction.teacher_id,
            appropriate_body_id=induction.appropriate_body_id,
            started_on=induction.finished_on,
            finished_on=induction.finished_on,
            number_of_terms=1,
            training_programme=induction.training_programme,
        )

    async def second_training(s: Any) -> Any:
        return trm.TrainingPeriod(
            teacher_id=training.teacher_id,
            ect_at_school_period_id=training.ect_at_school_period_id,
            started_on=training.finished_on,
            finished_on=training.finished_on,
            training_programme=training.training_programme,
            school_partnership_id=training.school_partnership_id,
            expression_of_interest_id=training.expression_of_interest_id,
            lead_provider_id=training.lead_provider_id,
            schedule_id=training.schedule_id,
        )

    assert await _refused(seeded_db, second_training)
    assert await _refused(seeded_db, second_ect_period)
    assert await _refused(seeded_db, second_mentor_period_same_school)
    assert await _refused(seeded_db, second_mentorship)
    assert await _refused(seeded_db, second_induction)
    # Allowed: a mentor may mentor at several schools at once.
    assert not await _refused(seeded_db, mentor_period_elsewhere)
