"""GATEWAY_SERVER_TIMING: each response says how many SQL statements its request sent
(bench/load.py reads it from outside the server); off by default, refused in production."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from gateway.app import create_app
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.models import schools as sm
from gateway.settings import Settings, SettingsError

OPERATIONS = Path(__file__).resolve().parent.parent / "operations"
TIMING = re.compile(r'sql;dur=[\d.]+;desc="(\d+) statements", app;dur=[\d.]+')


@pytest.fixture(scope="module")
async def timed_client(seeded_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    settings = dataclasses.replace(seeded_db.settings, server_timing=True)
    app = create_app(settings, database=seeded_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


async def _school_token(db: Database) -> tuple[str, str]:
    async with db.session() as s:
        urn = await s.scalar(
            sa.select(sm.School.urn)
            .join(sm.ECTAtSchoolPeriod, sm.ECTAtSchoolPeriod.school_id == sm.School.id)
            .order_by(sm.School.id)
            .limit(1)
        )
    assert urn is not None
    return mint_development_token(db.settings, Role.SCHOOL_USER, school_urn=urn), urn


def _statements(response: httpx.Response) -> int:
    match = TIMING.fullmatch(response.headers["server-timing"])
    assert match, response.headers["server-timing"]
    return int(match.group(1))


async def _post(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> httpx.Response:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return response


async def test_the_header_counts_the_statements_the_database_received(
    timed_client: httpx.AsyncClient, seeded_db: Database
) -> None:
    token, urn = await _school_token(seeded_db)
    document = (OPERATIONS / "school_user" / "SchoolDashboard.graphql").read_text()
    received: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        received.append(statement)

    engines = [e.sync_engine for e in seeded_db.engines.values()]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", listen)
    try:
        response = await _post(timed_client, token, document, {"urn": urn})
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", listen)
    assert received, "the dashboard reads the database"
    assert _statements(response) == len(received)


async def test_concurrent_requests_each_count_only_their_own(
    timed_client: httpx.AsyncClient, seeded_db: Database
) -> None:
    token, urn = await _school_token(seeded_db)
    dashboard = (OPERATIONS / "school_user" / "SchoolDashboard.graphql").read_text()
    small = "query { school(urn: $urn) { id name } }".replace("query", "query($urn: String!)")
    alone = _statements(await _post(timed_client, token, small, {"urn": urn}))
    heavy = _statements(await _post(timed_client, token, dashboard, {"urn": urn}))
    assert heavy > alone
    together = await asyncio.gather(
        _post(timed_client, token, dashboard, {"urn": urn}),
        _post(timed_client, token, small, {"urn": urn}),
        _post(timed_client, token, dashboard, {"urn": urn}),
    )
    assert [_statements(r) for r in together] == [heavy, alone, heavy]


async def test_off_by_default(client: httpx.AsyncClient, seeded_db: Database) -> None:
    token, urn = await _school_token(seeded_db)
    response = await _post(
        client, token, "query($u: String!) { school(urn: $u) { id } }", {"u": urn}
    )
    assert "server-timing" not in response.headers


def test_production_refuses_it_and_other_values_are_named() -> None:
    with pytest.raises(SettingsError, match="GATEWAY_SERVER_TIMING=on .* production refuses"):
        Settings.from_env(
            {"GATEWAY_ENV": "production", "GATEWAY_SERVER_TIMING": "on", "JWT_SECRET": "x" * 48}
        )
    with pytest.raises(SettingsError, match="GATEWAY_SERVER_TIMING is 'yes': expected on or off"):
        Settings.from_env({"GATEWAY_SERVER_TIMING": "yes"})
    assert Settings.from_env({"GATEWAY_SERVER_TIMING": "on"}).server_timing
    assert not Settings.from_env({}).server_timing
