"""Alembic environment, driven by ``gateway.migrate`` once per domain with a live connection."""

from __future__ import annotations

from alembic import context

from gateway.migrate import context_options

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    on_version_apply=config.attributes.get("on_version_apply"),
    **context_options(config.attributes["domain"], connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
