"""Benchmark the frontends' operations (operations/) in-process, per role.

    .venv/bin/python bench/graph.py --scale 0.1 --runs 30
    .venv/bin/python bench/graph.py --database-url postgresql+asyncpg://…/db \
        --operation Participants --first 100 --runs 20 --statements

Seeds a fresh SQLite file under /tmp (or uses --database-url, already seeded), then
runs every operation with the token of its folder's role through the ASGI app (no
network), and prints per operation: median and 95th percentile milliseconds, SQL
statements per request, the median time spent executing them, and response size.
Bounded: --runs requests per operation. --operation (repeatable) runs only the named
operations; --first sets the page size of every list; --statements also prints each SQL
statement of the last request with its time (the slow ones, to EXPLAIN).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.graph: the same callers the tests use

from gateway.app import create_app  # noqa: E402
from gateway.auth.viewer import Role  # noqa: E402
from gateway.db import Database  # noqa: E402
from gateway.migrate import upgrade  # noqa: E402
from gateway.seed import seed_database  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from tests.graph import callers, global_id  # noqa: E402

FOLDER_ROLE = {
    "school_user": Role.SCHOOL_USER,
    "appropriate_body_user": Role.APPROPRIATE_BODY_USER,
    "lead_provider": Role.LEAD_PROVIDER,
    "finance": Role.FINANCE,
    "admin": Role.ADMIN,
}


async def variables_for(db: Database, school_id: int) -> dict[str, dict]:
    async with db.session() as s:
        urn = await s.scalar(sa.text("SELECT urn FROM schools WHERE id = :i"), {"i": school_id})
        trn = await s.scalar(
            sa.text(
                "SELECT t.trn FROM teachers t JOIN ect_at_school_periods e ON e.teacher_id = t.id "
                "WHERE e.school_id = :i AND t.trn IS NOT NULL LIMIT 1"
            ),
            {"i": school_id},
        )
        statement = await s.scalar(
            sa.text(
                "SELECT payment_statement_id FROM declarations GROUP BY payment_statement_id "
                "ORDER BY count(*) DESC LIMIT 1"
            )
        )
    return {
        "SchoolDashboard": {"urn": urn},
        "TeacherDetail": {"trn": trn},
        "Caseload": {"first": 100},
        "Participants": {"first": 1000},
        "ParticipantTransfers": {"first": 1000},
        "UnfundedMentors": {"first": 1000},
        "Declarations": {"first": 1000},
        "Partnerships": {"first": 1000},
        "SchoolsByCohort": {"cohort": 2025, "first": 1000},
        "DeliveryPartners": {"first": 100},
        "Statements": {"first": 100},
        "StatementView": {"id": global_id("Statement", statement), "first": 100},
        # DfE's reports: one aggregate statement each, over every row.
        "DeclarationReport": {"cohorts": None},
        "ServiceReport": {},
        "ParticipantReport": {"cohorts": None},
    }


async def bench(
    db: Database,
    runs: int,
    operations: list[str] | None = None,
    first: int | None = None,
    show_statements: bool = False,
    untrusted: bool = False,
) -> None:
    by_role = {}
    for caller in await callers(db):
        by_role.setdefault(caller.role, caller)
    variables = await variables_for(db, by_role[Role.SCHOOL_USER].org_id)
    if first is not None:
        for values in variables.values():
            if "first" in values:
                values["first"] = first
    statements: list[int] = [0]
    sql_seconds: list[float] = [0.0]
    started_at: list[float] = [0.0]
    executed: list[tuple[float, str]] = []

    def before(*_: object) -> None:
        statements[0] += 1
        started_at[0] = time.perf_counter()

    def after(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        took = time.perf_counter() - started_at[0]
        sql_seconds[0] += took
        executed.append((took * 1000, statement))

    for engine in db.engines.values():
        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)
    app = create_app(db.settings, database=db)
    transport = httpx.ASGITransport(app=app)
    print(f"{'operation':34} {'median ms':>9} {'p95 ms':>8} {'SQL':>4} {'SQL ms':>7} {'KB':>7}")
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for path in sorted((ROOT / "operations").glob("*/*.graphql")):
            if path.stem not in variables:
                continue  # mutation documents: they write, timed by no one here
            if operations and path.stem not in operations:
                continue
            caller = by_role[FOLDER_ROLE[path.parent.name]]
            # A trailing newline makes the text no trusted document: Strawberry runs it.
            text = path.read_text() + ("\n" if untrusted else "")
            body = {"query": text, "variables": variables[path.stem]}
            headers = {"Authorization": f"Bearer {caller.token}"}
            await client.post("/graphql", json=body, headers=headers)  # warm caches
            timings, sql_timings = [], []
            for _ in range(runs):
                statements[0], sql_seconds[0] = 0, 0.0
                executed.clear()
                started = time.perf_counter()
                response = await client.post("/graphql", json=body, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                sql_timings.append(sql_seconds[0] * 1000)
                assert "errors" not in response.json(), response.text[:300]
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
            print(
                f"{path.parent.name + '/' + path.stem:34} {statistics.median(timings):9.1f} "
                f"{p95:8.1f} {statements[0]:4} {statistics.median(sql_timings):7.1f} "
                f"{len(response.content) / 1024:7.1f}"
            )
            if show_statements:
                for took, statement in executed:
                    print(f"    {took:7.1f} ms  {' '.join(statement.split())[:160]}")


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="graph-bench-", dir="/tmp") as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{directory}/gateway.db"
        db = Database(Settings(environment="test", database_url=url, jwt_secret="b" * 48))
        try:
            if not args.database_url:
                await upgrade(db)
                started = time.perf_counter()
                await seed_database(db, scale=args.scale, seed=1, today=args.today)
                print(f"seeded scale {args.scale} in {time.perf_counter() - started:.1f} s")
            await bench(db, args.runs, args.operation, args.first, args.statements, args.untrusted)
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 29))
    parser.add_argument("--database-url", help="an already seeded database instead")
    parser.add_argument(
        "--operation", action="append", help="only this operation (repeatable), e.g. Participants"
    )
    parser.add_argument("--first", type=int, help="the page size of every list (default: each's)")
    parser.add_argument(
        "--statements", action="store_true", help="print the last request's SQL, each timed"
    )
    parser.add_argument(
        "--untrusted",
        action="store_true",
        help="send each document with a trailing newline, so that no trusted document "
        "matches and Strawberry runs every one (the compiled path's baseline)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
