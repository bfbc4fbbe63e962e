"""Writing the generated rows: refuse a non-empty database, reset, bulk insert.

Rows are written with SQLAlchemy Core ``executemany`` in chunks, parents before
children, in one transaction per engine (the domains bound to one database share it), so
a failure leaves that database as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db import Database
from gateway.models import Base

CHUNK_ROWS = 5_000
PROGRESS_EVERY = 50_000

RowSource = Callable[[], Iterable[dict[str, Any]]]
Progress = Callable[[str], None]


class SeedRefused(Exception):
    """The database already holds data and no reset was asked for; nothing was written."""


def _tables_by_engine(db: Database) -> dict[str, list[sa.Table]]:
    """Every model table, grouped by the database URL its domain is bound to, parents first."""
    grouped: dict[str, list[sa.Table]] = {}
    for table in Base.metadata.sorted_tables:
        grouped.setdefault(db.settings.url_for(table.info["domain"]), []).append(table)
    return grouped


async def refuse_unless_empty(db: Database) -> None:
    """Raise :class:`SeedRefused` if any model table has a row."""
    for url, tables in _tables_by_engine(db).items():
        async with db.engines[url].connect() as conn:
            for table in tables:
                found = await conn.scalar(sa.select(sa.literal(1)).select_from(table).limit(1))
                if found:
                    raise SeedRefused(
                        f"the database is not empty ({table.name} has rows): "
                        "pass --reset to delete all its data and seed again"
                    )


async def clear_database(db: Database) -> None:
    """Delete every row of every model table, children first, in each database."""
    for url, tables in _tables_by_engine(db).items():
        async with db.engines[url].begin() as conn:
            await _delete_all(conn, tables)


async def _delete_all(conn: AsyncConnection, tables: list[sa.Table]) -> None:
    for table in reversed(tables):
        await conn.execute(table.delete())


async def write_tables(
    db: Database, sources: dict[str, RowSource], *, reset: bool, progress: Progress
) -> dict[str, int]:
    counts = {table.name: 0 for table in Base.metadata.sorted_tables}
    for url, tables in _tables_by_engine(db).items():
        async with db.engines[url].begin() as conn:
            if reset:
                await _delete_all(conn, tables)
                progress(f"emptied {len(tables)} tables")
            for table in tables:
                source = sources.get(table.name)
                if source is not None:
                    counts[table.name] = await _insert(conn, table, source(), progress)
            if conn.dialect.name == "postgresql":
                await _advance_sequences(conn, tables)
        # Fresh statistics after a bulk load: without them SQLite's planner probes a
        # lead provider's every partnership for each participant of a page (measured:
        # the participants page's training-period SELECT went from 308 ms to 13 ms).
        async with db.engines[url].connect() as conn:
            await conn.execute(sa.text("ANALYZE"))
            await conn.commit()
        progress("analysed the tables for the query planner")
    return counts


async def _insert(
    conn: AsyncConnection, table: sa.Table, rows: Iterable[dict[str, Any]], progress: Progress
) -> int:
    columns = set(table.columns.keys())
    statement = table.insert()
    count, reported = 0, 0
    chunk: list[dict[str, Any]] = []

    async def flush() -> None:
        # Every column is given explicitly: a column left to its model default would
        # take the clock or a random UUID and break determinism.
        if chunk[0].keys() != columns:
            missing, extra = columns - chunk[0].keys(), chunk[0].keys() - columns
            raise ValueError(
                f"{table.name} rows: missing {sorted(missing)}, unknown {sorted(extra)}"
            )
        await conn.execute(statement, chunk)

    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            await flush()
            count += len(chunk)
            chunk = []
            if count - reported >= PROGRESS_EVERY:
                reported = count
                progress(f"  {table.name}: {count:,} rows so far")
    if chunk:
        await flush()
        count += len(chunk)
    progress(f"{table.name}: {count:,} rows")
    return count


async def _advance_sequences(conn: AsyncConnection, tables: list[sa.Table]) -> None:
    """Rows were written with explicit ids; move PostgreSQL's id sequences past them so
    the next row the application inserts gets a free id."""
    for table in tables:
        key = list(table.primary_key.columns)
        if (
            len(key) != 1
            or key[0].autoincrement is False
            or not isinstance(key[0].type, sa.Integer)
        ):
            continue
        name, column = table.name, key[0].name
        await conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "
                f"COALESCE((SELECT MAX({column}) FROM {name}), 0) + 1, false)"
            )
        )
