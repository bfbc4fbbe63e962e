"""The database goes away mid-run and comes back (issue 12, "Time and failure").

The gateway talks to PostgreSQL through a TCP proxy on 127.0.0.1 that the test cuts
(refusing new connections and aborting open ones) and restores: the shared PostgreSQL
server is never stopped. Finance adds statement adjustments and a lead provider reads
its participants, continuously, before, during and after the outage. Expected (README,
"Errors"): during it every request is an HTTP 503 with ``Retry-After`` and the code
SERVICE_UNAVAILABLE; afterwards requests succeed again without a restart; every write
acknowledged with success is in the database, and no write is half-made (an adjustment
always comes with its audit event).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from gateway.app import create_app
from gateway.auth import api_tokens, policy
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.clock import FixedClock
from gateway.context import request_context
from gateway.db import Database
from gateway.models import audit as am
from gateway.models import payments as pm
from gateway.settings import Settings
from tests.conftest import GRAPH_SCHEMA, SEED_TODAY
from tests.graph import global_id
from tests.tcp_proxy import TcpProxy

ADD_ADJUSTMENT = (
    Path(__file__).parent.parent / "operations" / "finance" / "AddStatementAdjustment.graphql"
).read_text()
READ = "{ teachers(first: 5) { edges { node { id fullName } } } }"
NOON = dt.datetime.combine(SEED_TODAY, dt.time(12), tzinfo=dt.UTC)


@dataclass
class Outcome:
    kind: str  # "write" or "read"
    sent: str  # the phase when it was sent: before, outage, after
    answered: str  # the phase when its answer came
    status: int
    headers: httpx.Headers
    body: dict[str, Any]
    description: str = ""

    @property
    def acknowledged(self) -> bool:
        if self.status != 200 or "errors" in self.body:
            return False
        if self.kind == "write":
            payload = self.body["data"]["addStatementAdjustment"]
            return payload["userErrors"] == [] and payload["adjustment"] is not None
        return True


async def until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        await asyncio.sleep(0.05)


async def open_statement(db: Database) -> int:
    """An open output statement of its own (a year no seed or test uses), for the writes."""
    async with db.session() as s:
        contract = (await s.execute(sa.select(pm.Contract).limit(1))).scalar_one()
        row = pm.Statement(
            contract_id=contract.id,
            lead_provider_id=contract.lead_provider_id,
            contract_period_year=contract.contract_period_year,
            month=1,
            year=2290,
            deadline_date=SEED_TODAY - dt.timedelta(days=1),
            payment_date=SEED_TODAY + dt.timedelta(days=24),
            status=pm.StatementStatus.OPEN,
            fee_type=pm.FeeType.OUTPUT,
            created_at=NOON,
            updated_at=NOON,
        )
        s.add(row)
        await s.commit()
        return row.id


async def remove_statement(db: Database, statement_id: int) -> None:
    async with db.session() as s:
        await s.execute(sa.delete(am.Event).where(am.Event.statement_id == statement_id))
        await s.execute(
            sa.delete(pm.StatementAdjustment).where(
                pm.StatementAdjustment.statement_id == statement_id
            )
        )
        await s.execute(sa.delete(pm.Statement).where(pm.Statement.id == statement_id))
        await s.commit()


async def written(db: Database, statement_id: int) -> tuple[list[str], list[str]]:
    """The descriptions of the statement's adjustments, and of its adjustment events."""
    async with db.session() as s:
        adjustments = await s.scalars(
            sa.select(pm.StatementAdjustment.description).where(
                pm.StatementAdjustment.statement_id == statement_id
            )
        )
        events = await s.scalars(
            sa.select(am.Event.modifications).where(
                am.Event.statement_id == statement_id,
                am.Event.event_type == "statement_adjustment_added",
            )
        )
        return list(adjustments), [e["description"][1] for e in events]


