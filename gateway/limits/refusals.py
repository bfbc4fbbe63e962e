"""Rate-limit refusals remembered for a moment, so that repeats cost next to nothing.

A caller whose bucket is empty often sends the same request again at once: a retry
loop without backoff, a script, an abuser. The first refusal costs what any request
costs (credentials checked against the database, the document parsed, validated and
estimated, the bucket asked in Redis), about 2.8 ms of the process's CPU
(``bench/load.py abuse``), and one client repeating it on a few connections kept a
process busy refusing while everyone else's requests waited behind those refusals.

So the refusal is remembered under the request's exact credentials, parameters and
client address, and the same request arriving again within ``REPEAT_WINDOW`` (and
before the bucket, refilling at its rate, would hold what was wanted) is held until
that moment and then refused with the same answer, the bucket's figures brought up to
date, without a session being opened, credentials checked or anything parsed (about
0.75 ms instead of 2.8). Answering at once was not enough: a client that repeats as
soon as it is answered then sent four times as many, and kept the process as busy.
Held, each of its connections gets one answer a second. The window is one second
because ``Retry-After`` is never less: a repeat within it is a client that did not wait
as it was told, and no other request is affected (a different document, variables or
token goes the whole way). Points given back meanwhile (a concurrent request of the
caller settling below its estimate, or another process's spending) are seen one second
later at most. A held request holds no concurrency slot and no database connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import orjson
from strawberry.http import GraphQLRequestData

from gateway.limits.rates import BucketState
from gateway.limits.rules import RoleLimits

REPEAT_WINDOW = 1.0
"""Seconds a refusal is remembered at most (``Retry-After`` is at least 1)."""

MAX_REMEMBERED = 10_000
"""Refusals kept at once (the oldest forgotten first): a few MB at most."""

MAX_HELD = 100
"""Repeats held at once; beyond them a repeat is answered at once (still without any
work), so holding cannot pile up connections and bodies (up to MAX_REQUEST_BYTES each)."""


@dataclass(frozen=True)
class Remembered:
    state: BucketState
    """The bucket when the request was refused."""
    at: float
    requested: int
    limits: RoleLimits


def request_key(authorization: str | None, client: str, data: GraphQLRequestData) -> bytes:
    """A digest of what makes two requests the same to the limits (the token is not
    kept, only this digest)."""
    parts = orjson.dumps(
        [authorization, client, data.query, data.operation_name, data.variables, data.extensions],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.blake2b(parts, digest_size=16).digest()


class RecentRefusals:
    def __init__(
        self,
        window: float = REPEAT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self._refused: OrderedDict[bytes, Remembered] = OrderedDict()
        self.held = 0

    @contextlib.asynccontextmanager
    async def holding(self, seconds: float) -> AsyncIterator[None]:
        """Hold a repeat for ``seconds``, unless MAX_HELD are held already."""
        if self.held >= MAX_HELD:
            yield
            return
        self.held += 1
        try:
            await self.sleep(seconds)
            yield
        finally:
            self.held -= 1

    def remember(self, key: bytes, state: BucketState, requested: int, limits: RoleLimits) -> None:
        self._refused[key] = Remembered(state, self.clock(), requested, limits)
        self._refused.move_to_end(key)
        while len(self._refused) > MAX_REMEMBERED:
            self._refused.popitem(last=False)

    def recall(self, key: bytes) -> tuple[Remembered, float] | None:
        """The remembered refusal of the same request and the seconds it is remembered
        for yet, while it would still be refused; None otherwise."""
        found = self._refused.get(key)
        if found is None:
            return None
        state = found.state
        elapsed = self.clock() - found.at
        refilled = max(0.0, (state.wanted - state.available) / state.rate)
        left = min(self.window, refilled) - elapsed
        if left <= 0:
            del self._refused[key]
            return None
        return found, left

    def now(self, remembered: Remembered) -> BucketState | None:
        """The remembered bucket as it stands now (refilled at its rate since), or None
        when it would hold what was wanted."""
        state = remembered.state
        elapsed = self.clock() - remembered.at
        available = min(float(state.capacity), state.available + elapsed * state.rate)
        if available >= state.wanted:
            return None
        return BucketState(False, available, state.capacity, state.rate, state.wanted)
