"""One JSON log line per GraphQL request, and Prometheus metrics at /metrics (issue 12,
"Logs and metrics"; README, "Running in production")."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.observability import REGISTRY
from tests.graph import callers
from tests.test_statement_counts import count_statements

FIND = "query Find($trn: String) { teacher(trn: $trn) { id fullName } }"
EMAIL = "someone.private@example.com"


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "gateway.requests"]


async def test_one_json_line_per_request_without_tokens_or_personal_data(
    client: httpx.AsyncClient, seeded_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    school = next(c for c in await callers(seeded_db) if c.role is Role.SCHOOL_USER)
    caplog.set_level(logging.INFO, logger="gateway.requests")
    with count_statements(seeded_db) as statements:
        response = await client.post(
            "/graphql",
            json={"query": FIND, "variables": {"trn": EMAIL}, "operationName": "Find"},
            headers={"Authorization": f"Bearer {school.token}"},
        )
    assert response.status_code == 200 and response.json()["data"]["teacher"] is None
    (line,) = request_lines(caplog)
    assert line == {
        "event": "graphql_request",
        "request_id": response.headers["X-Request-Id"],
        "role": "school_user",
        "organisation_id": school.org_id,
        "operation": "Find",
        "document_sha256": hashlib.sha256(FIND.encode()).hexdigest(),
        "duration_ms": line["duration_ms"],
        "status": 200,
        "error_codes": [],
        # The school's lookup from the token, then the teacher.
        "sql_statements": len(statements),
        # One object asked for (gateway/limits/cost.py: objects 1, scalars 0); none
        # returned, the teacher being null.
        "requested_cost": 1,
        "actual_cost": 0,
    }
    assert len(statements) == 2
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert EMAIL not in logged and school.token not in logged and "Bearer" not in logged


async def test_the_line_names_the_error_codes_and_an_unsigned_caller(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.requests")
    token = "not-a-token"
    response = await client.post(
        "/graphql",
        json={"query": "{ teachers(first: 1) { edges { node { id } } } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    (line,) = request_lines(caplog)
    assert line["error_codes"] == ["UNAUTHENTICATED"]
    assert (line["role"], line["organisation_id"], line["operation"]) == (None, None, None)
    assert line["status"] == response.status_code == 200
    assert token not in caplog.text


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_count_requests_errors_durations_and_sql_statements(
    client: httpx.AsyncClient, seeded_db: Database
) -> None:
    school = next(c for c in await callers(seeded_db) if c.role is Role.SCHOOL_USER)
    before = {
        "other_200": sample("gateway_graphql_requests_total", operation="other", status="200"),
        "unauthenticated": sample("gateway_graphql_errors_total", code="UNAUTHENTICATED"),
        "durations": sample("gateway_graphql_request_duration_seconds_count"),
        "sql_sum": sample("gateway_graphql_sql_statements_sum"),
        "costs": sample("gateway_graphql_cost_count"),
    }
    await client.post(
        "/graphql",
        json={"query": FIND, "variables": {"trn": "1234567"}},
        headers={"Authorization": f"Bearer {school.token}"},
    )
    await client.post(
        "/graphql",
        json={"query": "{ teachers(first: 1) { edges { node { id } } } }"},
        headers={"Authorization": "Bearer not-a-token"},
    )
    # "Find" is not one of the documents under operations/: labelled "other".
    assert sample("gateway_graphql_requests_total", operation="other", status="200") == (
        before["other_200"] + 2
    )
    assert sample("gateway_graphql_errors_total", code="UNAUTHENTICATED") == (
        before["unauthenticated"] + 1
    )
    assert sample("gateway_graphql_request_duration_seconds_count") == before["durations"] + 2
    # Two statements for the school's request (its token's school, the teacher), none for
    # the refused token.
    assert sample("gateway_graphql_sql_statements_sum") == before["sql_sum"] + 2
    # Both requests were measured for cost (the refused token's before it was refused).
    assert sample("gateway_graphql_cost_count") == before["costs"] + 2

    # Served from loopback (httpx's ASGI transport calls from 127.0.0.1) in Prometheus' format.
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'gateway_graphql_requests_total{operation="other",status="200"}' in response.text
    assert "gateway_graphql_request_duration_seconds_bucket" in response.text


async def test_a_documented_operation_is_labelled_by_its_name(
    client: httpx.AsyncClient, seeded_db: Database
) -> None:
    school = next(c for c in await callers(seeded_db) if c.role is Role.SCHOOL_USER)
    named = "query SchoolDashboard { viewer { role } }"  # a name from operations/school_user
    before = sample("gateway_graphql_requests_total", operation="SchoolDashboard", status="200")
    await client.post(
        "/graphql", json={"query": named}, headers={"Authorization": f"Bearer {school.token}"}
    )
    after = sample("gateway_graphql_requests_total", operation="SchoolDashboard", status="200")
    assert after == before + 1


async def test_metrics_are_refused_outside_the_allowed_networks(seeded_db: Database) -> None:
    outside = httpx.ASGITransport(
        app=create_app(seeded_db.settings, database=seeded_db), client=("203.0.113.9", 40000)
    )
    async with httpx.AsyncClient(transport=outside, base_url="http://t") as c:
        assert (await c.get("/metrics")).status_code == 404
    allowed = dataclasses.replace(seeded_db.settings, metrics_allowed_networks=("203.0.113.0/24",))
    inside = httpx.ASGITransport(
        app=create_app(allowed, database=seeded_db), client=("203.0.113.9", 40000)
    )
    async with httpx.AsyncClient(transport=inside, base_url="http://t") as c:
        assert (await c.get("/metrics")).status_code == 200
    nobody = dataclasses.replace(seeded_db.settings, metrics_allowed_networks=())
    local = httpx.ASGITransport(app=create_app(nobody, database=seeded_db))
    async with httpx.AsyncClient(transport=local, base_url="http://t") as c:
        assert (await c.get("/metrics")).status_code == 404
