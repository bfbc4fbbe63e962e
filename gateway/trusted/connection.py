"""A root list field (a Relay connection) compiled to one SELECT.

The shape is the same for every list: the resolver's own statement (its policy scope and
filters) cut by ``resolvers.pagination.page_statement``, numbered, as a CTE ``page``;
the SELECT returns the edges' JSON (built by the list's node builder), how many rows the
page read (one more than the page size means another page follows) and the last row's
ordering key, from which ``encode_cursor`` makes ``endCursor`` as Strawberry's path does.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dateutil.parser  # type: ignore[import-untyped]  # Strawberry's DateTime parser
import orjson
import sqlalchemy as sa

from gateway.auth import policy
from gateway.resolvers.pagination import encode_cursor, page_statement
from gateway.trusted.jsonsql import JsonSQL
from gateway.trusted.selection import Selected, Unsupported

MAX_INT = 2**31 - 1


def mark(stmt: Any) -> Any:
    """Every SELECT of a compiled statement: read through the policy (see ``Reads``)."""
    return policy.compiled_read(stmt, "trusted operation")


class Alias:
    """A table alias whose columns read as attributes, as an ORM alias's do: rules
    written over models (``period.started_on``) take it. ORM ``aliased`` adapts every
    column expression on use, which cost more than half a second to build the
    Participants statement; this is a dictionary of the alias's columns."""

    def __init__(self, model: type, name: str) -> None:
        table: Any = model.__table__  # type: ignore[attr-defined]  # a mapped class
        self._alias = table.alias(name)
        columns: Any = sa.inspect(model).columns
        for key, column in columns.items():
            self.__dict__[key] = self._alias.c[column.key]

    def __getattr__(self, key: str) -> Any:  # the columns set above; for mypy
        raise AttributeError(key)

    def __clause_element__(self) -> Any:
        """As a FROM: the alias (``select_from``, ``join``)."""
        return self._alias


@functools.cache
def aliased(model: type, name: str) -> Any:
    """The alias ``name`` of ``model``'s table: one object per name for the process (SQL
    elements are immutable; a statement uses each name in one place only)."""
    return Alias(model, name)


def among(column: Any, ids: sa.Select[Any]) -> Any:
    """``column IN (ids)``, written so that PostgreSQL keeps it a hashed subplan, built
    once per statement: a plain IN is turned into a semi-join that rebuilds its hash
    for every row of the enclosing correlated subquery (6 ms a participant)."""
    return sa.func.coalesce(column.in_(ids), sa.false(), type_=sa.Boolean)


