"""Token buckets of cost points, one per caller: in this process, or in Redis so that
several gateway processes share one budget.

A bucket holds up to ``capacity`` points and regains ``rate`` points a second. A request
takes its estimated cost before it runs (refused when the bucket holds less), and the
difference to its actual cost is settled afterwards (``adjust``), as Shopify does.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("gateway.limits")


@dataclass(frozen=True)
class BucketState:
    """Where a caller stands after one operation on its bucket."""

    allowed: bool
    available: float
    capacity: int
    rate: float
    wanted: float = 0.0

    @property
    def retry_after(self) -> int:
        """Whole seconds until the bucket holds what was wanted (0 when allowed)."""
        if self.allowed:
            return 0
        return max(1, math.ceil((self.wanted - self.available) / self.rate))

    @property
    def reset_after(self) -> int:
        """Whole seconds until the bucket is full again."""
        return max(0, math.ceil((self.capacity - self.available) / self.rate))

    @property
    def remaining(self) -> int:
        return max(0, math.floor(self.available))


class Buckets(Protocol):
    async def take(self, key: str, amount: float, capacity: int, rate: float) -> BucketState:
        """Take ``amount`` if the bucket holds it; otherwise take nothing (not allowed)."""
        ...

    async def adjust(self, key: str, amount: float, capacity: int, rate: float) -> BucketState:
        """Take ``amount`` whatever the bucket holds (never below empty); a negative
        amount gives points back (never above full)."""
        ...

    async def close(self) -> None: ...


def _refill(available: float, since: float, now: float, capacity: int, rate: float) -> float:
    return min(float(capacity), available + max(0.0, now - since) * rate)


class LocalBuckets:
    """Buckets in this process: each gateway process has its own budget. Each step
    runs without an await, so concurrent requests cannot interleave inside one."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # key -> (available, at)

    def _apply(
        self, key: str, amount: float, capacity: int, rate: float, force: bool
    ) -> BucketState:
        now = self.clock()
        available, since = self.buckets.get(key, (float(capacity), now))
        available = _refill(available, since, now, capacity, rate)
        allowed = force or amount <= available
        if allowed:
            available = min(float(capacity), max(0.0, available - amount))
        self.buckets[key] = (available, now)
        return BucketState(allowed, available, capacity, rate, amount)

    async def take(self, key: str, amount: float, capacity: int, rate: float) -> BucketState:
        return self._apply(key, amount, capacity, rate, force=False)

    async def adjust(self, key: str, amount: float, capacity: int, rate: float) -> BucketState:
        return self._apply(key, amount, capacity, rate, force=True)

    async def close(self) -> None:
        """Nothing to release."""


# One atomic step on a bucket stored as a hash {a: available, t: at}; the time is
# Redis's own, so processes on different machines agree on it. A bucket left alone
# until it is full is the same as no bucket, so the key expires then.
_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
local force = ARGV[4] == '1'
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local stored = redis.call('HMGET', KEYS[1], 'a', 't')
local available = tonumber(stored[1]) or capacity
local since = tonumber(stored[2]) or now
available = math.min(capacity, available + math.max(0, now - since) * rate)
local allowed = force or amount <= available
if allowed then
  available = math.min(capacity, math.max(0, available - amount))
end
redis.call('HSET', KEYS[1], 'a', tostring(available), 't', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil((capacity - available) / rate) + 1)
return {allowed and 1 or 0, tostring(available)}
"""


class RedisBuckets:
    """Buckets in Redis (``REDIS_URL``): every process sharing the URL and key prefix
    shares each caller's budget. When Redis does not answer, the request is served
    without a limit and a warning is logged: losing the shared budget must not take
    the gateway down with it."""

    def __init__(self, url: str, prefix: str) -> None:
        from redis import asyncio as aioredis

        self.client = aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.script = self.client.register_script(_LUA)
        self.prefix = prefix

    async def _run(
        self, key: str, amount: float, capacity: int, rate: float, force: bool
    ) -> BucketState:
        try:
            allowed, available = await self.script(
                keys=[self.prefix + key], args=[capacity, rate, amount, "1" if force else "0"]
            )
        except Exception as e:  # Redis down or slow: serve, and say so in the log
            log.warning("rate limit store unavailable: %s", type(e).__name__)
            return BucketState(True, float(capacity), capacity, rate, amount)
        return BucketState(bool(allowed), float(available), capacity, rate, amount)

    async def take(self, key: str, amount: float, capacity: int, rate: float) -> BucketState:
        return await self._run(key, amount, capacity, rate, force=False)

    async def adjust(self, key: str, amount: float, capacity: int, rate: float) -> BucketState:
        return await self._run(key, amount, capacity, rate, force=True)

    async def close(self) -> None:
        await self.client.aclose()


def buckets_for(redis_url: str | None, prefix: str) -> Buckets:
    return RedisBuckets(redis_url, prefix) if redis_url else LocalBuckets()
