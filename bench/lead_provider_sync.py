"""Time a lead provider's full sync: its whole book through the graph over HTTP.

    .venv/bin/python bench/lead_provider_sync.py --scale 0.1 [--page-size 1000] [--runs 3]

Seeds a fresh SQLite file under /tmp at ``--scale`` (or uses ``--database-url``, already
seeded), serves the app with uvicorn on 127.0.0.1 (a free port, one process), and
syncs the lead provider with the most participants as an integrator does:
``examples/lead_provider_sync.py``'s ``sync`` (gql, the checked-in
``operations/lead_provider/Participants.graphql``), pages of ``--page-size`` following
``endCursor``. Prints per run the wall time, pages, participants and participants per
second. Not run in CI: timings belong here, the test (tests/test_lead_provider_sync.py)
checks only completeness.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))  # the integrator's client, as they run it

from lead_provider_sync import sync  # noqa: E402

from gateway.app import create_app  # noqa: E402
from gateway.auth import api_tokens  # noqa: E402
from gateway.clock import FixedClock  # noqa: E402
from gateway.db import Database  # noqa: E402
from gateway.migrate import upgrade  # noqa: E402
from gateway.seed import seed_database  # noqa: E402
from gateway.serve import in_loop  # noqa: E402
from gateway.settings import Settings  # noqa: E402

TODAY = dt.date(2026, 11, 29)

# Every teacher with a training period with lead provider :lp (a partnership or an
# expression of interest): who a full sync must return, in plain SQL.
BOOK = """
    SELECT DISTINCT t.api_id FROM training_periods tp
    JOIN teachers t ON t.id = tp.teacher_id
    LEFT JOIN school_partnerships sp ON sp.id = tp.school_partnership_id
    LEFT JOIN lead_provider_delivery_partnerships l
           ON l.id = sp.lead_provider_delivery_partnership_id
    LEFT JOIN active_lead_providers a ON a.id = l.active_lead_provider_id
    LEFT JOIN active_lead_providers eoi ON eoi.id = tp.expression_of_interest_id
    WHERE a.lead_provider_id = :lp OR eoi.lead_provider_id = :lp
"""


async def busiest_provider(db: Database) -> int:
    """The lead provider with the most training periods."""
    async with db.session() as s:
        return int(
            await s.scalar(
                sa.text(
                    "SELECT lead_provider_id FROM ("
                    "SELECT a.lead_provider_id, tp.id FROM training_periods tp "
                    "JOIN school_partnerships sp ON sp.id = tp.school_partnership_id "
                    "JOIN lead_provider_delivery_partnerships l "
                    "ON l.id = sp.lead_provider_delivery_partnership_id "
                    "JOIN active_lead_providers a ON a.id = l.active_lead_provider_id "
                    "UNION SELECT e.lead_provider_id, tp.id FROM training_periods tp "
                    "JOIN active_lead_providers e ON e.id = tp.expression_of_interest_id"
                    ") x GROUP BY lead_provider_id ORDER BY count(*) DESC, lead_provider_id "
                    "LIMIT 1"
                )
            )
        )


async def book_of(db: Database, lead_provider_id: int) -> set[str]:
    import uuid

    async with db.session() as s:
        rows = await s.execute(sa.text(BOOK), {"lp": lead_provider_id})
        return {str(uuid.UUID(str(api_id))) for (api_id,) in rows}


async def issue_token(db: Database, lead_provider_id: int) -> str:
    async with db.session() as s:
        token = await api_tokens.issue(s, lead_provider_id, "full sync")
        await s.commit()
    return token


@contextlib.asynccontextmanager
async def serving(db: Database, today: dt.date = TODAY) -> AsyncIterator[str]:
    """The app over ``db`` served by uvicorn on 127.0.0.1; yields the graph's URL."""
    app = create_app(db.settings, database=db, clock=FixedClock(today))
    async with in_loop(app) as url:
        yield f"{url}/graphql"


async def full_sync(url: str, token: str, page_size: int) -> list[dict[str, Any]]:
    """Every participant, as the integrator's example syncs them (no updatedSince)."""
    return await sync(url, token, None, page_size)


async def seeded(scale: float, database_url: str | None) -> Database:
    if database_url:
        return Database(
            Settings(environment="test", database_url=database_url, jwt_secret="x" * 48)
        )
    path = Path(tempfile.mkdtemp(prefix="lp-sync-")) / "gateway.db"
    db = Database(
        Settings(
            environment="test", database_url=f"sqlite+aiosqlite:///{path}", jwt_secret="x" * 48
        )
    )
    await upgrade(db)
    started = time.perf_counter()
    await seed_database(db, scale=scale, seed=7, today=TODAY)
    print(f"seeded scale {scale} into {path} in {time.perf_counter() - started:.1f} s")
    return db


async def main(scale: float, page_size: int, runs: int, database_url: str | None) -> None:
    db = await seeded(scale, database_url)
    try:
        lp = await busiest_provider(db)
        expected = await book_of(db, lp)
        token = await issue_token(db, lp)
        async with serving(db) as url:
            times = []
            for run in range(1, runs + 1):
                started = time.perf_counter()
                got = await full_sync(url, token, page_size)
                elapsed = time.perf_counter() - started
                times.append(elapsed)
                ids = [p["participantId"] for p in got]
                complete = len(ids) == len(set(ids)) and set(ids) == expected
                pages = -(-len(ids) // page_size)
                print(
                    f"run {run}: {len(ids)} participants in {pages} pages of {page_size}, "
                    f"{elapsed:.2f} s ({len(ids) / elapsed:.0f}/s), complete: {complete}"
                )
            print(f"median {statistics.median(times):.2f} s over {runs} runs")
    finally:
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--page-size", type=int, default=1000, help="1 to 3000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="an already seeded database instead")
    args = parser.parse_args()
    asyncio.run(main(args.scale, args.page_size, args.runs, args.database_url))
