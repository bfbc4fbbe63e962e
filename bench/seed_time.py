"""Time the seed generator: seed scale S into a fresh SQLite file under /tmp.

    .venv/bin/python bench/seed_time.py --scale 1.0

Prints the seconds taken (generation and writing, migrations excluded) and the rows
written per table.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from gateway.db import Database
from gateway.migrate import upgrade
from gateway.seed import seed_database
from gateway.settings import Settings


async def run(scale: float, seed: int, today: dt.date, quiet: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="seed-bench-", dir="/tmp") as directory:
        path = Path(directory) / "gateway.db"
        db = Database(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
        try:
            await upgrade(db)
            started = time.perf_counter()

            def progress(line: str) -> None:
                if not quiet:
                    print(f"[{time.perf_counter() - started:7.1f}s] {line}", file=sys.stderr)

            counts = await seed_database(
                db, scale=scale, seed=seed, today=today, reset=False, progress=progress
            )
            seconds = time.perf_counter() - started
        finally:
            await db.dispose()
        size = path.stat().st_size + sum(
            p.stat().st_size for p in path.parent.glob("gateway.db-*") if p.exists()
        )
    print(f"scale {scale}, seed {seed}, today {today}: {seconds:.1f} s on SQLite")
    print(f"{sum(counts.values()):,} rows, database {size / 1e6:,.0f} MB")
    for name, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"  {name:40} {count:>10,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args()
    asyncio.run(run(args.scale, args.seed, args.today, args.quiet))


if __name__ == "__main__":
    main()
