"""``Server-Timing`` on every HTTP response, when ``GATEWAY_SERVER_TIMING=on`` (never in
production): how many SQL statements the request sent, how long they took, and the time
to the response's first byte. ``bench/load.py`` reads it from outside the process, so it
measures whatever the gateway does (Strawberry or anything else that uses the engines).

    Server-Timing: sql;dur=12.3;desc="5 statements", app;dur=45.6

Counted with SQLAlchemy's ``before/after_cursor_execute`` events on the app's engines; a
context variable set per request attributes each statement to the request whose task
sent it (SQLAlchemy runs a request's database work in greenlets that carry the task's
context). BEGIN and ROLLBACK are not cursor executions and are not counted.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.db import Database


@dataclass
class Tally:
    """One request's SQL: statements sent and seconds spent waiting for them."""

    statements: int = 0
    seconds: float = 0.0


_current: ContextVar[Tally | None] = ContextVar("server_timing_tally", default=None)


def _before(conn: Any, *_: Any) -> None:
    if _current.get() is not None:
        conn.info.setdefault("server_timing_started", []).append(time.perf_counter())


def _after(conn: Any, *_: Any) -> None:
    tally = _current.get()
    started = conn.info.get("server_timing_started")
    if tally is not None and started:
        tally.statements += 1
        tally.seconds += time.perf_counter() - started.pop()


def _failed(context: Any) -> None:
    """A statement that raised was sent too; and its start must not stay behind for the
    connection's next statement to pop."""
    if context.connection is not None:
        _after(context.connection)


def count_statements(database: Database) -> None:
    """Listen to every engine of ``database`` (once per engine)."""
    for engine in database.engines.values():
        if not event.contains(engine.sync_engine, "before_cursor_execute", _before):
            event.listen(engine.sync_engine, "before_cursor_execute", _before)
            event.listen(engine.sync_engine, "after_cursor_execute", _after)
            event.listen(engine.sync_engine, "handle_error", _failed)


def header(tally: Tally, elapsed: float) -> bytes:
    return (
        f'sql;dur={tally.seconds * 1000:.1f};desc="{tally.statements} statements", '
        f"app;dur={elapsed * 1000:.1f}"
    ).encode()


class ServerTiming:
    """ASGI middleware: a fresh tally per HTTP request, written into the response's headers
    when they are sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tally = Tally()
        token = _current.set(tally)
        started = time.perf_counter()

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = time.perf_counter() - started
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", header(tally, elapsed)))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        finally:
            _current.reset(token)
