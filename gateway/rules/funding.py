"""Funding eligibility: a stored fact per teacher and participant type, set once and
never unset (DOMAIN.md, "Appropriate bodies"; the real service's
``{ect,mentor}_first_became_eligible_for_training_at``).

- An ECT becomes eligible the first time they have an ECT period and an induction
  period covering a day: checked when an appropriate body claims them and when a
  school registers them.
- A mentor is eligible from registration unless recorded as ineligible
  (``mentor_became_ineligible_for_funding_on`` with a reason).

When it becomes true, that type's ``no_payment`` (submitted) declarations become
``eligible``: they were waiting only for this.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import domain_read
from gateway.models import inductions as im
from gateway.models import payments as pm
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models.training import ParticipantType


def is_eligible(teacher: tm.Teacher, participant_type: ParticipantType) -> bool:
    match participant_type:
        case ParticipantType.ECT:
            return teacher.ect_first_became_eligible_for_funding_at is not None
        case ParticipantType.MENTOR:
            return teacher.mentor_first_became_eligible_for_funding_at is not None


async def mark_eligible(
    session: AsyncSession, teacher: tm.Teacher, participant_type: ParticipantType, now: dt.datetime
) -> bool:
    """Record that ``teacher`` is funding-eligible as ``participant_type`` (once; a mentor
    recorded as ineligible stays so) and release their waiting declarations of that
    type. True when it changed anything."""
    if is_eligible(teacher, participant_type):
        return False
    match participant_type:
        case ParticipantType.ECT:
            teacher.ect_first_became_eligible_for_funding_at = now
        case ParticipantType.MENTOR:
            if teacher.mentor_became_ineligible_for_funding_on is not None:
                return False
            teacher.mentor_first_became_eligible_for_funding_at = now
    await session.execute(
        sa.update(pm.Declaration)
        .where(
            pm.Declaration.teacher_id == teacher.id,
            pm.Declaration.participant_type == participant_type,
            pm.Declaration.payment_status == pm.PaymentStatus.NO_PAYMENT,
        )
        .values(payment_status=pm.PaymentStatus.ELIGIBLE, updated_at=now)
    )
    teacher.api_updated_at = now
    return True


async def has_ect_period(session: AsyncSession, teacher_id: int) -> bool:
    stmt = sa.select(sm.ECTAtSchoolPeriod.id).where(sm.ECTAtSchoolPeriod.teacher_id == teacher_id)
    found = await session.scalar(
        domain_read(stmt.limit(1), "an ECT is funding-eligible once they have an ECT period")
    )
    return found is not None


async def has_started_induction(session: AsyncSession, teacher_id: int, today: dt.date) -> bool:
    stmt = sa.select(im.InductionPeriod.id).where(
        im.InductionPeriod.teacher_id == teacher_id, im.InductionPeriod.started_on <= today
    )
    found = await session.scalar(
        domain_read(stmt.limit(1), "an ECT is funding-eligible once an induction has started")
    )
    return found is not None
