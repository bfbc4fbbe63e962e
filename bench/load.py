"""The gateway as users run it, beside the limit: one `gateway serve` process on 127.0.0.1.

    .venv/bin/python bench/load.py operations \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench --scale 0.1
    .venv/bin/python bench/load.py scales \\
        --database-url postgresql+asyncpg://…/bench01 --scale 0.1 \\
        --database-url postgresql+asyncpg://…/bench1 --scale 1.0
    .venv/bin/python bench/load.py memory --database-url … --scale 1.0 --minutes 5

Each mode migrates and seeds an empty database at ``--scale`` (or checks that a seeded
one was seeded at that scale; without --database-url, a fresh SQLite file under /tmp),
starts ``gateway serve`` with GATEWAY_SERVER_TIMING=on, and stops it at the end, on
failure too.

``operations``: for each document under operations/ (its folder's role, variables that
find data; mutations are listed as skipped), the median and p99 latency one request at
a time and with --clients in flight, requests per second, SQL statements per request
(the server's Server-Timing header), response size, the server's peak RSS while it ran,
and the ratio to the document's one-statement reference (bench/reference/), timed in
the same run, alternating with the gateway's requests, once its JSON has been checked
equal to the gateway's (a mismatch is reported and makes the exit status 1).

``scales``: one document (default: lead provider Participants, first 100) on each
database in turn, and each scale's median as a ratio of the first's, the gateway's and
the reference's.

``memory``: every query document, mixed, --clients in flight for --minutes, the
server's RSS sampled every --sample-seconds, so that "flat over the second half" can
be read.

Writes ``<out>/load-<mode>.md`` and ``.json`` (default test-artefacts/). Bounded: a
fixed number of requests per document, a timeout per request, --max-seconds in all.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import report  # noqa: E402
from bench.harness.cases import (  # noqa: E402
    Case,
    CaseError,
    Credentials,
    cases,
    credentials,
    prepare_database,
    revoke,
)
from bench.harness.measure import (  # noqa: E402
    Client,
    MemoryWatch,
    Sample,
    concurrently,
    summarise,
)
from bench.harness.reference import Reference, References, differences  # noqa: E402
from bench.harness.server import Server, ServerError  # noqa: E402

DEFAULT_TODAY = dt.date(2026, 11, 29)  # the tests' seed date: same data as every run


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_info(args: argparse.Namespace, prepared: list[str]) -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "command": " ".join(["bench/load.py", *sys.argv[1:]]),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "python": platform.python_version(),
        "cores": cores(),
        "databases": prepared,
    }


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    @property
    def passed(self) -> bool:
        return time.monotonic() > self.ends


async def check_reference(
    case: Case,
    data: Any,
    reference: Reference,
    refs: References,
    out: Path,
    row: dict[str, Any],
) -> bool:
    """Whether the reference builds the gateway's response (parsed JSON equal); says so
    in ``row``, and keeps both sides under ``out`` when not, to see why."""
    _, text = await refs.run(reference)
    found = differences(data, orjson.loads(text))
    row["reference"] = {"path": str(reference.path.relative_to(ROOT)), "matches": not found}
    if not found:
        row["note"] = "reference matches"
        return True
    kept = out / "load-mismatches"
    kept.mkdir(parents=True, exist_ok=True)
    stem = f"{case.folder}.{case.name}"
    (kept / f"{stem}.gateway.json").write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    (kept / f"{stem}.reference.json").write_bytes(
        orjson.dumps(orjson.loads(text), option=orjson.OPT_INDENT_2)
    )
    row["note"] = f"reference MISMATCH ({kept}/{stem}.*.json): " + "; ".join(found)
    row["failed"] = True
    return False


async def measure_case(
    case: Case,
    creds: Credentials,
    server: Server,
    http: httpx.AsyncClient,
    refs: References,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One document: checked, timed alone (alternating with its reference), then under
    --clients; a row of the table."""
    row: dict[str, Any] = {"document": case.key, "variables": case.variables}
    if case.skipped:
        return {**row, "note": case.skipped, "skipped": True}
    client = Client(http, case.document, case.variables, creds.tokens[case.folder])
    warm, response = await client.send()  # also warms the server's caches
    row.update(statements=warm.statements, bytes=warm.size)
    if warm.error or response is None:
        return {**row, "note": f"error: {warm.error}", "failed": True}
    data = orjson.loads(response.content)["data"]

    # "today" as the server's clock has it (gateway/clock.py: the UTC date).
    values = {**case.variables, **creds.scope, "today": dt.datetime.now(dt.UTC).date()}
    reference = refs.find(case.folder, case.name, values)
    matches = False
    if reference is not None:
        matches = await check_reference(case, data, reference, refs, args.out, row)

    gateway: list[Sample] = []
    limit: list[float] = []
    async with MemoryWatch(server) as watch:
        for _ in range(args.requests):
            gateway.append((await client.send())[0])
            if matches:
                assert reference is not None
                limit.append((await refs.run(reference))[0])
        # Wall time of the gateway's requests only (the reference's runs excluded).
        elapsed = sum(s.seconds for s in gateway)
        failures = [s for s in gateway if s.error]
        if gateway:
            row["sequential"] = summarise(
                [s.seconds for s in gateway], elapsed, len(failures)
            ).as_dict()
        if args.concurrent_requests:
            samples, wall = await concurrently(client.send, args.concurrent_requests, args.clients)
            failures += [s for s in samples if s.error]
            row["concurrent"] = {
                **summarise(
                    [s.seconds for s in samples], wall, sum(1 for s in samples if s.error)
                ).as_dict(),
                "clients": args.clients,
            }
    row["peak_rss_kb"] = watch.peak_kb
    if failures:
        row["note"] = f"{len(failures)} failed: {failures[0].error}"
        row["failed"] = True
    if matches and limit and gateway:
        ref_summary = summarise(limit, sum(limit))
        row["reference"].update(
            median_ms=round(ref_summary.median_ms, 2),
            p99_ms=round(ref_summary.p99_ms, 2),
            ratio=round(row["sequential"]["median_ms"] / ref_summary.median_ms, 2),
        )
    return row


