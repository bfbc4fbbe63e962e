"""Run the migrations of every domain against the database it is bound to.

Each domain has its own history (``migrations/versions/<domain>/``) and version table
(``alembic_version_<domain>``), so a domain moved to its own database migrates alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Applied:
    """One migration that ``upgrade`` ran."""

    domain: str
    revision: str
    doc: str
    seconds: float


def _upgrade_domain(
    sync_conn: Any, domain: str, revision: str, progress: Callable[[str], None]
) -> list[Applied]:
    cfg = alembic_config(domain, sync_conn)
    applied: list[Applied] = []
    started = time.perf_counter()

    def on_version_apply(*, step: Any, **_: Any) -> None:
        # Called by Alembic after each migration, so long ones on big data show progress.
        nonlocal started
        seconds = time.perf_counter() - started
        script = step.up_revision
        applied.append(Applied(domain, script.revision, script.doc, seconds))
        progress(f"{domain}: applied {script.revision} ({script.doc}) in {seconds:.1f} s")
        started = time.perf_counter()

    cfg.attributes["on_version_apply"] = on_version_apply
    command.upgrade(cfg, revision)
    return applied


async def upgrade(
    db: Database, revision: str = "head", progress: Callable[[str], None] | None = None
) -> list[Applied]:
    """Bring every domain's tables up to ``revision`` in their own database.

    Returns the migrations it ran, oldest first (empty: already up to date); ``progress``
    hears of each one as it finishes."""
    say = progress or (lambda _line: None)
    applied: list[Applied] = []
    for domain in DOMAINS:
        async with db.engine_for(domain).begin() as conn:
            applied += await conn.run_sync(_upgrade_domain, domain, revision, say)
    return applied


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
