"""One structured log line and a set of Prometheus metrics per GraphQL request.

The log line (logger ``gateway.requests``, one JSON object per line) holds the request
id (also in the ``X-Request-Id`` header and in every error's ``extensions.requestId``),
the viewer's role and organisation id, the operation's name and the SHA-256 of its
document, the duration, the HTTP status, the error codes and the number of SQL
statements. It never holds the Authorization header, the variables or the document
itself: those may carry tokens, emails and dates of birth.

Metrics (``prometheus_client``) are served at ``/metrics`` to the networks in
``METRICS_ALLOWED_NETWORKS`` (loopback by default). The operation label is the name of
one of the documents under ``operations/`` or ``other``: a name the client chose would
let any client grow the metrics without bound.
"""

from __future__ import annotations

import contextvars
import hashlib
import ipaddress
import logging
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Scope, Send

from gateway.auth.viewer import Viewer
from gateway.settings import Settings

log = logging.getLogger("gateway.requests")

REGISTRY = CollectorRegistry()
"""The gateway's own metrics (not the process-wide default registry, so that apps built
by tests do not register the same metric twice)."""

REQUESTS = Counter(
    "gateway_graphql_requests",
    "GraphQL requests answered, by operation (a documented one or 'other') and HTTP status.",
    ["operation", "status"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "gateway_graphql_errors",
    "Errors in GraphQL responses, by extensions.code.",
    ["code"],
    registry=REGISTRY,
)
DURATION = Histogram(
    "gateway_graphql_request_duration_seconds",
    "Time from receiving a GraphQL request to sending its response.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
SQL_STATEMENTS = Histogram(
    "gateway_graphql_sql_statements",
    "SQL statements one GraphQL request executed.",
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89),
    registry=REGISTRY,
)
COST = Histogram(
    "gateway_graphql_cost",
    "Actual query cost of a GraphQL request (gateway/limits/cost.py: objects returned).",
    buckets=(0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000),
    registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "gateway_graphql_requests_running",
    "GraphQL requests this process is executing now.",
    registry=REGISTRY,
)
QUEUED = Gauge(
    "gateway_graphql_requests_queued",
    "GraphQL requests waiting for a slot (MAX_CONCURRENT_REQUESTS).",
    registry=REGISTRY,
)

_current: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar(
    "gateway_request_record", default=None
)


@event.listens_for(Engine, "before_cursor_execute")
def _count_statement(conn: Any, *_: Any) -> None:
    # SQLAlchemy runs this in a greenlet that shares the request task's context.
    record = _current.get()
    if record is not None:
        record.sql_statements += 1
        conn.info.setdefault("gateway_statement_started", []).append(time.perf_counter())


@event.listens_for(Engine, "after_cursor_execute")
def _time_statement(conn: Any, *_: Any) -> None:
    record = _current.get()
    started = conn.info.get("gateway_statement_started")
    if record is not None and started:
        record.sql_seconds += time.perf_counter() - started.pop()


@event.listens_for(Engine, "handle_error")
def _failed_statement(context: Any) -> None:
    """A statement that raised was sent and waited for too; and its start must not stay
    behind for the connection's next statement."""
    if context.connection is not None:
        _time_statement(context.connection)


@dataclass
class RequestRecord:
    """What the log line and the metrics say about one request."""

    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.perf_counter)
    role: str | None = None
    organisation_id: int | None = None
    operation: str | None = None
    document_sha256: str | None = None
    status: int = 500  # until a response starts: an exception escaping the app is a 500
    responded: bool = False  # a response has started: too late to answer anything else
    error_codes: list[str] = field(default_factory=list)
    sql_statements: int = 0
    sql_seconds: float = 0.0
    requested_cost: int | None = None  # gateway/limits: the estimate, before execution
    actual_cost: int | None = None  # and what the answer held
    server_timing: bool = False  # GATEWAY_SERVER_TIMING: tell the caller the SQL it cost
    _token: contextvars.Token[RequestRecord | None] | None = field(default=None, repr=False)

    def watch(self, send: Send) -> Send:
        """``send`` that also notes the response's status."""

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.responded = True
                if self.server_timing:
                    headers = [*message.get("headers", []), (b"server-timing", self.timing())]
                    message = {**message, "headers": headers}
            await send(message)

        return watched

    def timing(self) -> bytes:
        """``Server-Timing`` (bench/load.py reads it from outside the process): the SQL
        statements sent so far and the time waited for them, and the time to the first
        byte. BEGIN and ROLLBACK are not cursor executions and are not counted.

            Server-Timing: sql;dur=12.3;desc="5 statements", app;dur=45.6
        """
        elapsed = time.perf_counter() - self.started
        return (
            f'sql;dur={self.sql_seconds * 1000:.1f};desc="{self.sql_statements} statements", '
            f"app;dur={elapsed * 1000:.1f}"
        ).encode()

    def fields(self) -> dict[str, str | int | list[str] | None]:
        """What the log line (and the request's span, gateway/tracing.py) says: never the
        Authorization header, the variables or the document, which may hold tokens,
        emails and dates of birth."""
        return {
            "request_id": self.request_id,
            "role": self.role,
            "organisation_id": self.organisation_id,
            "operation": self.operation,
            "document_sha256": self.document_sha256,
            "status": self.status,
            "error_codes": self.error_codes,
            "sql_statements": self.sql_statements,
            "requested_cost": self.requested_cost,
            "actual_cost": self.actual_cost,
        }

    def viewer(self, viewer: Viewer | None) -> None:
        if viewer is not None:
            self.role = viewer.role.value
            self.organisation_id = (
                viewer.school_id or viewer.appropriate_body_id or viewer.lead_provider_id
            )

    def document(self, query: str | None, operation_name: str | None) -> None:
        if query is None:
            return
        self.document_sha256 = hashlib.sha256(query.encode()).hexdigest()
        self.operation = operation_name or _first_operation_name(query)


