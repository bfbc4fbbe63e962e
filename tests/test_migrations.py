"""Migrations build the whole schema from empty, and it matches the models."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db import Database
from gateway.migrate import pending_changes, upgrade
from gateway.models import Base
from gateway.settings import Settings


async def test_migrated_database_matches_models(db: Database) -> None:
    assert await pending_changes(db) == {}


async def test_every_model_table_exists_after_migration(db: Database) -> None:
    async with db.engines[db.settings.database_url].connect() as conn:
        names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert set(Base.metadata.tables) <= names
    assert {f"alembic_version_{d}" for d in ("teachers", "payments")} <= names


async def test_upgrade_twice_is_a_no_op(db: Database) -> None:
    await upgrade(db)
    assert await pending_changes(db) == {}


async def test_a_domain_bound_to_its_own_database_gets_only_its_tables(tmp_path) -> None:
    main_url = f"sqlite+aiosqlite:///{tmp_path}/main.db"
    payments_url = f"sqlite+aiosqlite:///{tmp_path}/payments.db"
    settings = Settings(database_url=main_url, domain_urls={"payments": payments_url})
    database = Database(settings)
    try:
        await upgrade(database)
        assert await pending_changes(database) == {}
        async with database.engines[payments_url].connect() as conn:
            payments_tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        async with database.engines[main_url].connect() as conn:
            main_tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    finally:
        await database.dispose()
    assert "declarations" in payments_tables and "statements" in payments_tables
    assert "teachers" not in payments_tables
    assert "declarations" not in main_tables and "teachers" in main_tables
