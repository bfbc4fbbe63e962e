"""Concurrent load on a running gateway: requests per second and latency under N clients.

    .venv/bin/gateway serve --port 8080 &            # on a seeded database
    .venv/bin/python bench/load.py --url http://127.0.0.1:8080 --token "$(…lead provider…)" \\
        --operation lead_provider/Participants --variables '{"first": 1000}' \\
        --concurrency 8 --requests 48

Unlike bench/graph.py (in process, one request at a time) this goes through uvicorn and
the network stack and keeps ``--concurrency`` requests in flight, so it shows what one
process does when clients wait on each other: throughput, p50/p95 latency, and how the
process's garbage collector behaves (gateway/runtime.py; compare a server started with
GATEWAY_GC_TUNING=off). Bounded: ``--requests`` in all, each with a timeout; talks only
to the URL given (meant for 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


async def run(args: argparse.Namespace) -> None:
    document = (ROOT / "operations" / f"{args.operation}.graphql").read_text()
    body = {"query": document, "variables": json.loads(args.variables)}
    headers = {"Authorization": f"Bearer {args.token}"}
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(args.requests):
        queue.put_nowait(i)

    async with httpx.AsyncClient(base_url=args.url, timeout=args.timeout) as client:
        warm = await client.post("/graphql", json=body, headers=headers)
        assert "errors" not in warm.json(), warm.text[:300]

        async def worker() -> None:
            nonlocal failures
            while not queue.empty():
                queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await client.post("/graphql", json=body, headers=headers)
                    ok = response.status_code == 200 and "errors" not in response.json()
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                failures += not ok

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    print(
        f"{args.operation}: {args.requests} requests, {args.concurrency} at a time: "
        f"{args.requests / elapsed:.2f} req/s, p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, {failures} failed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--token", required=True)
    parser.add_argument("--operation", default="lead_provider/Participants")
    parser.add_argument("--variables", default='{"first": 1000}')
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=48)
    parser.add_argument("--timeout", type=float, default=120.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
