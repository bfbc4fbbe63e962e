"""Rate-limit refusals remembered for a moment, so that repeats cost next to nothing.

A caller whose bucket is empty often sends the same request again at once: a retry
loop without backoff, a script, an abuser. The first refusal costs what any request
costs (credentials checked against the database, the document parsed, validated and
estimated, the bucket asked in Redis), about 2.8 ms of the process's CPU
(``bench/load.py abuse``), and one client repeating it on a few connections kept a
process busy refusing while everyone else's requests waited behind those refusals.

So the refusal is remembered under the request's exact credentials, parameters and
client address, and the same request arriving again within ``REPEAT_WINDOW`` (and
before the bucket, refilling at its rate, would hold what was wanted) is refused at
once, before a session is opened, credentials are checked or anything is parsed, with
the same answer. The window is one second because ``Retry-After`` is never less: a
repeat within it is a client that did not wait as it was told, and no other request is
affected (a different document, variables or token goes the whole way). Points given
back meanwhile (a concurrent request of the caller settling below its estimate, or
another process's refusal) are seen one second later at most.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from strawberry.http import GraphQLRequestData

from gateway.limits.rates import BucketState
from gateway.limits.rules import RoleLimits

REPEAT_WINDOW = 1.0
"""Seconds a refusal is remembered at most (``Retry-After`` is at least 1)."""

MAX_REMEMBERED = 10_000
"""Refusals kept at once (the oldest forgotten first): a few MB at most."""


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
        self, window: float = REPEAT_WINDOW, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.clock = clock
        self._refused: OrderedDict[bytes, Remembered] = OrderedDict()

    def remember(self, key: bytes, state: BucketState, requested: int, limits: RoleLimits) -> None:
        self._refused[key] = Remembered(state, self.clock(), requested, limits)
        self._refused.move_to_end(key)
        while len(self._refused) > MAX_REMEMBERED:
            self._refused.popitem(last=False)

    def recall(self, key: bytes) -> tuple[Remembered, BucketState] | None:
        """The remembered refusal and the bucket as it stands now (refilled at its
        rate since), while the same request would still be refused; None otherwise."""
        found = self._refused.get(key)
        if found is None:
            return None
        elapsed = self.clock() - found.at
        state = found.state
        available = min(float(state.capacity), state.available + elapsed * state.rate)
        if elapsed >= self.window or available >= state.wanted:
            del self._refused[key]
            return None
        return found, BucketState(False, available, state.capacity, state.rate, state.wanted)
