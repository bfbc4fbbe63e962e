"""Where "today" comes from: one clock per app, pinned in tests.

Every rule that depends on the date (a start date in the future, what is current)
reads the request's ``Context.today``, which the app takes from its clock once per
request, so one request sees one date.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, with its zone (UTC)."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock stopped at one instant (tests, demos)."""

    def __init__(self, instant: dt.datetime | dt.date) -> None:
        if not isinstance(instant, dt.datetime):
            instant = dt.datetime.combine(instant, dt.time(12), tzinfo=dt.UTC)
        self.instant = instant

    def now(self) -> dt.datetime:
        return self.instant
