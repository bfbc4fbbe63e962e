"""Calendar arithmetic for cohorts, terms, schedules and statements."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

ONE_DAY = dt.timedelta(days=1)

FIRST_INDUCTION_DAY = dt.date(2021, 9, 1)
"""New registrations may not start induction before 1 September 2021 (DOMAIN.md)."""

TERMS_PER_YEAR = Decimal(3)


def last_day_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_days(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def months_between(first: tuple[int, int], last: tuple[int, int]) -> Iterator[tuple[int, int]]:
    """(year, month) pairs from ``first`` to ``last`` inclusive."""
    index, end = first[0] * 12 + first[1] - 1, last[0] * 12 + last[1] - 1
    while index <= end:
        yield divmod(index, 12)[0], index % 12 + 1
        index += 1


def month_offset(year_month: tuple[int, int], months: int) -> tuple[int, int]:
    index = year_month[0] * 12 + year_month[1] - 1 + months
    return index // 12, index % 12 + 1


def contract_year_of(day: dt.date) -> int:
    """The contract period (cohort) a start date falls in: year Y runs 1 June Y to 31 May Y+1."""
    return day.year if day.month >= 6 else day.year - 1


def contract_period_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 6, 1), dt.date(year + 1, 5, 31)


def next_weekday(day: dt.date) -> dt.date:
    """Schools start people on working days: move a Saturday or Sunday to the Monday."""
    weekday = day.weekday()
    return day + dt.timedelta(days=7 - weekday) if weekday >= 5 else day


def terms_served(started_on: dt.date, finished_on: dt.date, fte: Decimal = Decimal(1)) -> Decimal:
    """Terms of induction served between two dates (three terms a year, pro rata for part time).

    Kept to one decimal place and within the 0-16 range the model allows.
    """
    days = Decimal((finished_on - started_on).days)
    terms = (days / Decimal("365.25") * TERMS_PER_YEAR * fte).quantize(Decimal("0.1"))
    return min(max(terms, Decimal("0.0")), Decimal(16))