async def with_server(
    url: str, scale: float, args: argparse.Namespace, body: Any
) -> tuple[str, Any]:
    """Prepare the database, start the server, run ``body(creds, server, http, refs)``,
    and stop everything whatever happens."""
    prepared, _ = await prepare_database(url, scale, args.today, say=_say)
    creds = await credentials(url)
    refs = References(url)
    try:
        async with Server(url, creds.jwt_secret, port=args.port) as server:
            _say(f"gateway serve (pid {server.pid}) on {server.base_url}; database {prepared}")
            limits = httpx.Limits(max_connections=args.clients + 2)
            async with httpx.AsyncClient(
                base_url=server.base_url, timeout=args.timeout, limits=limits
            ) as http:
                result = await body(creds, server, http, refs)
                result_peak = server.memory_kb()[1]
            return prepared, (result, result_peak)
    finally:
        await refs.dispose()
        await revoke(url, creds)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def mode_operations(args: argparse.Namespace, url: str) -> tuple[str, dict, bool]:
    deadline = Deadline(args.max_seconds)

    async def body(
        creds: Credentials, server: Server, http: httpx.AsyncClient, refs: References
    ) -> list[dict]:
        rows = []
        for case in cases(creds.choices, args.only, args.first):
            if deadline.passed:
                rows.append(
                    {"document": case.key, "note": "--max-seconds reached", "skipped": True}
                )
                continue
            _say(f"  {case.key}")
            rows.append(await measure_case(case, creds, server, http, refs, args))
        return rows

    prepared, (rows, peak) = await with_server(url, args.scale[0], args, body)
    info = {**run_info(args, [prepared]), "server_peak_rss_kb": peak}
    markdown = "\n\n".join(
        [
            f"`{info['command']}` at {info['commit']}, {info['started']}; "
            f"{info['cores']} cores; @C = {args.clients} clients in flight; "
            f"server peak RSS {peak / 1024:,.0f} MB",
            report.operations_table(rows),
        ]
    )
    failed = any(r.get("failed") for r in rows)
    return markdown, {"run": info, "documents": rows}, failed


