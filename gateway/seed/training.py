"""Training periods: one or more for every ECT period and every mentor period.

Plans made while simulating careers become rows here, once each provider-led plan knows
its school's partnership (or expression of interest) for the participant's cohort and
its schedule. Ids follow start dates, as they would in a live service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from gateway.models.inductions import TrainingProgramme
from gateway.seed.partnerships import resolve_partnerships
from gateway.seed.streams import Streams, during_working_day, stamp, uuid4_from
from gateway.seed.world import (
    ActiveLeadProviderInfo,
    ECTPeriodInfo,
    MentorPeriodInfo,
    SchoolPartnershipInfo,
    TrainingPeriodInfo,
    TrainingPlan,
    World,
)


def build_training(world: World, streams: Streams) -> None:
    rng = streams.rng("training")
    api_ids = streams.rng("training/api-ids")
    plans: list[tuple[TrainingPlan, ECTPeriodInfo | MentorPeriodInfo]] = [
        (plan, period) for period in world.ect_periods for plan in period.training
    ] + [(plan, mentor) for mentor in world.mentor_periods for plan in mentor.training]
    # Chronological ids; ECT before mentor plans on the same day, then by period id (a
    # period's own plans never start on the same day).
    plans.sort(
        key=lambda item: (item[0].started_on, isinstance(item[1], MentorPeriodInfo), item[1].id)
    )
    first_start: dict[tuple[int, int], dt.date] = {}
    for plan, period in plans:
        if plan.provider_led:
            first_start.setdefault((period.cohort, period.school_id), plan.started_on)
    arrangements = resolve_partnerships(world, streams, first_start)

    for plan, period in plans:
        is_mentor = isinstance(period, MentorPeriodInfo)
        partnership = eoi = schedule = None
        if plan.provider_led:
            arrangement = arrangements[(period.cohort, period.school_id)]
            if isinstance(arrangement, SchoolPartnershipInfo):
                partnership = arrangement
            else:
                assert isinstance(arrangement, ActiveLeadProviderInfo)
                eoi = arrangement
            schedule = world.schedules[(period.cohort, period.schedule_identifier)]
        training_id = len(world.training_periods) + 1
        ended_at = None
        if plan.withdrawal_reason or plan.deferral_reason:
            assert plan.finished_on is not None
            ended_at = during_working_day(plan.finished_on, rng)
        world.training_periods.append(
            TrainingPeriodInfo(
                id=training_id,
                api_id=uuid4_from(api_ids),
                teacher_id=period.teacher_id,
                school_id=period.school_id,
                ect_period_id=None if is_mentor else period.id,
                mentor_period_id=period.id if is_mentor else None,
                cohort=period.cohort,
                started_on=plan.started_on,
                finished_on=plan.finished_on,
                provider_led=plan.provider_led,
                school_partnership=partnership,
                expression_of_interest=eoi,
                schedule=schedule,
                withdrawn_at=ended_at if plan.withdrawal_reason else None,
                withdrawal_reason=plan.withdrawal_reason,
                deferred_at=ended_at if plan.deferral_reason else None,
                deferral_reason=plan.deferral_reason,
            )
        )


def _lead_provider_id(period: TrainingPeriodInfo) -> int | None:
    """The provider of the period's partnership, else of its expression of interest."""
    if period.school_partnership:
        return period.school_partnership.delivery_partnership.lead_provider_id
    if period.expression_of_interest:
        return period.expression_of_interest.lead_provider_id
    return None


def training_period_rows(world: World) -> Iterator[dict[str, Any]]:
    for period in world.training_periods:
        updated = period.withdrawn_at or period.deferred_at
        yield {
            "id": period.id,
            "api_id": period.api_id,
            "teacher_id": period.teacher_id,
            "ect_at_school_period_id": period.ect_period_id,
            "mentor_at_school_period_id": period.mentor_period_id,
            "started_on": period.started_on,
            "finished_on": period.finished_on,
            "training_programme": (
                TrainingProgramme.PROVIDER_LED
                if period.provider_led
                else TrainingProgramme.SCHOOL_LED
            ).value,
            "school_partnership_id": period.school_partnership.id
            if period.school_partnership
            else None,
            "expression_of_interest_id": period.expression_of_interest.id
            if period.expression_of_interest
            else None,
            "lead_provider_id": _lead_provider_id(period),
            "schedule_id": period.schedule.id if period.schedule else None,
            "withdrawn_at": period.withdrawn_at,
            "withdrawal_reason": period.withdrawal_reason,
            "deferred_at": period.deferred_at,
            "deferral_reason": period.deferral_reason,
            "created_at": stamp(period.started_on, period.id),
            "updated_at": updated or stamp(period.finished_on or period.started_on, period.id),
        }
