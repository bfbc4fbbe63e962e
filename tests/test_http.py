"""GraphQL over HTTP at /graphql (issue 12): media types and statuses as the
GraphQL-over-HTTP specification says, bad requests refused with a 4xx and a stable code
(never a 500, nothing written), header and body sizes bounded, CSRF and CORS.

Expected statuses come from the specification (graphql.github.io/graphql-over-http):
a request error (document does not parse or validate, variables do not coerce) is 400
without ``data`` for ``application/graphql-response+json``, 200 for ``application/json``.
The full outside audit is tests/http_audit (CI runs it).
"""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import sqlalchemy as sa

from gateway.app import create_app
from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.models import audit as am
from gateway.models import payments as pm
from gateway.settings import Settings, SettingsError
from tests.graph import answer, callers, global_id
from tests.live import serve

GQL_RESPONSE = "application/graphql-response+json"
NEW = {"Accept": GQL_RESPONSE}
LEGACY = {"Accept": "application/json"}


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


def refused(response: httpx.Response, status: int, code: str) -> dict:
    """The response is a JSON GraphQL error body with this status and code, no data."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(("application/json", GQL_RESPONSE))
    body = response.json()
    assert "data" not in body, body
    assert codes(response) == [code], body
    assert body["errors"][0]["message"]
    return body


# -- media types and statuses -------------------------------------------------------------


async def test_graphql_response_json_when_asked_with_its_status_codes(client) -> None:
    ok = await client.post("/graphql", json={"query": "{ __typename }"}, headers=NEW)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith(GQL_RESPONSE)
    assert answer(ok.json()) == {"data": {"__typename": "Query"}}

    request_errors = {
        "does not parse": {"query": "{"},
        "does not validate": {"query": "{ noSuchField }"},
        "variables do not coerce": {
            "query": "query($id: ID!) { node(id: $id) { id } }",
            "variables": {"id": None},
        },
    }
    for case, body in request_errors.items():
        new = await client.post("/graphql", json=body, headers=NEW)
        assert new.headers["content-type"].startswith(GQL_RESPONSE), case
        refused(new, 400, "BAD_USER_INPUT")
        # application/json (and no Accept, and */*) keep the legacy 200 with data null.
        for headers in (LEGACY, {"Accept": "*/*"}, {}):
            legacy = await client.post("/graphql", json=body, headers=headers)
            assert legacy.status_code == 200, (case, headers)
            assert legacy.headers["content-type"] == "application/json"
            assert legacy.json()["data"] is None
            assert codes(legacy) == ["BAD_USER_INPUT"], case


async def test_a_field_error_keeps_200_with_the_new_media_type(client) -> None:
    """Errors while executing are not request errors: data is present, so 200."""
    query = "{ teachers(first: 1) { edges { cursor } } }"
    response = await client.post("/graphql", json={"query": query}, headers=NEW)
    assert response.status_code == 200
    body = response.json()
    assert "data" in body and codes(response) == ["UNAUTHENTICATED"]


async def test_accept_is_negotiated_by_weight_and_refused_when_unanswerable(client) -> None:
    query = {"query": "{ __typename }"}
    cases = {
        f"application/json;q=0.9, {GQL_RESPONSE}": GQL_RESPONSE,
        f"{GQL_RESPONSE};q=0.5, application/json": "application/json",
        "text/html, application/*;q=0.8": "application/json",
        f"{GQL_RESPONSE};charset=utf-8": GQL_RESPONSE,
    }
    for accept, expected in cases.items():
        response = await client.post("/graphql", json=query, headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["content-type"].startswith(expected), accept
    for accept in ("text/html", "application/xml", f"{GQL_RESPONSE};q=0"):
        response = await client.post("/graphql", json=query, headers={"Accept": accept})
        refused(response, 406, "NOT_ACCEPTABLE")


# -- bad requests: 4xx with a code, nothing written ---------------------------------------


BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "malformed JSON": (b'{"query": "{ __typename }', "not valid JSON"),
    "not UTF-8": (b'{"query": "{ __typename }", "x": "\xff\xfe"}', "not UTF-8"),
    "100,000 nested arrays": (
        b'{"query": "{ __typename }", "variables": {"a": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}",
        "nested too deeply",
    ),
    "a batch array": (b'[{"query": "{ __typename }"}]', "one operation per request"),
    "a JSON string": (b'"{ __typename }"', "JSON object"),
    "no body": (b"", "no body"),
    "no query": (b'{"qeury": "{ __typename }"}', '"query"'),
    "query not a string": (b'{"query": ["{ __typename }"]}', '"query" must be a string'),
    "operationName not a string": (
        b'{"query": "{ __typename }", "operationName": 1}',
        '"operationName" must be a string',
    ),
    "variables not an object": (
        b'{"query": "{ __typename }", "variables": "{}"}',
        '"variables" must be an object',
    ),
}


@pytest.mark.parametrize("case", BAD_BODIES)
@pytest.mark.parametrize("accept", [NEW, LEGACY])
async def test_bad_bodies_are_400_bad_request(client, case: str, accept: dict) -> None:
    content, says = BAD_BODIES[case]
    response = await client.post(
        "/graphql", content=content, headers={**accept, "Content-Type": "application/json"}
    )
    body = refused(response, 400, "BAD_REQUEST")
    assert says in body["errors"][0]["message"], body
    assert response.headers["x-request-id"]


async def test_an_unknown_operation_name_is_400_bad_user_input(client) -> None:
    two = "query A { __typename } query B { __typename }"
    for accept in (NEW, LEGACY):
        response = await client.post(
            "/graphql", json={"query": two, "operationName": "C"}, headers=accept
        )
        body = refused(response, 400, "BAD_USER_INPUT")
        assert 'no operation named "C"' in body["errors"][0]["message"]
    chosen = await client.post("/graphql", json={"query": two, "operationName": "B"})
    assert answer(chosen.json()) == {"data": {"__typename": "Query"}}


async def test_several_operations_without_a_name_is_a_request_error(client) -> None:
    """GraphQL over HTTP: a document with several operations and no operationName is a
    request error (400 with the new media type; 200 with data null in JSON), never the
    first operation run."""
    two = "query A { __typename } query B { __typename }"
    new = await client.post("/graphql", json={"query": two}, headers=NEW)
    assert new.status_code == 400 and "data" not in new.json()
    legacy = await client.post("/graphql", json={"query": two}, headers=LEGACY)
    assert legacy.status_code == 200 and legacy.json()["data"] is None
    for response in (new, legacy):
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "operationName" in error["message"]


async def test_other_methods_are_405_with_allow(client) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = await client.request(method, "/graphql", json={"query": "{ __typename }"})
        refused(response, 405, "METHOD_NOT_ALLOWED")
        assert response.headers["allow"] == "GET, POST"


async def test_posts_must_be_json(client) -> None:
    """The CSRF defence for POST: forms and simple cross-site fetches cannot send JSON."""
    query = json.dumps({"query": "{ __typename }"})
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
        None,
    ):
        headers = {"Content-Type": content_type} if content_type else {}
        response = await client.post("/graphql", content=query, headers=headers)
        refused(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    for content_type in ("application/json; charset=UTF-8", "Application/JSON"):
        response = await client.post(
            "/graphql", content=query, headers={"Content-Type": content_type}
        )
        assert answer(response.json()) == {"data": {"__typename": "Query"}}, content_type


@pytest.fixture
async def finance_adjustment(seeded_db: Database, client) -> AsyncIterator[tuple[str, dict]]:
    """A finance token and a valid AddStatementAdjustment request on an open output
    statement; afterwards removes the adjustments and audit events made and restores the
    statement's updated_at."""
    finance = next(c for c in await callers(seeded_db) if c.role is Role.FINANCE)
    async with seeded_db.session() as s:
        last_event = await s.scalar(sa.select(sa.func.max(am.Event.id))) or 0
        statement_id = await s.scalar(
            sa.select(pm.Statement.id)
            .where(
                pm.Statement.status == pm.StatementStatus.OPEN,
                pm.Statement.fee_type == pm.FeeType.OUTPUT,
            )
            .order_by(pm.Statement.id)
            .limit(1)
        )
        assert statement_id is not None
        updated_at = await s.scalar(
            sa.select(pm.Statement.updated_at).where(pm.Statement.id == statement_id)
        )
    mutation = {
        "query": "mutation($input: AddStatementAdjustmentInput!) { addStatementAdjustment("
        "input: $input) { adjustment { id } userErrors { code } } }",
        "variables": {
            "input": {
                "statementId": global_id("Statement", statement_id),
                "description": "test_http adjustment",
                "amount": "1.00",
            }
        },
    }
    yield finance.token, mutation
    async with seeded_db.session() as s:
        await s.execute(
            sa.delete(pm.StatementAdjustment).where(
                pm.StatementAdjustment.description == "test_http adjustment"
            )
        )
        await s.execute(sa.delete(am.Event).where(am.Event.id > last_event))
        await s.execute(
            sa.update(pm.Statement)
            .where(pm.Statement.id == statement_id)
            .values(updated_at=updated_at)
        )
        await s.commit()


