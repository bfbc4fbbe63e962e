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

``abuse``: the query documents, mixed, at --rate requests a second (open loop: each
starts on schedule, finished or not) for --seconds, in --rounds pairs of rounds
alternately alone and beside an abusive client (a second lead provider sending
--abuser, first --abuser-first, on --abuser-connections connections as fast as it is
answered, its budget spent before each timed round); the well-behaved clients' errors,
median and p99 with the abuser as a ratio of without, and the abuser's accepted and
refused requests. The server gets GATEWAY_LIMITS=--limits (by default a small lead
provider bucket, so the abuser runs dry at once) and REDIS_URL=--redis-url.

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
from bench.harness.abuse import Abuser, open_loop, schedule  # noqa: E402
from bench.harness.cases import (  # noqa: E402
    Case,
    CaseError,
    Credentials,
    cases,
    check_loopback_redis,
    credentials,
    prepare_database,
    revoke,
)
from bench.harness.measure import (  # noqa: E402
    Client,
    MemoryWatch,
    Sample,
    concurrently,
    percentile,
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
    url: str,
    scale: float,
    args: argparse.Namespace,
    body: Any,
    environment: dict[str, str] | None = None,
    abuser: bool = False,
) -> tuple[str, Any]:
    """Prepare the database, start the server (with ``environment`` beside our
    settings), run ``body(creds, server, http, refs)``, and stop everything whatever
    happens."""
    prepared, _ = await prepare_database(url, scale, args.today, say=_say)
    creds = await credentials(url, abuser=abuser)
    refs = References(url)
    try:
        async with Server(
            url, creds.jwt_secret, port=args.port, environment=environment or {}
        ) as server:
            _say(f"gateway serve (pid {server.pid}) on {server.base_url}; database {prepared}")
            # Open loop: as many connections as requests may be in flight.
            in_flight = args.clients if args.mode != "abuse" else 256
            limits = httpx.Limits(max_connections=in_flight + 2)
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


ABUSE_LIMITS = '{"lead_provider": {"bucket": 30000, "restore_rate": 10}}'
"""The abuse mode's default GATEWAY_LIMITS: three 1,000-participant pages of budget, then
one every 1,000 s, so that the abuser's bucket runs dry within seconds and stays dry; the
well-behaved provider's share of the mix (about 42 points per request of the mix, at
pages of 20) fits the bucket for minutes."""


def _pooled(samples: list[Sample]) -> dict[str, Any]:
    seconds = [s.seconds for s in samples]
    errors = [s.error for s in samples if s.error]
    return {
        "requests": len(samples),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "median_ms": round(statistics.median(seconds) * 1000, 1) if seconds else None,
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 1) if seconds else None,
    }


