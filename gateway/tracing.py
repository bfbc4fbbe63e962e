"""OpenTelemetry tracing, off unless ``GATEWAY_TRACING=otlp``: one server span per GraphQL
request, exported over OTLP/HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the exporter reads
the standard ``OTEL_*`` variables itself; ``OTEL_SERVICE_NAME`` names the service,
``ecf-gateway`` when unset).

The span carries what the request's log line carries (``RequestRecord.fields``: request
id, role, organisation id, operation name, document SHA-256, status, error codes, SQL
statements, cost) as ``gateway.*`` attributes, and HTTP's method, route and status. Never
the Authorization header, the variables, the document or any argument.

Why not Strawberry's ``OpenTelemetryExtension``: its operation span holds the whole
document as ``query``, and a document may spell a TRN or an email as a literal argument;
its resolver spans hold the arguments unless filtered. A span made from the log line's
fields cannot hold more than the log line does.

An incoming ``traceparent`` is ignored: the gateway faces outside clients, which must not
choose the trace their requests join. Each request starts a trace of its own.

The OpenTelemetry packages are the optional extra ``tracing`` (installed by the image),
imported only when tracing is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.types import Scope

from gateway.observability import RequestRecord
from gateway.settings import Settings, SettingsError

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.trace import Span, Tracer

SERVICE_NAME = "ecf-gateway"
# OpenTelemetry's HTTP conventions: any other method is "_OTHER", so that a caller cannot
# put what it likes into span names.
KNOWN_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
)


@dataclass(frozen=True)
class Tracing:
    """The gateway's own tracer provider: not installed as OpenTelemetry's global one,
    so nothing else in the process (or another app built by tests) exports through it."""

    provider: TracerProvider
    tracer: Tracer

    @classmethod
    def configure(
        cls, settings: Settings, processor: SpanProcessor | None = None
    ) -> Tracing | None:
        """None when tracing is off. ``processor`` replaces the OTLP exporter's batches
        (tests record spans in memory)."""
        if settings.tracing == "off":
            return None
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError:
            raise SettingsError(
                "GATEWAY_TRACING=otlp needs the OpenTelemetry packages: install the "
                "gateway with its tracing extra (pip install -c requirements.lock '.[tracing]')"
            ) from None
        resource = Resource.create()  # OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
        if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
            resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
        provider = TracerProvider(resource=resource)
        # Batches are sent from the SDK's own thread: a slow collector never holds a request.
        provider.add_span_processor(processor or BatchSpanProcessor(OTLPSpanExporter()))
        return cls(provider, provider.get_tracer("gateway"))

    def start(self, scope: Scope) -> Span:
        from opentelemetry.context import Context
        from opentelemetry.trace import SpanKind

        method = scope.get("method", "")
        method = method if method in KNOWN_METHODS else "_OTHER"
        return self.tracer.start_span(
            f"{method} /graphql",
            context=Context(),  # a new trace: see the module's docstring
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "http.route": "/graphql"},
        )

    def shutdown(self) -> None:
        """Send what is still batched (the serving process's lifespan, on the way out)."""
        self.provider.shutdown()


def finish(span: Span, record: RequestRecord) -> None:
    """The request's fields onto its span, and the span ended. A server error (5xx, or a
    masked INTERNAL_SERVER_ERROR) marks the span as failed; the caller's own mistakes
    (4xx) do not, as OpenTelemetry's HTTP conventions say."""
    from opentelemetry.trace import StatusCode

    span.set_attribute("http.response.status_code", record.status)
    for name, value in record.fields().items():
        if value is not None:  # OpenTelemetry attributes have no null
            span.set_attribute(f"gateway.{name}", value)
    if record.status >= 500 or "INTERNAL_SERVER_ERROR" in record.error_codes:
        span.set_status(StatusCode.ERROR)
    span.end()
