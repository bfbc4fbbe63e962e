"""Well-behaved clients at a fixed arrival rate, with and without one abusive client.

The well-behaved side is open-loop: request ``i`` of a round starts at ``i / rate``
seconds whether or not the earlier ones have finished (a closed loop would slow down
with the server and hide its queueing), and its latency counts from that scheduled
start, so a request the client itself sent late is not flattered. Every round sends the
same schedule (same documents in the same order).

The abusive client runs in a process of its own (its client-side work must not delay
the well-behaved clients' event loop, as it would not on another machine): one token,
one expensive document, ``connections`` requests in flight, each sent as soon as the
previous one is answered, until told to stop. Before the round is timed it spends its
budget (it sends until refused three times a connection in a row): the measured stretch
is the steady state of an abuser that is being rate-limited, with whatever its bucket
regains let through.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any

import httpx

from bench.harness.measure import Client, Sample


def schedule(documents: int, rate: float, seconds: float, seed: int = 1) -> list[tuple[float, int]]:
    """(start second, document index) of every request of a round: a fixed rate, the
    documents in a seeded random order (the same for every round)."""
    rng = random.Random(seed)
    return [(i / rate, rng.randrange(documents)) for i in range(int(rate * seconds))]


async def open_loop(
    clients: list[Client], plan: list[tuple[float, int]]
) -> list[tuple[int, Sample]]:
    """Send ``plan`` on schedule; each (document index, sample), latency from the
    scheduled start."""
    loop = asyncio.get_running_loop()
    begin = loop.time() + 0.05

    async def one(at: float, index: int) -> tuple[int, Sample]:
        late = loop.time() - (begin + at)
        sample, _ = await clients[index].send()
        sample.seconds += max(0.0, late)
        return index, sample

    tasks = []
    for at, index in plan:
        delay = begin + at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(at, index)))
    return list(await asyncio.gather(*tasks))


@dataclass
class AbuserCounts:
    """What the abuser got, by HTTP status, while draining and while timed."""

    drain: Counter[int] = field(default_factory=Counter)
    timed: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    """Transport errors (no HTTP answer), by exception name."""
    client_cpu_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "drain": {str(k): v for k, v in sorted(self.drain.items())},
            "timed": {str(k): v for k, v in sorted(self.timed.items())},
            "failures": dict(self.failures),
            "client_cpu_seconds": round(self.client_cpu_seconds, 2),
        }


async def _abuse(
    base_url: str,
    headers: dict[str, str],
    body: bytes,
    connections: int,
    max_requests: int,
    max_seconds: float,
    ready: Event,
    stop: Event,
) -> AbuserCounts:
    counts = AbuserCounts()
    ends = time.monotonic() + max_seconds
    sent = 0
    drained = False
    refused_in_a_row = 0  # the drain ends after 3 a connection with nothing accepted between
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0, limits=limits) as http:

        async def worker() -> None:
            nonlocal sent, drained, refused_in_a_row
            while sent < max_requests and time.monotonic() < ends and not stop.is_set():
                sent += 1
                # A request belongs to the stretch it was sent in (an accepted page
                # still running when the first refusal came back was part of the drain).
                tally = counts.timed if drained else counts.drain
                try:
                    answer = await http.post("/graphql", content=body, headers=headers)
                    status = answer.status_code
                except httpx.HTTPError as e:
                    counts.failures[type(e).__name__] += 1
                    continue
                tally[status] += 1
                refused_in_a_row = refused_in_a_row + 1 if status == 429 else 0
                if not drained and refused_in_a_row >= 3 * connections:
                    # Pages accepted earlier have settled (and given back what they did
                    # not cost) by now: what is left is the steady state.
                    drained = True
                    ready.set()

        await asyncio.gather(*(worker() for _ in range(connections)))
    ready.set()  # also when it never got a refusal: the parent must not wait forever
    return counts


def _abuser_main(
    base_url: str,
    token: str,
    body: bytes,
    connections: int,
    max_requests: int,
    max_seconds: float,
    ready: Event,
    stop: Event,
    results: Connection,
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    counts = asyncio.run(
        _abuse(base_url, headers, body, connections, max_requests, max_seconds, ready, stop)
    )
    times = time.process_time()
    counts.client_cpu_seconds = times
    results.send(counts)


class Abuser:
    """``async with Abuser(...) as abuser``: a process that hammers the server, drained
    of its budget on entry, stopped (and killed if it must be) on exit; ``counts``
    afterwards."""

    def __init__(
        self,
        base_url: str,
        token: str,
        body: bytes,
        connections: int,
        max_requests: int,
        max_seconds: float,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.ready = context.Event()
        self.stop = context.Event()
        self._results, child_end = context.Pipe(duplex=False)
        self.max_seconds = max_seconds
        self.process = context.Process(
            target=_abuser_main,
            args=(
                base_url,
                token,
                body,
                connections,
                max_requests,
                max_seconds,
                self.ready,
                self.stop,
                child_end,
            ),
            daemon=True,
        )
        self.counts = AbuserCounts()

    async def __aenter__(self) -> Abuser:
        self.process.start()
        ends = time.monotonic() + self.max_seconds + 30
        while not self.ready.is_set():
            if not self.process.is_alive() or time.monotonic() > ends:
                await self.__aexit__()
                raise RuntimeError("the abusive client stopped or did not start in time")
            await asyncio.sleep(0.1)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.stop.set()
        loop = asyncio.get_running_loop()
        try:
            if await loop.run_in_executor(None, self._results.poll, 30):
                self.counts = self._results.recv()
        finally:
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(timeout=5)