async def mode_abuse(args: argparse.Namespace, url: str) -> tuple[str, dict, bool]:
    """Rounds of the well-behaved schedule, alternately alone and beside the abuser."""
    if args.redis_url:
        check_loopback_redis(args.redis_url)
    deadline = Deadline(args.max_seconds)
    first = args.first or 20
    environment = {"GATEWAY_LIMITS": args.limits}
    if args.redis_url:
        # A prefix of the run's own: buckets start full, and expire by themselves.
        environment.update(
            REDIS_URL=args.redis_url, REDIS_KEY_PREFIX=f"bench-abuse:{os.getpid()}:{time.time()}:"
        )

    async def body(
        creds: Credentials, server: Server, http: httpx.AsyncClient, refs: References
    ) -> dict:
        chosen = [c for c in cases(creds.choices, args.only, first) if not c.skipped]
        clients = [Client(http, c.document, c.variables, creds.tokens[c.folder]) for c in chosen]
        for case, client in zip(chosen, clients, strict=True):  # warm-up, and a check
            sample, _ = await client.send()
            if sample.error:
                raise CaseError(f"{case.key} fails before any load: {sample.error}")
        (abusive,) = cases(creds.choices, [args.abuser], args.abuser_first)
        assert creds.abuser_token is not None
        abuser_body = orjson.dumps({"query": abusive.document, "variables": abusive.variables})
        plan = schedule(len(clients), args.rate, args.seconds)
        rounds: list[dict[str, Any]] = []
        for number in range(args.rounds * 2):
            if deadline.passed:
                _say("--max-seconds reached: no more rounds")
                break
            abused = number % 2 == 1
            _say(f"  round {number + 1}: {'with the abuser' if abused else 'baseline'}")
            cpu = server.cpu_seconds()
            if abused:
                async with Abuser(
                    server.base_url,
                    creds.abuser_token,
                    abuser_body,
                    args.abuser_connections,
                    args.abuser_max_requests,
                    args.seconds + 60,
                ) as abuser:
                    cpu = server.cpu_seconds()  # the drain's cost is not the round's
                    started = time.perf_counter()
                    results = await open_loop(clients, plan)
                    wall = time.perf_counter() - started
                    cpu = server.cpu_seconds() - cpu
                counts: dict[str, Any] | None = abuser.counts.as_dict()
            else:
                started = time.perf_counter()
                results = await open_loop(clients, plan)
                wall = time.perf_counter() - started
                cpu = server.cpu_seconds() - cpu
                counts = None
            samples = [s for _, s in results]
            rounds.append(
                {
                    "round": number + 1,
                    "abuser": abused,
                    **_pooled(samples),
                    "seconds": round(wall, 1),
                    "server_cpu_seconds": round(cpu, 2),
                    "abuser_counts": counts,
                    "by_document": {
                        chosen[i].key: _pooled([s for j, s in results if j == i])
                        for i in range(len(chosen))
                    },
                    "samples": [s.seconds for s in samples],
                }
            )
        # What a refusal costs the server: the abuser alone, its budget spent, for a while.
        alone: dict[str, Any] = {}
        if args.refusal_seconds > 0 and not deadline.passed:
            _say(f"  the abuser alone for {args.refusal_seconds:g} s")
            async with Abuser(
                server.base_url,
                creds.abuser_token,
                abuser_body,
                args.abuser_connections,
                args.abuser_max_requests,
                args.seconds + 60,
            ) as abuser:
                cpu = server.cpu_seconds()
                await asyncio.sleep(args.refusal_seconds)
                cpu = server.cpu_seconds() - cpu
            answered = sum(abuser.counts.timed.values())
            alone = {
                "seconds": args.refusal_seconds,
                "server_cpu_seconds": round(cpu, 3),
                **abuser.counts.as_dict(),
                "requests_per_second": round(answered / args.refusal_seconds, 1),
                "server_cpu_ms_per_request": round(cpu * 1000 / answered, 3) if answered else None,
            }
        return {
            "rounds": rounds,
            "documents": [c.key for c in chosen],
            "abuser": abusive.key,
            "alone": alone,
        }

    prepared, (result, peak) = await with_server(
        url, args.scale[0], args, body, environment=environment, abuser=True
    )
    return abuse_report(args, prepared, result, peak, first)


def _other(counts: dict[str, Any]) -> int:
    """The abuser's answers that were neither accepted nor rate-limited, and failures."""
    timed = counts["timed"]
    return sum(n for k, n in timed.items() if k not in ("200", "429")) + sum(
        counts["failures"].values()
    )


