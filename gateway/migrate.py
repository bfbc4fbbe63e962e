"""Run the migrations of every domain against the database it is bound to.

Each domain has its own history (``migrations/versions/<domain>/``) and version table
(``alembic_version_<domain>``), so a domain moved to its own database migrates alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from gateway.db import Database
from gateway.models.base import Base, UTCDateTime
from gateway.settings import DOMAINS

MIGRATIONS = Path(__file__).parent / "migrations"


def include_object_for(domain: str) -> Callable[..., bool]:
    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "table":
            if reflected and compare_to is None:
                return False  # another domain's table (or alembic's) in the same database
            return obj.info.get("domain") == domain
        return True

    return include_object


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def context_options(domain: str, dialect_name: str) -> dict[str, Any]:
    return {
        "target_metadata": Base.metadata,
        "version_table": f"alembic_version_{domain}",
        "include_object": include_object_for(domain),
        "render_item": render_item,
        "render_as_batch": dialect_name == "sqlite",
        "compare_type": True,
    }


def alembic_config(domain: str, connection: Any | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions" / domain))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["domain"] = domain
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring every domain's tables up to ``revision`` in their own database."""
    for domain in DOMAINS:
        async with db.engine_for(domain).begin() as conn:
            await conn.run_sync(
                lambda sync_conn, d=domain: command.upgrade(alembic_config(d, sync_conn), revision)
            )


async def pending_changes(db: Database) -> dict[str, list[Any]]:
    """What the models have that the migrated databases lack, per domain (empty: in sync)."""

    def compare(sync_conn: Any, domain: str) -> list[Any]:
        opts = context_options(domain, sync_conn.dialect.name)
        metadata = opts.pop("target_metadata")
        return compare_metadata(MigrationContext.configure(sync_conn, opts=opts), metadata)

    diffs: dict[str, list[Any]] = {}
    for domain in DOMAINS:
        async with db.engine_for(domain).connect() as conn:
            diff = await conn.run_sync(compare, domain)
        if diff:
            diffs[domain] = diff
    return diffs
