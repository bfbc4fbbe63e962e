"""Computed "updated at" stamps: the latest of several instants, in SQL.

A lead provider syncs with ``updatedSince``, so a record's stamp must move forward on
every change of what the record shows, including changes stored in other rows (a
partnership shows its school's induction tutor and how many participants train with
it now) and changes that only the passing of days makes (a training period starting
or ending changes "currently training"). The real service keeps such stamps in
columns touched by callbacks and a nightly job (``api_updated_at``); here they are
computed when read, from the rows' own ``updated_at`` and the dates, so no writer can
forget to touch them.

Both dialects get the same text shape for instants: on SQLite an instant is stored as
``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC), and a computed one is written the same way so
that comparing and ordering stored and computed instants as text stays correct.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from gateway.auth import policy
from gateway.models import schools as sm
from gateway.models import training as trm
from gateway.models.base import UTCDateTime

FLOOR = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""Earlier than any row: stands in for "no related row"."""


class _Latest(FunctionElement[dt.datetime]):
    """The greatest of its arguments (none of them NULL: see ``latest``)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "latest"


@compiles(_Latest, "postgresql")
def _latest_postgresql(element: _Latest, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(_Latest)
def _latest_sqlite(element: _Latest, compiler: Any, **kw: Any) -> str:
    # SQLite's scalar max() with several arguments is GREATEST (text order, which the
    # common format makes time order).
    return f"max({compiler.process(element.clauses, **kw)})"


class _DayStart(FunctionElement[dt.datetime]):
    """Midnight UTC at the start of ``date + days``."""

    type = UTCDateTime()
    inherit_cache = True
    name = "day_start"


@compiles(_DayStart, "postgresql")
def _day_start_postgresql(element: _DayStart, compiler: Any, **kw: Any) -> str:
    date, days = list(element.clauses)
    return (
        f"(CAST(({compiler.process(date, **kw)} + {compiler.process(days, **kw)}) AS TIMESTAMP)"
        " AT TIME ZONE 'UTC')"
    )


@compiles(_DayStart)
def _day_start_sqlite(element: _DayStart, compiler: Any, **kw: Any) -> str:
    date, days = list(element.clauses)
    return (
        f"(strftime('%Y-%m-%d %H:%M:%S', {compiler.process(date, **kw)}, "
        f"({compiler.process(days, **kw)}) || ' days') || '.000000')"
    )


def latest(*instants: Any) -> ColumnElement[dt.datetime]:
    """The latest of ``instants`` (each may be NULL: NULL counts as ``FLOOR``)."""
    floor = sa.literal(FLOOR, type_=UTCDateTime())
    return _Latest(*(sa.func.coalesce(i, floor) for i in instants))


def day_start(date: Any, days: int = 0) -> ColumnElement[dt.datetime]:
    """The instant a day begins (UTC): ``date`` plus ``days``."""
    return _DayStart(date, sa.literal(days, type_=sa.Integer()))


def when_passed(instant: ColumnElement[dt.datetime], now: dt.datetime) -> Any:
    """``instant`` once it has passed (NULL before): a date-driven change counts from
    the moment it happens, never ahead of time."""
    return sa.case((instant <= sa.literal(now, type_=UTCDateTime()), instant), else_=None)


def training_stamp(tp: Any, now: dt.datetime) -> ColumnElement[dt.datetime]:
    """When a training period last changed what it shows, counting the days it started
    and ended (the day after its last day) once they have come: "currently training"
    changes then without any write."""
    return latest(
        tp.updated_at,
        when_passed(day_start(tp.started_on), now),
        when_passed(day_start(tp.finished_on, 1), now),
    )


def partnership_stamp(scope: policy.Scope, now: dt.datetime) -> ColumnElement[dt.datetime]:
    """A school partnership's "updated at", correlated to ``SchoolPartnership``: the
    latest change of the partnership row, its school (the induction tutor it shows),
    its delivery partner (the name it shows) and its training periods (the
    participants currently training)."""
    sp = trm.SchoolPartnership
    tp = trm.TrainingPeriod
    training = (
        scope.select(tp, sa.func.max(training_stamp(tp, now)))
        .where(tp.school_partnership_id == sp.id)
        .correlate(sp)
        .scalar_subquery()
    )
    school = (
        scope.select(sm.School, sm.School.updated_at)
        .where(sm.School.id == sp.school_id)
        .correlate(sp)
        .scalar_subquery()
    )
    partner = (
        scope.select(trm.DeliveryPartner, trm.DeliveryPartner.updated_at)
        .join(
            trm.LeadProviderDeliveryPartnership,
            trm.LeadProviderDeliveryPartnership.delivery_partner_id == trm.DeliveryPartner.id,
        )
        .where(trm.LeadProviderDeliveryPartnership.id == sp.lead_provider_delivery_partnership_id)
        .correlate(sp)
        .scalar_subquery()
    )
    return latest(sp.updated_at, school, partner, training)
