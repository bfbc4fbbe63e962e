"""Test fixtures: a migrated database, SQLite by default, PostgreSQL when asked.

``TEST_DATABASE_URL`` picks the database (``.ci/run`` runs the suite twice: SQLite,
then ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``). A PostgreSQL database is
emptied at the start of the session: the suite owns it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from gateway.db import Database, create_engine
from gateway.migrate import upgrade
from gateway.settings import Settings


def test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    path: Path = tmp_path_factory.mktemp("db") / "gateway.db"
    return f"sqlite+aiosqlite:///{path}"


async def reset_database(url: str) -> None:
    """Drop everything in the test database so migrations start from empty."""
    if make_url(url).get_backend_name() != "postgresql":
        return
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        await conn.execute(sa.text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return test_database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test", database_url=database_url, jwt_secret="test-secret-" + "x" * 40
    )


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    """The migrated, otherwise empty database shared by the session."""
    await reset_database(settings.database_url)
    database = Database(settings)
    await upgrade(database)
    yield database
    await database.dispose()


# -- a seeded database and the app over it, for the graph tests --------------------------

SEED_TODAY = dt.date(2026, 11, 29)
GRAPH_SCHEMA = "graph_tests"


@pytest.fixture(scope="session")
async def seeded_db(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    """A second database (SQLite file, or PostgreSQL schema) seeded once at scale 0.01.

    Kept apart from ``db`` because the seed tests reset and reseed that one.
    """
    from gateway.seed import seed_database

    if make_url(database_url).get_backend_name() == "postgresql":
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {GRAPH_SCHEMA} CASCADE"))
            await conn.execute(sa.text(f"CREATE SCHEMA {GRAPH_SCHEMA}"))
        await engine.dispose()
        url = database_url
        kwargs = {"connect_args": {"server_settings": {"search_path": GRAPH_SCHEMA}}}
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('graph')}/graph.db"
        kwargs = {}
    settings = Settings(environment="test", database_url=url, jwt_secret="test-secret-" + "x" * 40)
    database = Database(settings, **kwargs)
    await upgrade(database)
    await seed_database(database, scale=0.01, seed=7, today=SEED_TODAY)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def client(seeded_db: Database):
    import httpx

    from gateway.app import create_app

    app = create_app(seeded_db.settings, database=seeded_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


@pytest.fixture(scope="session")
async def app_client(seeded_db):
    """The app over the seeded database with its clock pinned to the seed's today, for
    the workflow tests (their rules depend on the date)."""
    import httpx

    from gateway.app import create_app
    from gateway.clock import FixedClock

    app = create_app(seeded_db.settings, database=seeded_db, clock=FixedClock(SEED_TODAY))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c