async def _adjustments(db: Database) -> int:
    async with db.session() as s:
        total = await s.scalar(
            sa.select(sa.func.count()).where(
                pm.StatementAdjustment.description == "test_http adjustment"
            )
        )
    return int(total or 0)


async def test_refused_requests_write_nothing(client, seeded_db, finance_adjustment) -> None:
    token, mutation = finance_adjustment
    auth = {"Authorization": f"Bearer {token}"}
    body = json.dumps(mutation).encode()
    attempts = [
        client.post("/graphql", content=body, headers={**auth, "Content-Type": "text/plain"}),
        client.post(
            "/graphql",
            content=b"[" + body + b"]",
            headers={**auth, **LEGACY, "Content-Type": "application/json"},
        ),  # batch
        client.get(
            "/graphql",
            params={"query": mutation["query"], "variables": json.dumps(mutation["variables"])},
            headers=auth,
        ),
        client.post(
            "/graphql",
            content=body + b"\xff",
            headers={**auth, **LEGACY, "Content-Type": "application/json"},
        ),
    ]
    statuses = [(await attempt).status_code for attempt in attempts]
    assert statuses == [415, 400, 405, 400]
    assert await _adjustments(seeded_db) == 0
    # The same mutation sent properly writes: the refusals above are what stopped it.
    response = await client.post("/graphql", json=mutation, headers=auth)
    assert response.json()["data"]["addStatementAdjustment"]["userErrors"] == [], response.text
    assert await _adjustments(seeded_db) == 1


