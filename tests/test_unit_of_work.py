"""One unit of work per request: the session is closed on every path, a write is one
transaction, and an unexpected error is logged with the request id the caller sees."""

from __future__ import annotations

import logging

import httpx
import pytest
import sqlalchemy as sa

from gateway.app import create_app
from gateway.context import request_context
from gateway.db import Database
from gateway.models.audit import AuthorType, Event
from tests.graph import callers


def checked_out(db: Database) -> int:
    return sum(engine.sync_engine.pool.checkedout() for engine in db.engines.values())


async def test_requests_refused_before_execution_return_their_connection(
    client, seeded_db: Database
) -> None:
    """Malformed JSON, a GET mutation and the GraphiQL page, with a valid token: each used
    to leave a pooled connection checked out (idle in transaction on PostgreSQL)."""
    school = next(c for c in await callers(seeded_db) if c.role.value == "school_user")
    auth = {"Authorization": f"Bearer {school.token}"}
    assert checked_out(seeded_db) == 0
    for i in range(1000):
        match i % 3:
            case 0:
                response = await client.post(
                    "/graphql",
                    content=b'{"query": "{ viewer { role } ',
                    headers={**auth, "Content-Type": "application/json"},
                )
                assert response.status_code == 400
            case 1:
                response = await client.get(
                    "/graphql", params={"query": "mutation { __typename }"}, headers=auth
                )
                assert response.status_code == 405
            case _:
                response = await client.get("/graphql", headers={**auth, "Accept": "text/html"})
                assert response.status_code == 200
    assert checked_out(seeded_db) == 0
    # A request that executes returns its connection too.
    response = await client.post("/graphql", json={"query": "{ viewer { role } }"}, headers=auth)
    assert response.json()["data"]["viewer"]["role"] == "SCHOOL_USER"
    assert checked_out(seeded_db) == 0


async def _events(db: Database, event_type: str) -> int:
    async with db.session() as s:
        return await s.scalar(
            sa.select(sa.func.count()).select_from(Event).where(Event.event_type == event_type)
        )


async def test_a_write_that_fails_after_writing_leaves_nothing(seeded_db: Database) -> None:
    settings = seeded_db.settings
    async with request_context(seeded_db, settings, None, "req-1") as context:
        with pytest.raises(RuntimeError, match="refused after the write"):
            async with context.transaction() as session:
                session.add(Event(event_type="uow-test-rolled-back", author_type=AuthorType.SYSTEM))
                await session.flush()  # the row is in the database's transaction now
                raise RuntimeError("refused after the write")
        assert await _events(seeded_db, "uow-test-rolled-back") == 0
        async with context.transaction() as session:
            session.add(Event(event_type="uow-test-committed", author_type=AuthorType.SYSTEM))
    assert checked_out(seeded_db) == 0
    assert await _events(seeded_db, "uow-test-committed") == 1
    async with seeded_db.session() as s:
        await s.execute(sa.delete(Event).where(Event.event_type == "uow-test-committed"))
        await s.commit()


async def test_an_unexpected_error_is_logged_with_the_request_id_the_caller_gets(
    seeded_db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.resolvers import inductions

    async def broken(ctx) -> list:
        raise ZeroDivisionError("secret detail")

    monkeypatch.setattr(inductions, "appropriate_bodies", broken)
    admin = (await callers(seeded_db))[0]
    app = create_app(seeded_db.settings, database=seeded_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        with caplog.at_level(logging.ERROR, logger="gateway.errors"):
            response = await c.post(
                "/graphql",
                json={"query": "{ appropriateBodies { name } }"},
                headers={"Authorization": f"Bearer {admin.token}"},
            )
    error = response.json()["errors"][0]
    assert error["message"] == "Internal server error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    request_id = error["extensions"]["requestId"]
    assert response.headers["X-Request-Id"] == request_id
    assert "secret detail" not in response.text
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None, "the log has the traceback"
    assert logged[0].exc_info[0] is ZeroDivisionError
