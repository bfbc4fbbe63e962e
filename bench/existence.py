"""Does a lookup tell a lead provider whether a teacher it may not see exists?

    .venv/bin/python bench/existence.py \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench01 --rounds 3

Issue 12 measured a lead provider's ``teacher(trn:)`` for a TRN it may not see at
0.3-0.5 ms slower than for a TRN that does not exist: a weak signal of existence. Both
answers are ``null`` and run the same statements (``tests/test_existence_signal.py``);
what differs is the work inside the database. This starts ``gateway serve`` on
127.0.0.1 (bench/harness), picks a TRN the provider may not see (checked: the gateway
answers ``null``) and one that no teacher has, and sends them interleaved, in random
order within each pair, ``--requests`` pairs per round, reporting each round's medians
and the difference. Bounded: ``--rounds`` × ``--requests`` × 2 requests, a timeout each;
talks only to 127.0.0.1; stops its server and revokes its API token at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness.cases import check_loopback, credentials, revoke  # noqa: E402
from bench.harness.server import Server  # noqa: E402
from gateway.db import Database  # noqa: E402
from gateway.settings import Settings  # noqa: E402

LOOKUP = "query Lookup($trn: String) { teacher(trn: $trn) { id fullName } }"


async def hidden_and_missing(url: str, lead_provider_id: int) -> tuple[list[str], str]:
    """TRNs of teachers the provider has never trained (candidates: the gateway has the
    last word), and a TRN no teacher has."""
    db = Database(Settings(environment="test", database_url=url, jwt_secret="x" * 48))
    try:
        async with db.session() as s:
            hidden = list(
                await s.scalars(
                    sa.text(
                        "SELECT t.trn FROM teachers t WHERE NOT EXISTS (SELECT 1 FROM"
                        " training_periods tp WHERE tp.teacher_id = t.id"
                        " AND tp.lead_provider_id = :lp) ORDER BY t.id LIMIT 20"
                    ),
                    {"lp": lead_provider_id},
                )
            )
            taken = set(await s.scalars(sa.text("SELECT trn FROM teachers")))
    finally:
        await db.dispose()
    missing = next(str(n) for n in range(9_999_999, 1_000_000, -1) if str(n) not in taken)
    return hidden, missing


async def main_async(args: argparse.Namespace) -> int:
    check_loopback(args.database_url)
    creds = await credentials(args.database_url)
    token = creds.tokens["lead_provider"]
    try:
        candidates, missing = await hidden_and_missing(
            args.database_url, creds.scope["lead_provider_id"]
        )
        async with (
            Server(args.database_url, creds.jwt_secret) as server,
            httpx.AsyncClient(base_url=server.base_url, timeout=30.0) as client,
        ):
            headers = {"Authorization": f"Bearer {token}"}

            async def lookup(trn: str) -> tuple[float, object]:
                started = time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": LOOKUP, "variables": {"trn": trn}}, headers=headers
                )
                elapsed = time.perf_counter() - started
                body = response.json()
                if response.status_code != 200 or "errors" in body:
                    raise RuntimeError(f"lookup failed: {response.status_code} {body}")
                return elapsed, body["data"]["teacher"]

            hidden = None
            for trn in candidates:
                if (await lookup(trn))[1] is None:
                    hidden = trn
                    break
            if hidden is None:
                print("no teacher hidden from the provider among the candidates", file=sys.stderr)
                return 1
            assert (await lookup(missing))[1] is None
            for _ in range(50):  # warm both paths
                await lookup(hidden)
                await lookup(missing)
            print("| round | hidden TRN, median ms | missing TRN, median ms | difference, ms |")
            print("| ---: | ---: | ---: | ---: |")
            for round_ in range(1, args.rounds + 1):
                times: dict[str, list[float]] = {"hidden": [], "missing": []}
                for _ in range(args.requests):
                    pair = [("hidden", hidden), ("missing", missing)]
                    random.shuffle(pair)
                    for kind, trn in pair:
                        times[kind].append((await lookup(trn))[0])
                h = statistics.median(times["hidden"]) * 1000
                m = statistics.median(times["missing"]) * 1000
                print(f"| {round_} | {h:.3f} | {m:.3f} | {h - m:+.3f} |", flush=True)
    finally:
        await revoke(args.database_url, creds)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a seeded database on 127.0.0.1")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1000, help="pairs per round")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