async def test_a_get_mutation_is_405_allow_post(client) -> None:
    response = await client.get("/graphql", params={"query": "mutation { __typename }"})
    refused(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"


# -- GET queries and cross-site requests --------------------------------------------------


async def test_get_queries_run_with_variables(client) -> None:
    params = {
        "query": "query($name: String!) { __type(name: $name) { name } }",
        "variables": json.dumps({"name": "Query"}),
    }
    for accept in (NEW, LEGACY, {}):
        response = await client.get("/graphql", params=params, headers=accept)
        assert response.status_code == 200
        assert answer(response.json()) == {"data": {"__type": {"name": "Query"}}}
    bad = await client.get("/graphql", params={**params, "variables": "{"})
    refused(bad, 400, "BAD_REQUEST")


async def test_cross_site_simple_gets_are_refused(client) -> None:
    """A page on another site can make a browser GET any URL; Fetch Metadata says so,
    and without a header that needed a CORS preflight the query does not run."""
    params = {"query": "{ __typename }"}
    for site in ("cross-site", "same-site"):
        response = await client.get("/graphql", params=params, headers={"Sec-Fetch-Site": site})
        refused(response, 403, "CROSS_SITE_REQUEST")
        for preflighted in (
            {"X-Requested-With": "XMLHttpRequest"},
            {"Content-Type": "application/json"},
            {"Authorization": "Bearer x"},
        ):
            headers = {"Sec-Fetch-Site": site, **preflighted}
            response = await client.get("/graphql", params=params, headers=headers)
            assert response.status_code == 200, preflighted
    for site in ("same-origin", "none"):
        response = await client.get("/graphql", params=params, headers={"Sec-Fetch-Site": site})
        assert answer(response.json()) == {"data": {"__typename": "Query"}}
    # GraphiQL's page itself (no query) opens from a link on another site.
    page = await client.get(
        "/graphql", headers={"Sec-Fetch-Site": "cross-site", "Accept": "text/html"}
    )
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]


# -- sizes --------------------------------------------------------------------------------


async def test_a_10_mb_body_is_413(client) -> None:
    big = json.dumps({"query": "{ __typename }", "variables": {"x": "a" * 10_000_000}})
    response = await client.post(
        "/graphql", content=big, headers=LEGACY | {"Content-Type": "application/json"}
    )
    assert "1,048,576" in refused(response, 413, "PAYLOAD_TOO_LARGE")["errors"][0]["message"]


