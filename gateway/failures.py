"""When the gateway cannot answer right now: the database is unreachable, the request ran
out of time, or the process is full. Each is a retryable refusal with its own stable code,
an HTTP 503 and a ``Retry-After`` header, never "Internal server error.".

The codes (README, "Errors"):

- ``SERVICE_UNAVAILABLE``: a database did not answer (connection refused, reset or
  closed, the pool gave no connection in time, the server shutting down). The request's
  transaction is gone with its connection, so a mutation that had not committed wrote
  nothing; one that had committed shows its payload in ``data``.
- ``TIMEOUT``: the request ran past ``REQUEST_TIMEOUT_SECONDS`` (or PostgreSQL's
  ``statement_timeout``, set from the same setting); it was stopped and rolled back.
- ``OVERLOADED``: this process already runs and queues as many requests as it may
  (gateway/overload.py); refused at once, before any work.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterable, Iterator

import asyncpg  # type: ignore[import-untyped]
import sqlalchemy.exc as sa_exc
from starlette.responses import JSONResponse

from gateway.errors import GatewayError


class ServiceUnavailable(GatewayError):
    code = "SERVICE_UNAVAILABLE"


class RequestTimeout(GatewayError):
    code = "TIMEOUT"


class Overloaded(GatewayError):
    code = "OVERLOADED"


RETRY_AFTER_SECONDS: dict[str, int] = {
    # A database outage is seconds to minutes; asking sooner only adds to the queue.
    "SERVICE_UNAVAILABLE": 5,
    "TIMEOUT": 5,
    # A full process frees a slot within a request's time; another replica may have one.
    "OVERLOADED": 1,
}
"""The retryable codes, each answered with HTTP 503 and this ``Retry-After``."""

UNAVAILABLE_MESSAGE = (
    "The database is not answering right now, so this request could not be completed; try "
    "again in a few seconds. A mutation whose result is missing here was rolled back (unless "
    "the database failed while committing it: look before repeating a write that must not "
    "happen twice)."
)

# asyncpg's errors that mean the server or the connection is gone (not a bad statement).
_ASYNCPG_UNAVAILABLE = (
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)
# SQLite reports a missing, locked or failing file as OperationalError, like bad SQL;
# only these messages mean the database (not the statement) is the problem.
_SQLITE_UNAVAILABLE = (
    "unable to open database file",
    "database is locked",
    "database table is locked",
    "disk i/o error",
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (SQLAlchemy's ``orig``) and what caused it."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen or len(seen) > 20:
            continue
        seen.add(id(e))
        yield e
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]


def _unavailable(e: BaseException) -> bool:
    match e:
        case sa_exc.TimeoutError() | sa_exc.DisconnectionError():  # pool timeout; ping failed
            return True
        case sa_exc.DBAPIError() if e.connection_invalidated:
            return True
        case sa_exc.OperationalError() | sa_exc.InterfaceError():
            # A driver-level operational/interface error: unavailable unless SQLite says
            # the statement was at fault (checked on ``orig`` by the sqlite3 case).
            return not isinstance(e.orig, sqlite3.Error)
        case sqlite3.OperationalError():
            return str(e).lower().startswith(_SQLITE_UNAVAILABLE)
        case asyncpg.exceptions.InterfaceError():
            return "connection is closed" in str(e) or "connection was closed" in str(e)
        case _:
            return isinstance(
                e, (*_ASYNCPG_UNAVAILABLE, ConnectionError, TimeoutError, socket.gaierror)
            )


def classify(error: BaseException | None) -> GatewayError | None:
    """The retryable refusal an unexpected exception stands for, or None when it is a
    real fault (shown as INTERNAL_SERVER_ERROR and logged)."""
    if error is None or isinstance(error, GatewayError):
        return None
    chain = list(_chain(error))
    if any(isinstance(e, asyncpg.exceptions.QueryCanceledError) for e in chain):
        return timed_out()
    if any(_unavailable(e) for e in chain):
        return ServiceUnavailable(UNAVAILABLE_MESSAGE)
    return None


def timed_out() -> RequestTimeout:
    return RequestTimeout(
        "This request took longer than this service allows and was stopped; nothing it "
        "would have written was kept. Ask for less (a smaller page, fewer fields) or try "
        "again later."
    )


def extensions(code: str, request_id: str) -> dict[str, object]:
    """What a retryable error adds to its ``extensions`` (the request id matches the
    log's line, as for an internal error)."""
    if code in RETRY_AFTER_SECONDS:
        return {
            "retryable": True,
            "retryAfterSeconds": RETRY_AFTER_SECONDS[code],
            "requestId": request_id,
        }
    return {}


def http_status(codes: Iterable[str]) -> tuple[int, dict[str, str]] | None:
    """HTTP 503 and its ``Retry-After`` when any error is retryable, else None (200)."""
    waits = [RETRY_AFTER_SECONDS[c] for c in codes if c in RETRY_AFTER_SECONDS]
    if not waits:
        return None
    return 503, {"Retry-After": str(max(waits))}


def refusal(error: GatewayError, request_id: str) -> JSONResponse:
    """A request refused before execution (e.g. OVERLOADED): a GraphQL error response."""
    status, headers = http_status([error.code]) or (500, {})
    body = {
        "errors": [
            {
                "message": error.message,
                "extensions": {"code": error.code, **extensions(error.code, request_id)},
            }
        ]
    }
    return JSONResponse(body, status_code=status, headers={**headers, "X-Request-Id": request_id})


def internal_error(request_id: str) -> JSONResponse:
    """An unexpected failure outside GraphQL execution: HTTP 500 with the same stable
    message and code as an unexpected error inside it, and the request id of its log line."""
    body = {
        "errors": [
            {
                "message": "Internal server error.",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            }
        ]
    }
    return JSONResponse(body, status_code=500, headers={"X-Request-Id": request_id})