_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)", re.M)


def _first_operation_name(query: str) -> str | None:
    match = _OPERATION.search(query)
    return match.group(1) if match else None


def known_operations(settings: Settings) -> frozenset[str]:
    """The names of the documents under ``operations/``: the only operation labels."""
    names = set()
    for path in Path(settings.operations_dir).glob("*/*.graphql"):
        names.update(_OPERATION.findall(path.read_text()))
    return frozenset(names)


def begin(server_timing: bool = False) -> RequestRecord:
    """A record for a new request, which SQL statements run from now on count towards."""
    record = RequestRecord(server_timing=server_timing)
    record._token = _current.set(record)
    return record


def finish(record: RequestRecord, known: frozenset[str]) -> None:
    """Log the request's line and add it to the metrics; statements from now on are not
    the request's."""
    duration = time.perf_counter() - record.started
    if record._token is not None:
        _current.reset(record._token)
        record._token = None
    label = record.operation if record.operation in known else "other"
    REQUESTS.labels(label, str(record.status)).inc()
    for code in record.error_codes:
        ERRORS.labels(code).inc()
    DURATION.observe(duration)
    SQL_STATEMENTS.observe(record.sql_statements)
    if record.actual_cost is not None:
        COST.observe(record.actual_cost)
    line = {
        "event": "graphql_request",
        "request_id": record.request_id,
        "role": record.role,
        "organisation_id": record.organisation_id,
        "operation": record.operation,
        "document_sha256": record.document_sha256,
        "duration_ms": round(duration * 1000, 1),
        "status": record.status,
        "error_codes": record.error_codes,
        "sql_statements": record.sql_statements,
        "requested_cost": record.requested_cost,
        "actual_cost": record.actual_cost,
    }
    log.info(orjson.dumps(line).decode())


def log_to_stderr() -> None:
    """In a serving process, print the request lines as they are: one JSON object per
    line on standard error (uvicorn configures only its own loggers)."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def metrics_endpoint(settings: Settings) -> Any:
    """``/metrics`` for clients in ``METRICS_ALLOWED_NETWORKS``; 404 for everyone else
    (nothing tells an outside caller that there is anything here)."""
    networks = [ipaddress.ip_network(n, strict=False) for n in settings.metrics_allowed_networks]

    def allowed(scope: Scope) -> bool:
        client = scope.get("client")
        if not client:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in networks)

    async def metrics(request: Request) -> Response:
        if not allowed(request.scope):
            return PlainTextResponse("Not Found", status_code=404)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return metrics