async def test_a_streamed_body_is_cut_at_the_limit(seeded_db: Database) -> None:
    """No Content-Length (chunked): reading stops once the limit is passed."""
    settings = dataclasses.replace(seeded_db.settings, max_request_bytes=1000)
    app = create_app(settings, database=seeded_db)
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "x": "'
        for _ in range(100):
            sent.append(1)
            yield b"a" * 100
        yield b'"}'

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.post(
            "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
        )
        small = await c.post("/graphql", json={"query": "{ __typename }"})
    refused(response, 413, "PAYLOAD_TOO_LARGE")
    assert answer(small.json()) == {"data": {"__typename": "Query"}}


async def test_a_long_authorization_header_is_431(client) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Authorization": "Bearer " + "x" * 9000},
    )
    refused(response, 431, "HEADER_TOO_LARGE")


# -- against a real server ----------------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("http")
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/gateway.db",
        "GATEWAY_VAR_DIR": str(tmp / "var"),
        "GATEWAY_ENV": "test",
        "JWT_SECRET": "http-test-secret-" + "x" * 40,
    }
    with serve(env) as url:
        yield url


def _raw(url: str, request: bytes) -> bytes:
    """Send bytes on a fresh connection and read until the server closes it. A read
    waits 4 s at most: a server still waiting for the rest of the request, or keeping
    the connection open until its 5 s keep-alive timeout, fails the test."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=4) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.own_database
def test_live_server_refuses_oversized_headers_without_waiting(live: str) -> None:
    """64 KiB of one header and no end of headers: the server answers at once instead
    of reading on (httptools read 16 MB headers whole)."""
    request = b"POST /graphql HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + b"x" * 65536
    answer = _raw(live, request)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


@pytest.mark.own_database
def test_live_server_refuses_a_declared_10_mb_body_before_it_arrives(live: str) -> None:
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10000000\r\n\r\n"
    )
    # The rest never comes; the server answers and closes the connection (keep-alive
    # would leave it open, waiting for a body nobody reads).
    answer = _raw(live, head + b'{"query": "')
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 413 Request Entity Too Large", answer[:300]
    assert b"connection: close" in rest.lower() and b'"PAYLOAD_TOO_LARGE"' in rest


@pytest.mark.own_database
def test_live_server_answers_431_and_still_serves(live: str) -> None:
    with httpx.Client(base_url=live, timeout=10) as c:
        long = c.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": "Bearer " + "x" * 9000},
        )
        refused(long, 431, "HEADER_TOO_LARGE")
        ok = c.post("/graphql", json={"query": "{ __typename }"}, headers=NEW)
    assert ok.status_code == 200 and answer(ok.json()) == {"data": {"__typename": "Query"}}


# -- CORS ---------------------------------------------------------------------------------

ALLOWED = "https://school.example.gov.uk"


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_cors_allows_only_listed_origins(seeded_db: Database) -> None:
    settings = dataclasses.replace(seeded_db.settings, cors_allowed_origins=(ALLOWED,))
    app = create_app(settings, database=seeded_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        allowed = await c.options("/graphql", headers=_preflight(ALLOWED))
        other = await c.options("/graphql", headers=_preflight("https://evil.example.com"))
        post = await c.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ALLOWED}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    assert post.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in post.headers["access-control-expose-headers"].lower()


async def test_no_cors_headers_by_default(client) -> None:
    preflight = await client.options("/graphql", headers=_preflight(ALLOWED))
    assert preflight.status_code == 405
    assert not any(h.startswith("access-control-") for h in preflight.headers)


def test_settings_read_the_http_limits() -> None:
    settings = Settings.from_env(
        {
            "MAX_REQUEST_BYTES": "2048",
            "MAX_HEADER_BYTES": "32768",
            "CORS_ALLOWED_ORIGINS": f"{ALLOWED}, http://localhost:3000/",
        }
    )
    assert settings.max_request_bytes == 2048 and settings.max_header_bytes == 32768
    assert settings.cors_allowed_origins == (ALLOWED, "http://localhost:3000")
    defaults = Settings.from_env({})
    assert (defaults.max_request_bytes, defaults.cors_allowed_origins) == (1_048_576, ())
    for env in (
        {"MAX_REQUEST_BYTES": "1MB"},
        {"MAX_HEADER_BYTES": "0"},
        {"CORS_ALLOWED_ORIGINS": "*"},
        {"CORS_ALLOWED_ORIGINS": "https://a.example/path"},
    ):
        with pytest.raises(SettingsError):
            Settings.from_env(env)
