"""Cursor (keyset) pagination shared by every connection.

A cursor is the opaque base64 of the ordering key of the last row seen, so pages stay
stable while rows are inserted, and a page costs one SELECT however deep the list.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from strawberry import relay

from gateway.context import Context
from gateway.errors import BadUserInput
from gateway.limits.rules import DEFAULT_PAGE_SIZE, page_size_within

T = TypeVar("T", bound=relay.Node)


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _decode_value(column: Any, raw: Any) -> Any:
    """One value of a cursor, as its column holds it; ValueError when it could not be
    one (a forged or damaged cursor)."""
    python_type = column.type.python_type
    if raw is None:
        return None
    if python_type is dt.datetime:
        value = dt.datetime.fromisoformat(raw)
        if value.tzinfo is None:
            raise ValueError("cursor instants carry their zone")
        return value
    if python_type is dt.date:
        return dt.date.fromisoformat(raw)
    if python_type is int:
        bits = 63 if isinstance(column.type, sa.BigInteger) else 31
        if not isinstance(raw, int) or not -(2**bits) <= raw < 2**bits:
            raise ValueError("cursor integers fit their column")
        return raw
    return python_type(raw)


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([_encode_value(v) for v in values])).decode()


def decode_cursor(cursor: str, columns: Sequence[Any]) -> list[Any]:
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError
        return [_decode_value(c, v) for c, v in zip(columns, raw, strict=True)]
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise BadUserInput(
            "The 'after' cursor is not one this list issued: pass a pageInfo.endCursor "
            "from the same query."
        ) from None


def page_size(ctx: Context, first: int | None) -> int:
    """The page a list returns: ``first`` within the caller's cap (the cost estimate
    refused any beyond it before the operation ran), or the default page."""
    cap = ctx.page_cap
    if first is None:
        return min(DEFAULT_PAGE_SIZE, cap)
    return page_size_within(first, cap)


def page_statement(
    stmt: sa.Select[Any], order: Sequence[Any], size: int, after: str | None
) -> sa.Select[Any]:
    """The rows of a page and one more (so the page knows whether another follows):
    ``stmt`` after the cursor ``after`` (BadUserInput when it is not one of ours), in
    ``order``. Shared with the trusted operations' compiled SQL (gateway/trusted)."""
    if after:
        values = decode_cursor(after, order)
        # Bind each value with its column's type (UTC instants on SQLite, for one).
        bound = [sa.literal(v, type_=c.type) for c, v in zip(order, values, strict=True)]
        stmt = stmt.where(sa.tuple_(*order) > sa.tuple_(*bound))
    return stmt.order_by(*order).limit(size + 1)


async def page_rows(
    ctx: Context,
    stmt: sa.Select[Any],
    order: Sequence[Any],
    first: int | None,
    after: str | None,
) -> tuple[list[tuple[str, Any]], relay.PageInfo]:
    """One page of ``stmt`` (scoped and filtered) in ``order``, which ends with a unique
    key: each row with its cursor, and the page's info."""
    size = page_size(ctx, first)
    rows = await ctx.loaders.fetch(page_statement(stmt, order, size, after))
    has_next = len(rows) > size
    rows = rows[:size]
    keys = [c.key for c in order]
    page = [(encode_cursor([getattr(r, k) for k in keys]), r) for r in rows]
    info = relay.PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=page[0][0] if page else None,
        end_cursor=page[-1][0] if page else None,
    )
    return page, info


async def paginate(
    ctx: Context,
    stmt: sa.Select[Any],
    order: Sequence[Any],
    to_node: Callable[[Any], T],
    first: int | None,
    after: str | None,
) -> relay.Connection[T]:
    """One page of ``stmt`` (scoped and filtered) in ``order``, which ends with a unique key."""
    page, info = await page_rows(ctx, stmt, order, first, after)
    edges = [relay.Edge(cursor=cursor, node=to_node(row)) for cursor, row in page]
    return relay.Connection(edges=edges, page_info=info)


async def paginate_kept(
    ctx: Context,
    stmt: sa.Select[Any],
    order: Sequence[Any],
    to_node: Callable[[Any], T],
    first: int | None,
    after: str | None,
    keep: Callable[[Sequence[Any]], Awaitable[Sequence[bool]]],
) -> relay.Connection[T]:
    """``paginate`` over rows that SQL can only narrow down: ``keep`` decides which rows
    of a page are returned. A page may hold fewer than ``first`` (even none while
    ``hasNextPage`` is true); ``endCursor`` is the last row read, kept or not, so the
    next page starts after it and nothing is skipped or read twice."""
    page, info = await page_rows(ctx, stmt, order, first, after)
    verdicts = await keep([row for _, row in page]) if page else []
    edges = [
        relay.Edge(cursor=cursor, node=to_node(row))
        for (cursor, row), kept in zip(page, verdicts, strict=True)
        if kept
    ]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=info.has_next_page,
            has_previous_page=info.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=info.end_cursor,
        ),
    )