def abuse_report(
    args: argparse.Namespace, prepared: str, result: dict, peak: int, first: int
) -> tuple[str, dict, bool]:
    rounds = result["rounds"]
    base = [r for r in rounds if not r["abuser"]]
    abused = [r for r in rounds if r["abuser"]]

    def pooled(rs: list[dict]) -> dict[str, Any]:
        seconds = [x for r in rs for x in r["samples"]]
        return {
            "requests": len(seconds),
            "errors": sum(r["errors"] for r in rs),
            "median_ms": round(statistics.median(seconds) * 1000, 1) if seconds else None,
            "p99_ms": round(percentile(seconds, 0.99) * 1000, 1) if seconds else None,
            "server_cpu_seconds": round(sum(r["server_cpu_seconds"] for r in rs), 2),
        }

    before, during = pooled(base), pooled(abused)
    accepted = sum(
        n for r in abused for status, n in r["abuser_counts"]["timed"].items() if status == "200"
    )
    refused = sum(r["abuser_counts"]["timed"].get("429", 0) for r in abused)
    other = sum(_other(r["abuser_counts"]) for r in abused)
    drained = sum(r["abuser_counts"]["drain"].get("200", 0) for r in abused)
    ratio = during["p99_ms"] / before["p99_ms"] if before["p99_ms"] and during["p99_ms"] else None
    median_ratio = (
        during["median_ms"] / before["median_ms"]
        if before["median_ms"] and during["median_ms"]
        else None
    )
    alone = result["alone"]
    summary = {
        "baseline": before,
        "with_abuser": during,
        "p99_ratio": round(ratio, 3) if ratio else None,
        "median_ratio": round(median_ratio, 3) if median_ratio else None,
        "abuser_accepted": accepted,
        "abuser_refused": refused,
        "abuser_other": other,
        "abuser_accepted_while_draining": drained,
        "abuser_alone": alone,
    }
    info = {
        **run_info(args, [prepared]),
        "server_peak_rss_kb": peak,
        "gateway_limits": args.limits,
        "redis": bool(args.redis_url),
    }
    lines = [
        f"`{info['command']}` at {info['commit']}, {info['started']}; {info['cores']} cores; "
        f"{'Redis' if args.redis_url else 'in-process'} buckets; GATEWAY_LIMITS={args.limits}",
        "",
        f"Well-behaved: {len(result['documents'])} query documents mixed, {args.rate:g} requests "
        f"a second (open loop), pages of {first}, {args.seconds:g} s a round. Abuser: "
        f"`{result['abuser']}` (first {args.abuser_first}) from a second lead provider, "
        f"{args.abuser_connections} connections, each sending as soon as answered.",
        "",
        "| round | abuser | requests | errors | median ms | p99 ms | server CPU s "
        "| abuser 200 | abuser 429 | abuser other |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rounds:
        c = r["abuser_counts"] or {"timed": {}, "failures": {}}
        lines.append(
            f"| {r['round']} | {'yes' if r['abuser'] else 'no'} | {r['requests']} | "
            f"{r['errors']} | {report._n(r['median_ms'], 1)} | {report._n(r['p99_ms'], 1)} | "
            f"{r['server_cpu_seconds']:.1f} | "
            + (
                f"{c['timed'].get('200', 0)} | {c['timed'].get('429', 0)} | {_other(c)} |"
                if r["abuser"]
                else "— | — | — |"
            )
        )
    lines += [
        "",
        "| | requests | errors | median ms | p99 ms | server CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {name} | {p['requests']} | {p['errors']} | {report._n(p['median_ms'], 1)} | "
            f"{report._n(p['p99_ms'], 1)} | {p['server_cpu_seconds']:.1f} |"
            for name, p in (("baseline", before), ("with the abuser", during))
        ),
        "",
        f"With the abuser ÷ baseline: p99 {report._n(ratio, 2)}×, median "
        f"{report._n(median_ratio, 2)}×. The abuser while timed: {accepted} accepted, "
        f"{refused} refused (429), {other} other; {drained} accepted while it spent its "
        f"budget before the timed stretch.",
    ]
    if alone:
        lines += [
            "",
            f"The abuser alone for {alone['seconds']:g} s, its budget spent: "
            f"{alone['requests_per_second']:,.0f} requests a second answered "
            f"({alone['timed'].get('200', 0)} accepted, {alone['timed'].get('429', 0)} "
            f"refused), {alone['server_cpu_seconds']:.2f} s of server CPU: "
            f"{report._n(alone['server_cpu_ms_per_request'], 2)} ms a request.",
        ]
    errors = before["errors"] + during["errors"]
    failed = errors > 0 or refused == 0 or other > 0
    if failed:
        lines.append(
            "\nFAILED: "
            + ("the well-behaved clients got errors; " if errors else "")
            + ("the abuser was never refused; " if refused == 0 else "")
            + ("the abuser got answers other than 200 and 429" if other else "")
        )
    for r in rounds:
        r.pop("samples")
    data = {"run": info, "summary": summary, "rounds": rounds}
    return "\n".join(lines), data, failed


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "mode",
        choices=["operations", "scales", "memory", "abuse"],
        nargs="?",
        default="operations",
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
    p.add_argument("--rate", type=float, default=4.0, help="abuse: requests a second")
    p.add_argument("--seconds", type=float, default=20.0, help="abuse: seconds a round")
    p.add_argument("--rounds", type=int, default=3, help="abuse: pairs of rounds")
    p.add_argument("--abuser", default="lead_provider/Participants", help="abuse: document")
    p.add_argument("--abuser-first", type=int, default=1000, help="abuse: its page size")
    p.add_argument("--abuser-connections", type=int, default=4, help="abuse: in flight")
    p.add_argument("--abuser-max-requests", type=int, default=200_000, help="abuse: per round")
    p.add_argument(
        "--refusal-seconds", type=float, default=5.0, help="abuse: the abuser alone, at the end"
    )
    p.add_argument("--limits", default=ABUSE_LIMITS, help="abuse: the server's GATEWAY_LIMITS")
    p.add_argument("--redis-url", help="abuse: the server's REDIS_URL (127.0.0.1 only)")
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
            elif args.mode == "abuse":
                markdown, data, failed = await mode_abuse(args, urls[0])
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
