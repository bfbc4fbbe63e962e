"""JSON built inside the database, as Strawberry would serialise the same values.

One ``JsonSQL`` per dialect: PostgreSQL's ``json_build_object``/``json_agg``, SQLite's
``json_object``/``json_group_array``. Every value is rendered as the GraphQL response
shows it: global IDs as base64 of "Type:id" (Strawberry's relay), dates and instants in
Python's ``isoformat`` (instants are UTC: ``+00:00``), UUIDs hyphenated, enums by
member name, booleans as JSON booleans.
"""

from __future__ import annotations

import base64
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

SQLITE_BASE64 = "gateway_base64"
"""The deterministic function the SQLite connections get (gateway.db): base64 of text."""


SQLITE_UUID = "gateway_uuid"
"""And this one: a Uuid column's 32 hex digits as ``str(UUID)`` writes them."""


def sqlite_base64(text: str | None) -> str | None:
    return None if text is None else base64.b64encode(text.encode()).decode()


def sqlite_uuid(hex_: str | None) -> str | None:
    return None if hex_ is None else str(uuid.UUID(hex=hex_))


SQLITE_FUNCTIONS = {SQLITE_BASE64: sqlite_base64, SQLITE_UUID: sqlite_uuid}
"""Deterministic one-argument functions every SQLite connection gets."""


class JsonSQL:
    """Builders of JSON values for one dialect (``postgresql`` or ``sqlite``)."""

    def __init__(self, dialect: str) -> None:
        if dialect not in ("postgresql", "sqlite"):
            raise ValueError(f"no JSON building for {dialect}")
        self.pg = dialect == "postgresql"

    # -- structure ---------------------------------------------------------------------

    def obj(self, pairs: list[tuple[str, Any]]) -> Any:
        """An object with ``pairs`` in order; values are from this class's builders."""
        args: list[Any] = []
        for key, value in pairs:
            args += [sa.literal(key, sa.Text), value]
        if self.pg:
            return sa.func.json_build_object(*args, type_=sa.JSON)
        return sa.func.json_object(*args, type_=sa.Text)

    def nested(self, scalar_subquery: Any) -> Any:
        """A JSON value produced by a subquery, as a value of an enclosing object: SQLite
        passes text out of a subquery, so it is read as JSON again."""
        return scalar_subquery if self.pg else sa.func.json(scalar_subquery)

    def when(self, condition: Any, value: Any) -> Any:
        """``value`` where ``condition`` holds, else JSON null."""
        return sa.case((condition, value), else_=sa.null())

    def array(self, element: Any, rows: sa.Select[Any], order_by: list[Any]) -> Any:
        """A JSON array of ``element`` over ``rows`` in ``order_by``, as a scalar subquery
        ([] when there is none)."""
        if self.pg:
            agg = sa.func.json_agg(postgresql.aggregate_order_by(element, *order_by))
            return rows.with_only_columns(
                sa.func.coalesce(agg, sa.cast(sa.literal("[]"), postgresql.JSON))
            ).scalar_subquery()
        # SQLite (3.40) has no ORDER BY inside aggregates; it aggregates an ordered
        # subquery's rows in their order.
        ordered = rows.with_only_columns(element.label("element")).order_by(*order_by).subquery()
        return sa.select(
            sa.func.json_group_array(sa.func.json(ordered.c.element))
        ).scalar_subquery()

    def arrays_by(self, key: Any, element: Any, rows: sa.Select[Any], order_by: list[Any]) -> Any:
        """One JSON array of ``element`` over ``rows`` in ``order_by`` per ``key``, as a
        subquery of (key, json): the set-wise form of ``array`` (see
        ``connection.Page.per_row``); a key without rows has no row (``or_empty``)."""
        if self.pg:
            agg = sa.func.json_agg(postgresql.aggregate_order_by(element, *order_by))
            return (
                rows.with_only_columns(key.label("key"), agg.label("json")).group_by(key).subquery()
            )
        # SQLite (3.40) has no ORDER BY inside aggregates, and a GROUP BY may re-sort an
        # ordered subquery's rows; its aggregate as a window function keeps the order.
        window = sa.func.json_group_array(sa.func.json(element)).over(
            partition_by=key, order_by=order_by, rows=(None, None)
        )
        framed = rows.with_only_columns(key.label("key"), window.label("json")).subquery()
        return sa.select(framed.c.key, framed.c.json).distinct().subquery()

    def or_empty(self, array: Any) -> Any:
        """An ``arrays_by`` array, or [] where its key had no rows."""
        if self.pg:
            return sa.func.coalesce(array, sa.cast(sa.literal("[]"), postgresql.JSON))
        return sa.func.coalesce(array, "[]")

    def text(self, value: Any) -> Any:
        """The JSON document ``value`` as text (what the gateway sends)."""
        return sa.cast(value, sa.Text) if self.pg else value

    # -- scalars -----------------------------------------------------------------------

    def boolean(self, condition: Any) -> Any:
        """A JSON boolean; SQL NULL reads false (the Python fields return plain bools)."""
        if self.pg:
            return sa.case((condition, sa.true()), else_=sa.false())
        return sa.func.json(sa.case((condition, "true"), else_="false"))

    def global_id(self, type_name: str, id_: Any) -> Any:
        text = sa.literal(f"{type_name}:", sa.Text) + sa.cast(id_, sa.Text)
        if self.pg:
            return sa.func.encode(sa.func.convert_to(text, "UTF8"), "base64")
        return sa.func.gateway_base64(text, type_=sa.Text)

    def uuid(self, value: Any) -> Any:
        if self.pg:
            return sa.cast(value, sa.Text)
        # SQLAlchemy keeps a Uuid on SQLite as 32 hex digits; a registered function
        # writes it as str(UUID) does (gateway.db).
        return sa.func.gateway_uuid(sa.type_coerce(value, sa.Text), type_=sa.Text)

    def date(self, value: Any) -> Any:
        if self.pg:
            return sa.func.to_char(value, "YYYY-MM-DD")
        return sa.type_coerce(value, sa.Text)  # SQLite keeps dates as YYYY-MM-DD

    def instant(self, value: Any) -> Any:
        """A UTC instant as ``datetime.isoformat`` writes it: microseconds only when not
        zero, and the zone as +00:00."""
        seconds: Any
        micro: Any
        if self.pg:
            utc = sa.func.timezone("UTC", value)
            seconds = sa.func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
            micro = sa.func.to_char(utc, "US")
        else:
            # SQLAlchemy keeps an instant on SQLite as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC).
            raw = sa.type_coerce(value, sa.Text)
            seconds = sa.func.substr(raw, 1, 10) + "T" + sa.func.substr(raw, 12, 8)
            micro = sa.func.substr(sa.func.substr(raw, 21, 6) + "000000", 1, 6)
        fraction = sa.case((micro == "000000", ""), else_="." + micro)
        return sa.case((value.is_(None), sa.null()), else_=seconds + fraction + "+00:00")

    def enum_name(self, value: Any, enum_cls: type[enum.Enum]) -> Any:
        """A stored enum value (its ``value``) as the GraphQL enum shows it (its name)."""
        return sa.case({member.value: member.name for member in enum_cls}, value=value)

    def value_name(self, value: Any, names: dict[str, str]) -> Any:
        """A SQL string mapped to the GraphQL enum name ``names`` gives it."""
        return sa.case(*((value == v, n) for v, n in names.items()), else_=sa.null())