class Reads:
    """The policy's reads one statement uses, each once, as a CTE at the top of the
    statement: the viewer's visible ids of a model (``Scope.ids``, the condition the
    loaders' ``scope.select(model)`` applies), facts (``Scope.facts``) and readable
    contacts (``Scope.contacts``). Nested subqueries then test membership in a CTE,
    which keeps the SQL shallow (SQLite's parser has a depth limit) and computes each
    rule once per statement."""

    def __init__(self, scope: policy.Scope) -> None:
        self.scope = scope
        self.today = scope.today
        self._ctes: dict[str, Any] = {}

    def _cte(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._ctes:
            self._ctes[name] = build().cte(name)
        return self._ctes[name]

    def visible(self, alias: Any, model: type) -> sa.ColumnElement[bool]:
        """``alias`` is a row of ``model`` the viewer may see."""
        pk: Any = sa.inspect(model).primary_key[0]
        table: str = sa.inspect(model).local_table.name
        cte = self._cte(f"visible_{table}", lambda: self.scope.ids(getattr(model, pk.key)))
        return among(getattr(alias, pk.key), sa.select(*cte.c))

    def facts(self, rule: policy.Rule, column: Any) -> sa.Select[Any]:
        """``column`` (the id) of the rows ``rule`` lets the viewer derive values from."""
        cte = self._cte(
            f"facts_{rule.__name__}", lambda: self.scope.facts(rule, column.class_, column)
        )
        return sa.select(*cte.c)

    def email(self, model: Any, key: Any) -> Any:
        """The email of the ``model`` row ``key`` when the viewer may read it."""
        table = sa.inspect(model).local_table.name
        cte = self._cte(f"contacts_{table}", lambda: self.scope.contacts(model))
        return mark(sa.select(cte.c.email).where(cte.c.id == key)).scalar_subquery()


# -- arguments: request variables to the resolver's values ------------------------------


def integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -MAX_INT <= value <= MAX_INT:
        raise Unsupported("not an Int")
    return value


def uuid_(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Unsupported("not a UUID") from None


def instant(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise Unsupported("not a DateTime")
    try:
        parsed = dateutil.parser.isoparse(value)  # as Strawberry's DateTime parses
    except ValueError:
        raise Unsupported("not a DateTime") from None
    if parsed.tzinfo is None:
        raise Unsupported("an instant without a zone (Strawberry refuses it)")
    return parsed


def string(value: object) -> str:
    if not isinstance(value, str):
        raise Unsupported("not a String")
    return value


def member(enum_cls: Any) -> Callable[[object], Any]:
    def parse(value: object) -> Any:
        if not isinstance(value, str) or value not in enum_cls.__members__:
            raise Unsupported("not a member")
        return enum_cls[value]

    return parse


def integers(value: object) -> list[int]:
    if not isinstance(value, list):
        raise Unsupported("not a list")
    return [integer(v) for v in value]


Parser = Callable[[object], Any]


class Page:
    """The page CTE as a node builder reads it: its columns (``c``), the condition that
    keeps a row on the page (``kept``), and rows built set-wise for the whole page.

    A list under each row (a participant's enrolments) read as a correlated subquery is
    planned once per page row; ``per_row`` instead takes one subquery grouped by the
    page row's id, built over all the page's rows at once, and LEFT JOINs it to the
    page (at most one row per page row, so the page keeps its rows and order)."""

    def __init__(self, cte: Any, kept: Any) -> None:
        self.cte = cte
        self.c = cte.c
        self.kept = kept
        self.joins: list[tuple[Any, Any]] = []

    def per_row(self, rows: Any) -> Any:
        """``rows`` (a subquery with a ``key`` column: the page row's id) joined to the
        page; returns its columns."""
        self.joins.append((rows, rows.c.key == self.c.id))
        return rows.c

    def rows(self) -> sa.Select[Any]:
        """The page's kept rows (their ids), with every ``per_row`` subquery joined."""
        joined = self.cte
        for rows, on in self.joins:
            joined = joined.outerjoin(rows, on)
        return mark(sa.select(self.c.id).select_from(joined).where(self.kept))


@dataclass(frozen=True)
class ListField:
    """What the planner needs to compile one root list field."""

    filters: Callable[[], Any]  # the resolver's filters, empty
    arguments: dict[str, tuple[str, Parser]]  # argument -> (filters attribute, parser)
    statement: Callable[[policy.Scope, Any], sa.Select[Any]]  # the resolver's rows
    order: tuple[Any, ...]  # the resolver's order (its cursors hold it)
    check_node: Callable[[list[Selected]], None]  # Unsupported for unknown fields
    node: Callable[[JsonSQL, Reads, Page, list[Selected]], Any]  # JSON of page rows


@dataclass(frozen=True)
class PageArgs:
    filters: Any
    size: int
    after: str | None


PAGE_INFO = {"hasNextPage", "hasPreviousPage", "endCursor"}


class ConnectionPlan:
    """One root list field of one document: checked at start-up, rendered per request
    into one SELECT of (edges JSON, rows read, the last row's key)."""

    def __init__(self, spec: ListField, field: Selected) -> None:
        field.only({"first", "after", *spec.arguments})
        self.spec = spec
        self.field = field
        self.page_info: Selected | None = None
        self.edges: Selected | None = None
        for child in field.children:
            if child.name == "pageInfo":
                for info in child.children:
                    if info.name not in PAGE_INFO:
                        raise Unsupported(f"pageInfo.{info.name}")
                self.page_info = child
            elif child.name == "edges":
                for edge in child.children:
                    if edge.name != "node":
                        raise Unsupported(f"edges.{edge.name}")
                    spec.check_node(edge.children)
                self.edges = child
            else:
                raise Unsupported(f"{field.name}.{child.name}")

    def bind(self, variables: dict[str, Any], page_cap: int) -> PageArgs:
        """The arguments of one request, or Unsupported (Strawberry then answers, with
        its error where there is one: a bad page size, cursor or value)."""

        def value(name: str) -> Any:
            variable = self.field.variables.get(name)
            return None if variable is None else variables.get(variable)

        filters = self.spec.filters()
        for name, (attribute, parse) in self.spec.arguments.items():
            raw = value(name)
            if raw is not None:
                setattr(filters, attribute, parse(raw))
        first = value("first")
        size = min(100, page_cap) if first is None else integer(first)
        if not 1 <= size <= page_cap:
            raise Unsupported("page size out of range")
        after = value("after")
        if after is not None and not isinstance(after, str):
            raise Unsupported("not a cursor")
        return PageArgs(filters, size, after)  # "" reads as no cursor, as in page_rows

    def statement(self, j: JsonSQL, scope: policy.Scope, args: PageArgs) -> sa.Select[Any]:
        """Raises BadUserInput for a cursor that is not ours."""
        reads = Reads(scope)
        order = list(self.spec.order)
        rows = page_statement(
            self.spec.statement(scope, args.filters), order, args.size, args.after
        )
        page = rows.add_columns(sa.func.row_number().over(order_by=order).label("page_rank")).cte(
            "page"
        )
        on_page = page.c.page_rank <= args.size
        kept = mark(sa.select(page.c.id).select_from(page).where(on_page))
        edges: Any = sa.literal(None)
        if self.edges is not None:
            shown = Page(page, on_page)
            edge = j.obj(
                [
                    (e.key, j.nested(self.spec.node(j, reads, shown, e.children)))
                    for e in self.edges.children
                ]
            )
            edges = j.text(j.array(edge, shown.rows(), [page.c.page_rank]))
        last = kept.order_by(page.c.page_rank.desc()).limit(1)
        keys = [
            last.with_only_columns(page.c[c.key]).scalar_subquery().label(f"key{i}")
            for i, c in enumerate(order)
        ]
        return mark(
            sa.select(
                edges.label("edges"),
                mark(sa.select(sa.func.count()).select_from(page)).scalar_subquery().label("n"),
                *keys,
            )
        )

    def render(self, row: Any, args: PageArgs) -> bytes:
        """The root field's JSON, from the SELECT's one row."""
        has_next = row.n > args.size
        key = list(row[2:])
        end_cursor = encode_cursor(key) if key[-1] is not None else None
        parts: list[bytes] = []
        for child in self.field.children:
            if child is self.page_info:
                info = {
                    "hasNextPage": has_next,
                    "hasPreviousPage": args.after is not None,
                    "endCursor": end_cursor,
                }
                values = b",".join(_key(i.key) + orjson.dumps(info[i.name]) for i in child.children)
                parts.append(_key(child.key) + b"{" + values + b"}")
            else:
                parts.append(_key(child.key) + (row.edges or "[]").encode())
        return b"{" + b",".join(parts) + b"}"


def _key(name: str) -> bytes:
    return b'"' + name.encode() + b'":'
