"""Deterministic randomness: named ``random.Random`` streams derived from one seed.

Every part of the generator draws from its own stream, so adding a draw in one part
(say, schools) never shifts what another part (say, declarations) generates. Nothing here
reads the clock or the operating system's randomness: UUIDs and timestamps come from
these streams and from dates in the data, so the same seed gives byte-identical rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

_MIDNIGHT = dt.time(0, 0)
_WORKING_DAY_SECONDS = (8 * 3600, 18 * 3600)


class Streams:
    """Factory of independent random streams, one per name, all from ``seed``."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def rng(self, name: str) -> random.Random:
        # A string seed is hashed with SHA-512 by random.Random (not Python's salted
        # hash()), so the stream is the same in every process.
        return random.Random(f"ecf-gateway-seed/{self.seed}/{name}")


def uuid4_from(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from ``rng`` instead of the operating system."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def at_time(day: dt.date, seconds: int) -> dt.datetime:
    """``day`` at ``seconds`` after midnight, UTC."""
    return dt.datetime.combine(day, _MIDNIGHT, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def during_working_day(day: dt.date, rng: random.Random) -> dt.datetime:
    """A random instant between 08:00 and 18:00 UTC on ``day`` (people act in office hours)."""
    return at_time(day, rng.randrange(*_WORKING_DAY_SECONDS))


def stamp(day: dt.date, salt: int) -> dt.datetime:
    """A working-hours instant on ``day`` that needs no draw: varied by ``salt`` (an id).

    Used for ``created_at``/``updated_at`` so that adding timestamp columns never changes
    what the random streams produce.
    """
    span = _WORKING_DAY_SECONDS[1] - _WORKING_DAY_SECONDS[0]
    return at_time(day, _WORKING_DAY_SECONDS[0] + (salt * 7919) % span)


class WeightedChoice(Generic[T]):
    """Repeated weighted draws from a fixed population (cumulative weights built once)."""

    def __init__(self, population: Sequence[T], weights: Sequence[float]) -> None:
        if not population:
            raise ValueError("cannot choose from an empty population")
        self.population = list(population)
        self.cum_weights = list(itertools.accumulate(weights))

    def __call__(self, rng: random.Random) -> T:
        return rng.choices(self.population, cum_weights=self.cum_weights)[0]