async def test_database_outage_is_503_then_recovers_and_keeps_every_acknowledged_write(
    seeded_db: Database,
) -> None:
    url = make_url(seeded_db.settings.database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip(
            "a network outage needs a database server: the PostgreSQL run covers it "
            "(test_sqlite_database_unavailable_is_503 covers SQLite)"
        )
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    proxied = url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    settings = Settings(
        environment="test", database_url=proxied, jwt_secret=seeded_db.settings.jwt_secret
    )
    database = Database(settings, connect_args={"server_settings": {"search_path": GRAPH_SCHEMA}})
    statement_id = await open_statement(seeded_db)
    async with seeded_db.session() as s:
        lead_provider_id = await s.scalar(sa.select(pm.Contract.lead_provider_id).limit(1))
        provider_token = await api_tokens.issue(s, lead_provider_id, "outage test")
        await s.commit()
    finance_token = mint_development_token(settings, Role.FINANCE)

    app = create_app(settings, database=database, clock=FixedClock(SEED_TODAY))
    outcomes: list[Outcome] = []
    phase = "before"
    stop = asyncio.Event()

    async def writer(client: httpx.AsyncClient, w: int) -> None:
        for n in range(400):  # bounded: the phases below end it well before
            if stop.is_set():
                return
            description = f"outage test {w}-{n}"
            sent = phase
            response = await client.post(
                "/graphql",
                json={
                    "query": ADD_ADJUSTMENT,
                    "variables": {
                        "input": {
                            "statementId": global_id("Statement", statement_id),
                            "description": description,
                            "amount": "1.00",
                        }
                    },
                },
                headers={"Authorization": f"Bearer {finance_token}"},
            )
            outcomes.append(
                Outcome(
                    "write",
                    sent,
                    phase,
                    response.status_code,
                    response.headers,
                    response.json(),
                    description,
                )
            )
            await asyncio.sleep(0.02)

    async def reader(client: httpx.AsyncClient) -> None:
        for _ in range(400):
            if stop.is_set():
                return
            sent = phase
            response = await client.post(
                "/graphql",
                json={"query": READ},
                headers={"Authorization": f"Bearer {provider_token}"},
            )
            outcomes.append(
                Outcome(
                    "read", sent, phase, response.status_code, response.headers, response.json()
                )
            )
            await asyncio.sleep(0.02)

    def count(kind: str, sent: str, ok: bool) -> int:
        return sum(
            1
            for o in outcomes
            if o.kind == kind and o.sent == sent and o.answered == sent and o.acknowledged is ok
        )

    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            loops = asyncio.gather(writer(c, 1), writer(c, 2), writer(c, 3), reader(c))
            try:
                await until(lambda: count("write", "before", True) >= 6, 30, "writes before")
                phase = "outage"
                await proxy.cut()
                await until(
                    lambda: (
                        count("write", "outage", False) >= 6 and count("read", "outage", False) >= 3
                    ),
                    15,
                    "refusals during the outage",
                )
                ready = await c.get("/readyz")
                assert ready.status_code == 503
                phase = "after"
                await proxy.restore()
                await until(
                    lambda: (
                        count("write", "after", True) >= 6 and count("read", "after", True) >= 3
                    ),
                    30,
                    "recovery after the outage",
                )
                assert (await c.get("/readyz")).status_code == 200
            finally:
                stop.set()
                await loops
    finally:
        await proxy.close()
        await database.dispose()

    try:
        # Every answer is a success or a retryable 503; nothing else (no INTERNAL_SERVER_ERROR).
        for o in outcomes:
            if o.acknowledged:
                continue
            assert o.status == 503, (o.status, o.body)
            assert int(o.headers["Retry-After"]) > 0
            codes = {e["extensions"]["code"] for e in o.body["errors"]}
            assert codes == {"SERVICE_UNAVAILABLE"}, o.body
            assert all(e["extensions"]["retryable"] is True for e in o.body["errors"])
            assert "postgres" not in str(o.body).lower() and str(port) not in str(o.body)
        # A request sent and answered while the database was away was refused.
        assert not any(o.acknowledged for o in outcomes if o.sent == o.answered == "outage")

        adjustments, events = await written(seeded_db, statement_id)
        acknowledged = {o.description for o in outcomes if o.kind == "write" and o.acknowledged}
        assert acknowledged <= set(adjustments), acknowledged - set(adjustments)
        # Never half-made: each adjustment with its event, once.
        assert sorted(adjustments) == sorted(events)
        assert len(set(adjustments)) == len(adjustments)
    finally:
        await remove_statement(seeded_db, statement_id)


async def test_a_request_whose_connection_dropped_still_closes_cleanly(
    seeded_db: Database,
) -> None:
    """The request's session is closed after its response was sent: a rollback on a
    connection the database dropped must not turn into an exception there."""
    url = make_url(seeded_db.settings.database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a dropped connection needs a database server: the PostgreSQL run covers it")
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    settings = Settings(
        environment="test",
        database_url=url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False),
        jwt_secret=seeded_db.settings.jwt_secret,
    )
    database = Database(settings)
    try:
        async with request_context(database, settings, None, "dropped") as context:
            statement = policy.system_read(sa.text("SELECT 1"), "a transaction under way")
            assert await context.session.scalar(statement) == 1
            await proxy.cut()
    finally:
        await proxy.close()
        await database.dispose()
