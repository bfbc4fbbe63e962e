"""OpenTelemetry tracing when GATEWAY_TRACING=otlp (issue 12, "Logs and metrics"; README,
"Running in production"): one span per GraphQL request carrying the log line's fields and
nothing a caller sent; with tracing off (the default) nothing is recorded."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import http.server
import threading
from collections.abc import Sequence

import httpx
import pytest
import sqlalchemy as sa
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from gateway.app import create_app
from gateway.auth.viewer import Role
from gateway.clock import FixedClock
from gateway.db import Database
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.settings import Settings, SettingsError
from gateway.tracing import Tracing
from tests.conftest import SEED_TODAY
from tests.graph import callers

# The TRN and the email travel as variables; another TRN is spelled in the document.
FIND = """query Find($trn: String, $email: String) {
  teacher(trn: $trn) { fullName }
  other: teacher(trn: $email) { fullName }
  literal: teacher(trn: "7654321") { fullName }
}"""


def everything_recorded(spans: Sequence[ReadableSpan]) -> str:
    """Every name and attribute value of every span, and the resource, as one text."""
    parts: list[str] = []
    for span in spans:
        parts.append(span.name)
        for attributes in (span.attributes or {}, span.resource.attributes):
            parts += [f"{k}={v}" for k, v in attributes.items()]
        parts += [event.name for event in span.events]
    return "\n".join(parts)


async def test_a_request_makes_one_span_with_the_log_lines_fields_and_no_personal_data(
    seeded_db: Database,
) -> None:
    school = next(c for c in await callers(seeded_db) if c.role is Role.SCHOOL_USER)
    async with seeded_db.session() as s:
        trn, email = (
            await s.execute(
                sa.select(tm.Teacher.trn, sm.ECTAtSchoolPeriod.email)
                .join(sm.ECTAtSchoolPeriod, sm.ECTAtSchoolPeriod.teacher_id == tm.Teacher.id)
                .where(
                    sm.ECTAtSchoolPeriod.school_id == school.org_id,
                    sm.ECTAtSchoolPeriod.finished_on.is_(None),
                    sm.ECTAtSchoolPeriod.email.is_not(None),
                )
                .order_by(tm.Teacher.id)
                .limit(1)
            )
        ).one()
    exporter = InMemorySpanExporter()
    traced = dataclasses.replace(seeded_db.settings, tracing="otlp")
    app = create_app(
        traced,
        database=seeded_db,
        clock=FixedClock(SEED_TODAY),
        span_processor=SimpleSpanProcessor(exporter),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as client:
        response = await client.post(
            "/graphql",
            json={"query": FIND, "variables": {"trn": trn, "email": email}},
            headers={"Authorization": f"Bearer {school.token}"},
        )
    assert response.status_code == 200, response.text
    teacher = response.json()["data"]["teacher"]
    assert teacher is not None  # the school sees its own ECT

    (span,) = exporter.get_finished_spans()
    assert span.name == "POST /graphql"
    assert span.kind is SpanKind.SERVER
    assert span.parent is None  # a trace of its own
    assert span.status.status_code is StatusCode.UNSET
    assert dict(span.attributes or {}) == {
        "http.request.method": "POST",
        "http.route": "/graphql",
        "http.response.status_code": 200,
        "gateway.request_id": response.headers["X-Request-Id"],
        "gateway.role": "school_user",
        "gateway.organisation_id": school.org_id,
        "gateway.operation": "Find",
        "gateway.document_sha256": hashlib.sha256(FIND.encode()).hexdigest(),
        "gateway.status": 200,
        "gateway.error_codes": (),
        # The school from the token, then its teacher lookups: counted, not asserted here
        # (tests/test_observability.py checks the count against the statements sent).
        "gateway.sql_statements": span.attributes["gateway.sql_statements"],
        # Three teachers asked for, one object each; one came back (the email is no TRN,
        # the literal one is nobody's).
        "gateway.requested_cost": 3,
        "gateway.actual_cost": 1,
    }
    assert span.attributes["gateway.sql_statements"] > 0
    recorded = everything_recorded(exporter.get_finished_spans())
    for secret in (school.token, trn, email, "7654321", teacher["fullName"]):
        assert secret not in recorded
    assert "authorization" not in recorded.lower()
    # The gateway's provider is its own: OpenTelemetry's global one stays the API's proxy.
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


async def test_refused_requests_carry_their_status_and_code(seeded_db: Database) -> None:
    exporter = InMemorySpanExporter()
    traced = dataclasses.replace(seeded_db.settings, tracing="otlp")
    app = create_app(traced, database=seeded_db, span_processor=SimpleSpanProcessor(exporter))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as client:
        response = await client.post(
            "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        brewed = await client.request("BREW", "/graphql")
    assert response.status_code == 400 and brewed.status_code == 405
    span, brew = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 400
    assert span.attributes["gateway.error_codes"] == ("BAD_REQUEST",)
    assert "gateway.role" not in span.attributes  # nobody was identified
    # The caller's mistake, not the server's: the span is not marked failed.
    assert span.status.status_code is StatusCode.UNSET
    # A method HTTP does not define is named _OTHER, never as the caller spelled it.
    assert brew.name == "_OTHER /graphql"
    assert brew.attributes is not None
    assert brew.attributes["http.request.method"] == "_OTHER"
    assert brew.attributes["gateway.error_codes"] == ("METHOD_NOT_ALLOWED",)
    assert "BREW" not in everything_recorded([brew])


async def test_tracing_is_off_by_default_and_records_nothing(seeded_db: Database) -> None:
    assert Settings.from_env({}).tracing == "off"
    assert seeded_db.settings.tracing == "off"
    exporter = InMemorySpanExporter()
    # Even handed a processor, an app whose settings leave tracing off records nothing.
    app = create_app(
        seeded_db.settings, database=seeded_db, span_processor=SimpleSpanProcessor(exporter)
    )
    assert Tracing.configure(seeded_db.settings) is None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as client:
        response = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200
    assert exporter.get_finished_spans() == ()
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def test_gateway_tracing_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.from_env({"GATEWAY_TRACING": "otlp"}).tracing == "otlp"
    assert Settings.from_env({"GATEWAY_TRACING": "OFF"}).tracing == "off"
    with pytest.raises(SettingsError, match="GATEWAY_TRACING is 'jaeger': expected off or otlp"):
        Settings.from_env({"GATEWAY_TRACING": "jaeger"})
    # The SDK reads the standard variables: the service's name, ecf-gateway when unset.
    otlp = Settings(tracing="otlp")
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    default = Tracing.configure(otlp)
    assert default is not None
    default.shutdown()  # nothing was recorded: nothing is sent
    assert default.provider.resource.attributes["service.name"] == "ecf-gateway"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "gateway-staging")
    named = Tracing.configure(otlp)
    assert named is not None
    named.shutdown()
    assert named.provider.resource.attributes["service.name"] == "gateway-staging"


class Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver on 127.0.0.1: keeps each export request's body."""

    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        Collector.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


async def test_spans_reach_the_otlp_endpoint_from_the_environment(
    seeded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default path: the SDK's batches, the OTLP/HTTP exporter, the standard variables."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Collector.received = []
    try:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "5")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "gateway-under-test")
        app = create_app(
            dataclasses.replace(seeded_db.settings, tracing="otlp"), database=seeded_db
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client:
            response = await client.post("/graphql", json={"query": "query Hello { __typename }"})
        assert response.status_code == 200
        app.state.tracing.shutdown()  # what the serving process's lifespan does on exit
    finally:
        server.shutdown()
        server.server_close()
    ((path, body),) = Collector.received
    assert path == "/v1/traces"
    exported = ExportTraceServiceRequest.FromString(body)
    (resource_spans,) = exported.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert service["service.name"] == "gateway-under-test"
    ((span,),) = [scope.spans for scope in resource_spans.scope_spans]
    attributes = {a.key: a.value for a in span.attributes}
    assert span.name == "POST /graphql"
    assert attributes["gateway.request_id"].string_value == response.headers["X-Request-Id"]
    assert attributes["gateway.operation"].string_value == "Hello"
    assert attributes["gateway.status"].int_value == 200
    assert "gateway.role" not in attributes  # no credentials: nobody, as in the log line
