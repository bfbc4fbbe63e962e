"""Declarative base, shared column types and the domain each table belongs to.

All tables share one ``MetaData`` (so one process can create and inspect them), but
each table records its domain in ``Table.info["domain"]``. A domain's tables may be
bound to their own database (``<DOMAIN>_DATABASE_URL``), so foreign keys are declared
only *within* a domain; a reference to another domain's row is a plain indexed column,
checked by the domain rules and joined by the graph's loaders, never by SQL.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An instant, always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz``; SQLite has no zone, so values are stored as UTC
    and the zone is put back on read.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[dt.datetime]:
        return dt.datetime

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an instant with a zone is required")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


Money = sa.Numeric(12, 2, asdecimal=True)
"""Pounds and pence. Exact on PostgreSQL; on SQLite read back through Decimal at scale 2."""

Ratio = sa.Numeric(5, 4, asdecimal=True)


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A string column restricted to the enum's values by a CHECK constraint (portable)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
        length=max(len(m.value) for m in enum_cls),
    )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        Decimal: Money,
        uuid.UUID: sa.Uuid(),
    }


class IdMixin:
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)


class TimestampsMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def domain_table_args(domain: str, *args: Any) -> tuple[Any, ...]:
    """``__table_args__`` with the table's domain recorded in ``info``."""
    return (*args, {"info": {"domain": domain}})


def open_period(col_name: str = "finished_on") -> sa.TextClause:
    """Partial-index predicate for an open (current) period, valid on SQLite and PostgreSQL."""
    return sa.text(f"{col_name} IS NULL")


def period_checks() -> tuple[sa.CheckConstraint, ...]:
    """A period never finishes before it starts."""
    return (
        sa.CheckConstraint(
            "finished_on IS NULL OR finished_on >= started_on", name="finished_after_started"
        ),
    )