async def mode_scales(args: argparse.Namespace, urls: list[str]) -> tuple[str, dict, bool]:
    if len(urls) != len(args.scale):
        raise CaseError("scales needs one --scale per --database-url, in the same order")
    only = args.only or ["lead_provider/Participants"]
    results = []
    prepared_all = []
    for url, scale in zip(urls, args.scale, strict=True):

        async def body(
            creds: Credentials, server: Server, http: httpx.AsyncClient, refs: References
        ) -> list[dict]:
            chosen = cases(creds.choices, only, args.first or 100)
            return [await measure_case(c, creds, server, http, refs, args) for c in chosen]

        prepared, (rows, _) = await with_server(url, scale, args, body)
        prepared_all.append(prepared)
        results.append({"scale": scale, "rows": rows})
    lines = [
        "| document | scale | median ms | × first scale | reference ms | reference × first scale"
        " | × reference | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for i, key in enumerate(r["document"] for r in results[0]["rows"]):
        first_seq = results[0]["rows"][i].get("sequential")
        first_ref = results[0]["rows"][i].get("reference") or {}
        for result in results:
            row = result["rows"][i]
            seq, ref = row.get("sequential"), row.get("reference") or {}
            ratio = seq["median_ms"] / first_seq["median_ms"] if seq and first_seq else None
            ref_ratio = (
                ref["median_ms"] / first_ref["median_ms"]
                if ref.get("median_ms") and first_ref.get("median_ms")
                else None
            )
            lines.append(
                f"| `{key}` | {result['scale']} | {report._n(seq and seq['median_ms'], 1)} | "
                f"{report._n(ratio, 2)}× | {report._n(ref.get('median_ms'), 1)} | "
                f"{report._n(ref_ratio, 2)}× | {report._n(ref.get('ratio'), 1)}× | "
                f"{row.get('note', '')} |"
            )
    failed = any(r.get("failed") for result in results for r in result["rows"])
    info = run_info(args, prepared_all)
    return "\n".join(lines), {"run": info, "scales": results}, failed


async def mode_memory(args: argparse.Namespace, url: str) -> tuple[str, dict, bool]:
    async def body(
        creds: Credentials, server: Server, http: httpx.AsyncClient, refs: References
    ) -> dict:
        chosen = [c for c in cases(creds.choices, args.only, args.first) if not c.skipped]
        clients = [Client(http, c.document, c.variables, creds.tokens[c.folder]) for c in chosen]
        for client in clients:  # warm-up: every document once
            await client.send()
        rng = random.Random(1)
        ends = time.monotonic() + min(args.minutes * 60, args.max_seconds)
        sent, failed = 0, 0

        async def worker() -> None:
            nonlocal sent, failed
            while time.monotonic() < ends:
                sample, _ = await rng.choice(clients).send()
                sent += 1
                failed += sample.error is not None

        async with MemoryWatch(server, interval=args.sample_seconds) as watch:
            await asyncio.gather(*(worker() for _ in range(args.clients)))
        return {"samples": watch.samples, "requests": sent, "failures": failed}

    prepared, (result, peak) = await with_server(url, args.scale[0], args, body)
    samples = [(round(t, 1), kb) for t, kb in result["samples"]]
    half = samples[-1][0] / 2
    first = [kb for t, kb in samples if t <= half]
    second = [(t, kb) for t, kb in samples if t > half]
    slope = (
        statistics.linear_regression([t for t, _ in second], [kb for _, kb in second]).slope
        if len(second) >= 2
        else 0.0
    )
    summary = {
        "requests": result["requests"],
        "failures": result["failures"],
        "rss_mb_at_start": round(samples[0][1] / 1024, 1),
        "rss_mb_max_first_half": round(max(first) / 1024, 1),
        "rss_mb_max_second_half": round(max(kb for _, kb in second) / 1024, 1) if second else None,
        "rss_mb_at_end": round(samples[-1][1] / 1024, 1),
        "second_half_growth_mb": round((second[-1][1] - second[0][1]) / 1024, 1)
        if second
        else None,
        "second_half_slope_mb_per_minute": round(slope * 60 / 1024, 2),
        "server_peak_rss_mb": round(peak / 1024, 1),
    }
    headings = [
        "RSS MB at start",
        "max, first half",
        "max, second half",
        "at end",
        "second half: growth MB",
        "slope MB/min",
        "process peak (VmHWM)",
    ]
    lines = [
        f"{result['requests']:,} requests ({result['failures']} failed), {args.clients} clients, "
        f"{samples[-1][0] / 60:.1f} minutes; RSS sampled every {args.sample_seconds} s",
        "",
        "| " + " | ".join(headings) + " |",
        "|" + " ---: |" * len(headings),
        "| " + " | ".join(str(v) for v in list(summary.values())[2:]) + " |",
        "",
        "| seconds | RSS MB |",
        "| ---: | ---: |",
        *(f"| {t:.0f} | {kb / 1024:.1f} |" for t, kb in samples),
    ]
    info = {**run_info(args, [prepared]), **summary}
    data = {"run": info, "samples": [{"seconds": t, "rss_kb": kb} for t, kb in samples]}
    return "\n".join(lines), data, result["failures"] > 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "mode", choices=["operations", "scales", "memory"], nargs="?", default="operations"
    )
    p.add_argument(
        "--database-url",
        action="append",
        help="postgresql+asyncpg://…@127.0.0.1/… or sqlite+aiosqlite:///…; empty: seeded, "
        "seeded: checked (scales: one per --scale). Default: a new SQLite file under /tmp",
    )
    p.add_argument("--scale", type=float, action="append", help="seed scale (default 0.1)")
    p.add_argument("--today", type=dt.date.fromisoformat, default=DEFAULT_TODAY)
    p.add_argument("--only", action="append", help="folder/Name of a document (repeatable)")
    p.add_argument("--first", type=int, help="page size instead of 1,000 (providers) / 100")
    p.add_argument("--requests", type=int, default=20, help="one at a time, per document")
    p.add_argument("--concurrent-requests", type=int, default=24, help="per document, 0: none")
    p.add_argument("--clients", type=int, default=8, help="requests in flight at once")
    p.add_argument("--minutes", type=float, default=5.0, help="memory: how long")
    p.add_argument("--sample-seconds", type=float, default=5.0, help="memory: RSS every…")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    p.add_argument("--max-seconds", type=float, default=3600.0, help="stop after, in all")
    p.add_argument("--port", type=int, default=0, help="server port (0: any free one)")
    p.add_argument("--out", type=Path, default=ROOT / "test-artefacts")
    return p


async def main_async(args: argparse.Namespace) -> int:
    # SIGTERM cancels the run like Ctrl-C does, so the server is stopped on the way out.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    args.scale = args.scale or [0.1]
    with tempfile.TemporaryDirectory(prefix="load-bench-", dir="/tmp") as directory:
        urls = args.database_url or [
            f"sqlite+aiosqlite:///{directory}/scale-{s}.db" for s in args.scale
        ]
        try:
            if args.mode == "scales":
                markdown, data, failed = await mode_scales(args, urls)
            elif args.mode == "memory":
                markdown, data, failed = await mode_memory(args, urls[0])
            else:
                markdown, data, failed = await mode_operations(args, urls[0])
        except (CaseError, ServerError) as e:
            print(f"bench/load.py: {e}", file=sys.stderr)
            return 2
    md, js = report.write(args.out, f"load-{args.mode}", markdown, data)
    print(markdown)
    _say(f"wrote {md} and {js}")
    if failed:
        _say("some documents failed or their reference did not match (see the note column)")
    return 1 if failed else 0


def main() -> int:
    args = parser().parse_args()
    try:
        return asyncio.run(main_async(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("bench/load.py: interrupted; the server was stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
