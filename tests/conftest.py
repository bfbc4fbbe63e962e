"""Test fixtures: a migrated database, SQLite by default, PostgreSQL when asked.

``TEST_DATABASE_URL`` picks the database (``.ci/run`` runs the suite twice: SQLite,
then ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``). A PostgreSQL database is
emptied at the start of the session: the suite owns it.
"""

from __future__ import annotations

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
