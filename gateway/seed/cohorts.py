"""Contract periods (cohorts), their schedules and the milestones of each schedule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from gateway.models.training import SCHEDULE_IDENTIFIERS, DeclarationType
from gateway.seed.dates import ONE_DAY, add_months, contract_period_bounds
from gateway.seed.streams import stamp
from gateway.seed.world import ContractPeriodInfo, ScheduleInfo, Window, World

FIRST_YEAR = 2021
"""The ECF roll-out: the first contract period."""

FROZEN_YEARS = (2021, 2022)
"""Cohorts whose payments were frozen (unfinished participants moved to a later cohort)."""

MENTOR_FUNDING_FROM = 2025
UPLIFT_YEARS = range(2021, 2025)

# Months after the schedule starts when each declaration window opens and closes
# (close exclusive), for the standard pace: a two-year induction with a declaration about
# every term. ``None``: the last extension window never closes. Our own reading of the
# published ECF schedules, simplified to whole months.
STANDARD_WINDOWS: dict[DeclarationType, tuple[int, int | None]] = {
    DeclarationType.STARTED: (0, 3),
    DeclarationType.RETAINED_1: (2, 6),
    DeclarationType.RETAINED_2: (5, 9),
    DeclarationType.RETAINED_3: (8, 13),
    DeclarationType.RETAINED_4: (12, 17),
    DeclarationType.COMPLETED: (16, 25),
    DeclarationType.EXTENDED_1: (24, 31),
    DeclarationType.EXTENDED_2: (30, 37),
    DeclarationType.EXTENDED_3: (36, None),
}

PACE: dict[str, float] = {
    "standard": 1.0,
    "extended": 1.5,  # part-time: the same declarations spread over three years
    "reduced": 0.5,  # reduced induction: about a year
    "replacement": 1.0,  # a mentor replacing another: the same calendar as standard
}

SCHEDULE_START: dict[str, tuple[int, int]] = {
    # (years after the contract period's year, month) of the schedule's first day.
    "september": (0, 9),
    "january": (1, 1),
    "april": (1, 4),
}


def schedule_month_for(start: dt.date) -> str:
    """The schedule a participant starting on ``start`` follows: the term they start in."""
    if start.month in (1, 2, 3):
        return "january"
    if start.month in (4, 5):
        return "april"
    return "september"  # June to December: the autumn term (summer starters wait for it)


def schedule_start(year: int, identifier: str) -> dt.date:
    years_after, month = SCHEDULE_START[identifier.rsplit("-", 1)[1]]
    return dt.date(year + years_after, month, 1)


def milestone_windows(year: int, identifier: str) -> dict[str, Window]:
    start = schedule_start(year, identifier)
    pace = PACE[identifier.split("-")[1]]
    windows: dict[str, Window] = {}
    for declaration_type, (opens, closes) in STANDARD_WINDOWS.items():
        if declaration_type is not DeclarationType.STARTED:
            # Round half up (not Python's half-even) so windows stay in order at any pace.
            opens = int(opens * pace + 0.5)
            closes = None if closes is None else int(closes * pace + 0.5)
        end = None if closes is None else add_months(start, closes) - ONE_DAY
        windows[declaration_type.value] = (add_months(start, opens), end)
    return windows


def build_cohorts(world: World) -> None:
    for year in world.years:
        started_on, finished_on = contract_period_bounds(year)
        frozen = (
            dt.datetime(year + 3, 7, 31, 17, 0, tzinfo=dt.UTC) if year in FROZEN_YEARS else None
        )
        world.contract_periods[year] = ContractPeriodInfo(
            year=year,
            started_on=started_on,
            finished_on=finished_on,
            payments_frozen_at=frozen,
            mentor_funding_enabled=year >= MENTOR_FUNDING_FROM,
            uplift_fees_enabled=year in UPLIFT_YEARS,
        )
    schedule_id = 0
    for year in world.years:
        for identifier in SCHEDULE_IDENTIFIERS:
            schedule_id += 1
            world.schedules[(year, identifier)] = ScheduleInfo(
                id=schedule_id,
                year=year,
                identifier=identifier,
                milestones=milestone_windows(year, identifier),
            )


def _set_up_on(year: int, today: dt.date) -> dt.date:
    # DfE sets a contract period up in the spring before it starts.
    return min(dt.date(year, 3, 1), today)


def contract_period_rows(world: World) -> Iterator[dict[str, Any]]:
    for period in world.contract_periods.values():
        created = _set_up_on(period.year, world.today)
        frozen = period.payments_frozen_at
        updated = frozen if frozen is not None and frozen.date() < world.today else None
        yield {
            "year": period.year,
            "started_on": period.started_on,
            "finished_on": period.finished_on,
            "enabled": True,
            "payments_frozen_at": frozen,
            "mentor_funding_enabled": period.mentor_funding_enabled,
            "uplift_fees_enabled": period.uplift_fees_enabled,
            "created_at": stamp(created, period.year),
            "updated_at": updated or stamp(created, period.year),
        }


def schedule_rows(world: World) -> Iterator[dict[str, Any]]:
    for schedule in world.schedules.values():
        yield {
            "id": schedule.id,
            "contract_period_year": schedule.year,
            "identifier": schedule.identifier,
        }


def milestone_rows(world: World) -> Iterator[dict[str, Any]]:
    milestone_id = 0
    for schedule in world.schedules.values():
        for declaration_type, (start_date, milestone_date) in schedule.milestones.items():
            milestone_id += 1
            yield {
                "id": milestone_id,
                "schedule_id": schedule.id,
                "declaration_type": declaration_type,
                "start_date": start_date,
                "milestone_date": milestone_date,
            }
