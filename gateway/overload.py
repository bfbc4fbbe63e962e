"""A bound on the GraphQL requests one process works on at once, and on those it queues.

Without it, 200 concurrent copies of a 27 ms query all ran together on one process (issue
12): every one of them correct, and every one of them seconds late, as they shared one
event loop, one CPU and a pool of a few connections. Here at most
``MAX_CONCURRENT_REQUESTS`` run (by default twice SQLAlchemy's pool of 5, so each has a
connection or is next in line for one), at most ``MAX_QUEUED_REQUESTS`` wait for a slot
in arrival order, and any request beyond those is refused at once with ``OVERLOADED``
(HTTP 503, ``Retry-After``): the client, or the load balancer in front of several
processes, can try elsewhere or later instead of waiting behind everyone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from gateway.failures import Overloaded


class ConcurrencyLimit:
    def __init__(self, max_running: int, max_queued: int) -> None:
        self.max_running = max_running
        self.max_queued = max_queued
        self.running = 0
        self.queued = 0
        self._slots = asyncio.Semaphore(max_running)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the running slots for the block; raise ``Overloaded`` at once when
        every slot is taken and the queue is full."""
        if self._slots.locked() and self.queued >= self.max_queued:
            raise Overloaded(
                "This server is busy with as many requests as it can take; nothing was done. "
                "Try again in a moment."
            )
        self.queued += 1
        try:
            await self._slots.acquire()
        finally:
            self.queued -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._slots.release()
