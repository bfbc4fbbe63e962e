"""Engines and sessions: one engine per distinct database URL, tables bound by domain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from gateway.auth.policy import RequestSession
from gateway.models import Base
from gateway.settings import DOMAINS, Settings
from gateway.trusted.jsonsql import SQLITE_FUNCTIONS


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless asked; WAL lets readers run beside the writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite has no base64 nor UUID text: the trusted operations' SQL uses these.
    for name, function in SQLITE_FUNCTIONS.items():
        dbapi_connection.create_function(name, 1, function, deterministic=True)


def create_engine(url: str, statement_timeout: float | None = None, **kwargs: Any) -> AsyncEngine:
    """An engine for ``url``; on PostgreSQL, ``statement_timeout`` (seconds) bounds every
    statement of its sessions (SQLite has no such setting)."""
    # Bound parameters (emails, names) never appear in exception messages or logs.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql+asyncpg":
        # PostgreSQL's JIT compiles the lead providers' list queries (correlated
        # subqueries in the select list make their estimated cost high) for longer than
        # they run. EXPLAIN ANALYZE of the 1,000-row pages on a scale 0.1 seed, once, on
        # this project's shared 2-core machine: schools in a cohort 2,291 ms with JIT
        # (2,124 ms of it compiling), 280 ms without; partnerships 555 -> 62 ms;
        # declarations 526 -> 55 ms. These are short OLTP reads: JIT off for the session.
        connect_args = dict(kwargs.pop("connect_args", {}))
        server_settings = dict(connect_args.get("server_settings", {}))
        server_settings.setdefault("jit", "off")
        if statement_timeout is not None:
            server_settings.setdefault("statement_timeout", str(int(statement_timeout * 1000)))
        connect_args["server_settings"] = server_settings
        kwargs["connect_args"] = connect_args
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def tables_of(domain: str) -> list[sa.Table]:
    return [t for t in Base.metadata.sorted_tables if t.info.get("domain") == domain]


class Database:
    """The engines for the configured URLs and a session factory that routes by domain."""

    def __init__(
        self, settings: Settings, statement_timeout: float | None = None, **engine_kwargs: Any
    ) -> None:
        self.settings = settings
        urls = {*settings.distinct_urls(), settings.database_url}
        self.engines: dict[str, AsyncEngine] = {
            url: create_engine(url, statement_timeout, **engine_kwargs) for url in sorted(urls)
        }
        binds: dict[Any, AsyncEngine] = {}
        for domain in DOMAINS:
            engine = self.engine_for(domain)
            for table in tables_of(domain):
                binds[table] = engine
        # Plain SQL (no table to route by) runs on the main DATABASE_URL.
        self.sessionmaker = async_sessionmaker(
            bind=self.engines[settings.database_url], binds=binds, expire_on_commit=False
        )
        # A request's session refuses reads that did not go through the policy module.
        self.request_session = async_sessionmaker(
            bind=self.engines[settings.database_url],
            binds=binds,
            expire_on_commit=False,
            sync_session_class=RequestSession,
        )

    @classmethod
    def serving(cls, settings: Settings) -> Database:
        """The databases of a serving process: on PostgreSQL every statement stops at the
        request's time limit too, so the database does not go on working for a caller
        who has been told it timed out."""
        return cls(settings, statement_timeout=settings.request_timeout_seconds)

    def engine_for(self, domain: str) -> AsyncEngine:
        return self.engines[self.settings.url_for(domain)]

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def ping(self) -> None:
        """Raise if any configured database cannot answer ``SELECT 1``."""
        for engine in self.engines.values():
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        for engine in self.engines.values():
            await engine.dispose()
