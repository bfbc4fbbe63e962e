"""Failures that are not the caller's fault (issue 12, "Time and failure"; README, "Errors"):
a database that does not answer is SERVICE_UNAVAILABLE, a request past its time limit is
TIMEOUT, each an HTTP 503 with Retry-After and ``extensions.retryable``; a bug stays
INTERNAL_SERVER_ERROR. The outage itself, mid-run, is in ``tests/test_outage.py``."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.engine import make_url

from gateway import failures
from gateway.app import create_app
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.clock import FixedClock
from gateway.db import Database
from gateway.models import audit as am
from gateway.models import payments as pm
from gateway.rules import finance
from gateway.settings import Settings
from tests.conftest import SEED_TODAY
from tests.graph import callers, global_id
from tests.test_outage import ADD_ADJUSTMENT, open_statement, remove_statement

# -- which exceptions mean "the database is not answering" --------------------------------


def wrapped(cls: type[sa_exc.DBAPIError], orig: BaseException, **kw: Any) -> sa_exc.DBAPIError:
    return cls("SELECT 1", {}, orig, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.TooManyConnectionsError("too many clients already"),
        sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
        wrapped(
            sa_exc.InterfaceError,
            asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        ),
        wrapped(sa_exc.DBAPIError, Exception("server closed"), connection_invalidated=True),
        wrapped(sa_exc.OperationalError, Exception("could not connect to server")),
        wrapped(sa_exc.OperationalError, sqlite3.OperationalError("unable to open database file")),
        wrapped(sa_exc.OperationalError, sqlite3.OperationalError("database is locked")),
    ],
    ids=repr,
)
def test_database_unavailable_is_service_unavailable(error: BaseException) -> None:
    failure = failures.classify(error)
    assert failure is not None and failure.code == "SERVICE_UNAVAILABLE"


def test_a_statement_cancelled_by_the_time_limit_is_timeout() -> None:
    cancelled = asyncpg.exceptions.QueryCanceledError(
        "canceling statement due to statement timeout"
    )
    failure = failures.classify(wrapped(sa_exc.DBAPIError, cancelled))
    assert failure is not None and failure.code == "TIMEOUT"


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        KeyError("a bug"),
        wrapped(sa_exc.OperationalError, sqlite3.OperationalError("no such table: x")),
        wrapped(sa_exc.IntegrityError, Exception("duplicate key")),
        wrapped(sa_exc.DBAPIError, Exception("syntax error"), connection_invalidated=False),
    ],
    ids=repr,
)
def test_faults_stay_internal_errors(error: BaseException) -> None:
    assert failures.classify(error) is None


# -- through the app ------------------------------------------------------------------------


def assert_retryable(response: httpx.Response, code: str) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-Request-Id"]
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["retryable"] is True
    assert error["extensions"]["requestId"] == response.headers["X-Request-Id"]
    return error


@pytest.mark.own_database
async def test_sqlite_database_unavailable_is_503(tmp_path: Path, settings: Settings) -> None:
    # A folder where the database file should be: SQLite cannot open it.
    (tmp_path / "gateway.db").mkdir()
    broken = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/gateway.db",
        jwt_secret=settings.jwt_secret,
    )
    app = create_app(broken)
    admin = mint_development_token(broken, Role.ADMIN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        # A JWT needs no database to check: the read fails.
        read = await c.post(
            "/graphql",
            json={"query": "{ teachers(first: 1) { edges { node { id } } } }"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        # An API token is looked up in the database: checking it fails.
        signed_in = await c.post(
            "/graphql",
            json={"query": "{ teachers(first: 1) { edges { node { id } } } }"},
            headers={"Authorization": "Bearer ecf_lp_" + "x" * 43},
        )
    error = assert_retryable(read, "SERVICE_UNAVAILABLE")
    assert "database is not answering" in error["message"]
    assert "sqlite" not in read.text.lower() and str(tmp_path) not in read.text
    error = assert_retryable(signed_in, "SERVICE_UNAVAILABLE")
    assert error["message"].startswith("Credentials cannot be checked right now")


async def test_a_request_past_the_time_limit_is_timeout(seeded_db: Database) -> None:
    # 1 ms: no page of hundreds of participants is read that fast, on any database.
    tight = dataclasses.replace(seeded_db.settings, request_timeout_seconds=0.001)
    app = create_app(tight, database=seeded_db)
    provider = next(c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER)
    query = "{ teachers(first: 1000) { edges { node { id fullName trainingPeriods { id } } } } }"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {provider.token}"}
        )
    error = assert_retryable(response, "TIMEOUT")
    assert "took longer than this service allows" in error["message"]
    assert response.json()["data"] is None
    # The database is fine afterwards: the same page under the usual limit is answered.
    app = create_app(seeded_db.settings, database=seeded_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {provider.token}"}
        )
    assert response.status_code == 200 and "errors" not in response.json()
    assert len(response.json()["data"]["teachers"]["edges"]) > 100


async def test_a_write_past_the_time_limit_is_rolled_back(
    seeded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The adjustment and its audit event are written (flushed) inside the transaction,
    then the request stalls past its limit: nothing of it may be kept."""
    add_adjustment = finance.add_adjustment

    async def slow_after_writing(*args: Any, **kwargs: Any) -> Any:
        result = await add_adjustment(*args, **kwargs)
        await asyncio.sleep(5)  # slow work after the INSERTs, inside the transaction
        return result

    monkeypatch.setattr(finance, "add_adjustment", slow_after_writing)
    statement_id = await open_statement(seeded_db)
    try:
        limited = dataclasses.replace(seeded_db.settings, request_timeout_seconds=0.5)
        app = create_app(limited, database=seeded_db, clock=FixedClock(SEED_TODAY))
        token = mint_development_token(limited, Role.FINANCE)
        variables = {
            "input": {
                "statementId": global_id("Statement", statement_id),
                "description": "past the time limit",
                "amount": "5.00",
            }
        }
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.post(
                "/graphql",
                json={"query": ADD_ADJUSTMENT, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert_retryable(response, "TIMEOUT")
        async with seeded_db.session() as s:
            adjustments = await s.scalar(
                sa.select(sa.func.count()).where(
                    pm.StatementAdjustment.statement_id == statement_id
                )
            )
            events = await s.scalar(
                sa.select(sa.func.count()).where(am.Event.statement_id == statement_id)
            )
            updated_at = await s.scalar(
                sa.select(pm.Statement.updated_at).where(pm.Statement.id == statement_id)
            )
        assert (adjustments, events) == (0, 0)
        # The statement's updatedAt (touched by the write) is as it was.
        noon = dt.datetime.combine(SEED_TODAY, dt.time(12), tzinfo=dt.UTC)
        assert updated_at is not None and updated_at.replace(tzinfo=dt.UTC) == noon
    finally:
        await remove_statement(seeded_db, statement_id)


async def test_postgresql_stops_statements_at_the_time_limit(seeded_db: Database) -> None:
    url = make_url(seeded_db.settings.database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("SQLite has no statement timeout; the request's time limit covers it")
    limited = dataclasses.replace(seeded_db.settings, request_timeout_seconds=0.2)
    database = Database.serving(limited)
    try:
        async with database.session() as s:
            assert await s.scalar(sa.text("SHOW statement_timeout")) == "200ms"
            with pytest.raises(sa_exc.DBAPIError) as raised:
                await s.execute(sa.text("SELECT pg_sleep(2)"))
        failure = failures.classify(raised.value)
        assert failure is not None and failure.code == "TIMEOUT"
    finally:
        await database.dispose()


async def test_a_bug_outside_execution_is_a_json_500_with_the_request_id(
    seeded_db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure after the request was read and before GraphQL execution answers (here
    the response shaping breaks) reaches the caller as the masked error, with the id of
    the log line that holds the traceback, not Starlette's plain-text page."""
    from gateway import transport

    def broken(*_: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(transport, "shape_result", broken)
    app = create_app(seeded_db.settings, database=seeded_db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://gateway.test",
    ) as client:
        response = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    request_id = error["extensions"]["requestId"]
    assert response.headers["X-Request-Id"] == request_id
    assert "secret internals" not in response.text
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None
