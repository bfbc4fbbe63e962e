"""Overload (issue 12): a process runs at most MAX_CONCURRENT_REQUESTS GraphQL requests
and queues at most MAX_QUEUED_REQUESTS; the rest are refused at once with OVERLOADED
(HTTP 503, Retry-After), before any work: no SQL, no waiting behind everyone else.

A real uvicorn on 127.0.0.1 and 30 concurrent clients, each asking for a page of
participants that takes far longer than it takes all 30 to arrive."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging

import httpx
import pytest

from gateway.app import create_app
from gateway.auth.viewer import Role
from gateway.db import Database
from tests.graph import callers
from tests.live import live

PAGE = "query Page { teachers(first: 1000) { edges { node { id trainingPeriods { id } } } } }"
CLIENTS = 30


async def test_requests_beyond_the_slots_and_the_queue_are_refused_at_once(
    seeded_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    limited = dataclasses.replace(
        seeded_db.settings, max_concurrent_requests=2, max_queued_requests=2
    )
    app = create_app(limited, database=seeded_db)
    provider = next(c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER)
    headers = {"Authorization": f"Bearer {provider.token}"}
    caplog.set_level(logging.INFO, logger="gateway.requests")

    async with live(app) as base:
        # One connection per client, so that all of them reach the server together.
        limits = httpx.Limits(max_connections=CLIENTS)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
            responses = await asyncio.gather(
                *(
                    client.post("/graphql", json={"query": PAGE}, headers=headers)
                    for _ in range(CLIENTS)
                )
            )
            # Afterwards the slots are free again: a request on its own is answered.
            after = await client.post("/graphql", json={"query": PAGE}, headers=headers)

    answered = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code != 200]
    for r in answered:
        assert "errors" not in r.json() and r.json()["data"]["teachers"]["edges"]
    for r in refused:
        assert r.status_code == 503, r.text
        assert int(r.headers["Retry-After"]) >= 1
        (error,) = r.json()["errors"]
        assert error["extensions"]["code"] == "OVERLOADED"
        assert error["extensions"]["retryable"] is True
        assert "busy" in error["message"]
    # At least the two running and the two queued were answered; the rest refused.
    assert len(answered) >= 4 and len(refused) >= 1, (len(answered), len(refused))
    assert after.status_code == 200 and "errors" not in after.json()

    # Refused before any work: no SQL statement (not even the token's lookup).
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "gateway.requests"]
    overloaded = [line for line in lines if line["error_codes"] == ["OVERLOADED"]]
    assert len(overloaded) == len(refused)
    assert all(line["sql_statements"] == 0 and line["status"] == 503 for line in overloaded)
