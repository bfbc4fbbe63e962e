"""Timing requests from outside the server: one at a time, and N clients in flight."""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from bench.harness.server import Server

STATEMENTS = re.compile(r'sql;dur=[\d.]+;desc="(\d+) statements"')


@dataclass
class Sample:
    seconds: float
    size: int  # response body bytes
    statements: int | None  # SQL statements, from the Server-Timing header
    error: str | None  # None when the response is 200 without GraphQL errors


@dataclass
class Summary:
    requests: int
    median_ms: float
    p99_ms: float
    per_second: float
    failures: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "median_ms": round(self.median_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "requests_per_second": round(self.per_second, 2),
            "failures": self.failures,
        }


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value at or above ``share`` of them."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(seconds: list[float], elapsed: float, failures: int = 0) -> Summary:
    return Summary(
        requests=len(seconds),
        median_ms=statistics.median(seconds) * 1000,
        p99_ms=percentile(seconds, 0.99) * 1000,
        per_second=len(seconds) / elapsed if elapsed > 0 else 0.0,
        failures=failures,
    )


def describe_error(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    errors = orjson.loads(response.content).get("errors")
    if errors:
        codes = {e.get("extensions", {}).get("code", "?") for e in errors}
        return f"{', '.join(sorted(codes))}: {errors[0].get('message', '')[:120]}"
    return None


class Client:
    """One document's request, sent again and again to the server."""

    def __init__(self, http: httpx.AsyncClient, document: str, variables: dict, token: str):
        self.http = http
        self.body = orjson.dumps({"query": document, "variables": variables})
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def send(self) -> tuple[Sample, httpx.Response | None]:
        started = time.perf_counter()
        try:
            response = await self.http.post("/graphql", content=self.body, headers=self.headers)
        except httpx.HTTPError as e:
            return Sample(time.perf_counter() - started, 0, None, type(e).__name__), None
        elapsed = time.perf_counter() - started
        timing = STATEMENTS.search(response.headers.get("server-timing", ""))
        statements = int(timing.group(1)) if timing else None
        return Sample(
            elapsed, len(response.content), statements, describe_error(response)
        ), response


async def concurrently(
    send: Callable[[], Awaitable[tuple[Sample, Any]]], requests: int, clients: int
) -> tuple[list[Sample], float]:
    """``requests`` in all, ``clients`` in flight at once; the samples and wall seconds."""
    samples: list[Sample] = []
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            samples.append((await send())[0])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return samples, time.perf_counter() - started


class MemoryWatch:
    """Samples the server's RSS every ``interval`` seconds while running, for the peak
    within a stretch of the run (VmHWM is the whole process's peak so far)."""

    def __init__(self, server: Server, interval: float = 0.05) -> None:
        self.server = server
        self.interval = interval
        self.samples: list[tuple[float, int]] = []  # (seconds since start, RSS kB)
        self._task: asyncio.Task[None] | None = None
        self._started = 0.0

    async def _run(self) -> None:
        while True:
            rss, _ = self.server.memory_kb()
            self.samples.append((time.perf_counter() - self._started, rss))
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> MemoryWatch:
        self._started = time.perf_counter()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        rss, _ = self.server.memory_kb()
        self.samples.append((time.perf_counter() - self._started, rss))

    @property
    def peak_kb(self) -> int:
        return max(rss for _, rss in self.samples)
