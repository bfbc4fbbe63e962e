"""The Starlette application: /graphql (with GraphiQL), /healthz, /readyz and /metrics.

What a request to /graphql must look like (methods, media types, sizes, CSRF) and the
statuses it gets are gateway/transport.py's; this module runs the checked request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult, SubscriptionExecutionResult

from gateway import failures, observability, tracing, transport
from gateway.auth import policy
from gateway.clock import Clock, SystemClock
from gateway.context import Context, request_context
from gateway.db import Database
from gateway.errors import present_errors
from gateway.ide import IDE
from gateway.limits.extension import (
    RateLimited,
    RequestLimits,
    cost_extension,
    rate_limit_headers,
    rate_limited,
)
from gateway.limits.rates import BucketState, buckets_for
from gateway.limits.refusals import RecentRefusals, Remembered, request_key
from gateway.overload import ConcurrencyLimit
from gateway.runtime import tune_gc
from gateway.schema import schema
from gateway.settings import Settings, get_settings
from gateway.trusted.execution import compiled_json
from gateway.trusted.planner import TrustedOperations

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import SpanProcessor

log = logging.getLogger("gateway")


class GatewayGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view inside our unit of work, with our error codes and orjson."""

    ide: IDE  # GraphiQL's page and files, set by create_app
    request_adapter_class = transport.GatewayRequestAdapter

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Clock,
        traced: tracing.Tracing | None = None,
    ) -> None:
        # Queries over GET as the spec allows (mutations never: Strawberry refuses them).
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.database = database
        self.settings = settings
        self.clock = clock
        self.limit = ConcurrencyLimit(
            settings.max_concurrent_requests, settings.max_queued_requests
        )
        self.known_operations = observability.known_operations(settings)
        self.tracing = traced  # GATEWAY_TRACING: a span per request, or None
        self.buckets = buckets_for(settings.redis_url, settings.redis_key_prefix)
        # Trusted documents planned once, here: the compiled path (gateway/trusted).
        self.trusted = TrustedOperations.load(settings)
        self.refusals = RecentRefusals()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The transport checks and reads the request first (a refusal opens no
        session); then it runs inside ``request_context``, which owns the session:
        whatever Strawberry does with the request (execute, refuse, serve the IDE), the
        session is closed once the response has been sent."""
        if scope["type"] != "http":  # no subscriptions: nothing to upgrade to
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        # Server-Timing only outside production (settings refuse it there).
        record = observability.begin(self.settings.server_timing)
        span = self.tracing.start(scope) if self.tracing is not None else None
        # Request.state is scope["state"]: how get_context, execute_operation and
        # process_result find the record, the context and the exchange.
        scope.setdefault("state", {})["record"] = record
        send = record.watch(send)
        try:
            try:
                exchange = await transport.prepare(scope, receive, self.settings.max_request_bytes)
                # A persisted query's hash becomes its text (or is refused as unknown).
                exchange = self.trusted.resolve(exchange)
            except transport.Refusal as refusal:
                record.error_codes.append(refusal.code)
                media_type = transport.refusal_media_type(scope)
                await refusal.response(media_type, record.request_id)(scope, receive, send)
                return
            authorization = Headers(scope=scope).get("authorization")
            key = request_key(authorization, client_host(scope), exchange.request_data)
            if (again := self.refusals.recall(key)) is not None:
                # Refused a moment ago and sent again: held for the rest of the moment,
                # then the same answer without any work (gateway/limits/refusals.py).
                remembered, left = again
                async with self.refusals.holding(left):
                    state = self.refusals.now(remembered)
                if state is not None:
                    record.error_codes.append(RateLimited.code)
                    response = self.repeated_refusal(exchange, record, remembered, state)
                    await response(scope, receive, send)
                    return
            scope["state"]["refusal_key"] = key
            async with (
                self.limit.slot(),
                request_context(
                    self.database, self.settings, authorization, record.request_id, self.clock
                ) as context,
            ):
                record.viewer(context.viewer)
                if (untrusted := self.trusted.refusal_for(context.viewer, exchange)) is not None:
                    record.error_codes.append(untrusted.code)
                    response = untrusted.response(exchange.media_type, record.request_id)
                    await response(scope, receive, send)
                    return
                context.trusted = self.trusted  # the compiled path (CompiledExecution)
                scope["state"].update(context=context, exchange=exchange)
                try:
                    response = await self.run(Request(scope, receive))
                except HTTPException as e:  # Strawberry's refusals, as JSON with a code
                    refused = transport.refusal_from(e)
                    record.error_codes.append(refused.code)
                    response = refused.response(exchange.media_type, record.request_id)
                await response(scope, receive, send)
        except failures.Overloaded as e:
            record.error_codes.append(e.code)
            await failures.refusal(e, record.request_id)(scope, receive, send)
        except Exception as e:
            # A bug outside GraphQL execution (whose errors present_errors masks): logged
            # with its traceback and the request id, answered as JSON with that id, never
            # Starlette's plain-text page or the exception's text.
            log.error("unexpected %s [request %s]", type(e).__name__, record.request_id, exc_info=e)
            record.error_codes.append("INTERNAL_SERVER_ERROR")
            if not record.responded:
                await failures.internal_error(record.request_id)(scope, receive, send)
        finally:
            observability.finish(record, self.known_operations)
            if span is not None:
                tracing.finish(span, record)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        context: Context = request.state.context
        # Only HTTP gets this far (__call__ answers anything else), so this is the
        # sub-response Strawberry copies headers from, never a WebSocket.
        assert isinstance(response, Response)
        response.headers["X-Request-Id"] = context.request_id
        request.state.sub_response = response  # process_result sets its status
        context.limits = RequestLimits(
            self.buckets,
            response,
            client_host(request.scope),
            refusals=self.refusals,
            key=request.state.refusal_key,
        )
        return context

    def repeated_refusal(
        self,
        exchange: transport.Exchange,
        record: observability.RequestRecord,
        remembered: Remembered,
        state: BucketState,
    ) -> Response:
        """The answer ``LimitsExtension`` gave this request a moment ago, with the
        bucket as it stands now: the same status, headers, errors and extensions."""
        requested, limits = remembered.requested, remembered.limits
        refused = rate_limited(requested, state, limits)
        result = ExecutionResult(
            data=None,
            errors=refused.errors,
            extensions=cost_extension(requested, 0, state, limits),
        )
        sub = Response(status_code=429)
        del sub.headers["content-length"]  # as Strawberry's sub-response: the body's comes later
        sub.headers.update({**rate_limit_headers(state, limits), "X-Request-Id": record.request_id})
        response: GraphQLHTTPResponse = {
            "data": None,
            "errors": list(present_errors(result.errors or [], record.request_id)),
            "extensions": result.extensions or {},
        }
        record.requested_cost = requested
        transport.shape_result(exchange, result, response, sub)
        return transport.create_response(self.encode_json(response), sub)

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        """Execute within ``REQUEST_TIMEOUT_SECONDS``. Past it the execution is cancelled:
        SQLAlchemy drops the connection it was using, so its transaction is rolled back,
        and the caller gets TIMEOUT."""
        record: observability.RequestRecord = request.state.record
        for data in request_data if isinstance(request_data, list) else [request_data]:
            record.document(data.query, data.operation_name)
        try:
            async with asyncio.timeout(self.settings.request_timeout_seconds):
                return await super().execute_operation(
                    request, request_adapter, request_data, context, root_value, sub_response
                )
        except TimeoutError:
            timed_out = failures.timed_out()
            result = ExecutionResult(
                data=None, errors=[GraphQLError(timed_out.message, original_error=timed_out)]
            )
            return [result] * len(request_data) if isinstance(request_data, list) else result

    async def parse_http_body(
        self, request_adapter: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The parameters ``transport.prepare`` already read and checked."""
        assert isinstance(request_adapter, transport.GatewayRequestAdapter)
        return request_adapter.exchange.request_data

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            # list(): the response's "errors" is a list of any JSON (list[object]).
            presented = present_errors(result.errors, request.state.context.request_id)
            response["errors"] = list(presented)
            codes = [str(e.get("extensions", {}).get("code")) for e in presented]
            request.state.record.error_codes.extend(codes)
            if (unavailable := failures.http_status(codes)) is not None:
                status, headers = unavailable
                request.state.sub_response.status_code = status
                request.state.sub_response.headers.update(headers)
        if (limits := request.state.context.limits) is not None:
            request.state.record.requested_cost = limits.requested
            request.state.record.actual_cost = limits.actual
        if result.extensions:
            response["extensions"] = result.extensions
        state = request.state
        transport.shape_result(state.exchange, result, response, state.sub_response)
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        return transport.create_response(self.encode_json(response_data), sub_response)

    def encode_json(self, data: object) -> bytes:
        # A compiled root field's JSON, built by the database, goes out as it is.
        return orjson.dumps(data, default=compiled_json)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from local files under a strict CSP (gateway/ide), not from a CDN."""
        return self.ide.page()


def client_host(scope: Scope) -> str:
    """The client's address (anonymous callers' budgets are per address)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    clock: Clock | None = None,
    span_processor: SpanProcessor | None = None,
) -> Starlette:
    """The app; ``clock`` decides "today" for every rule (tests pin it);
    ``span_processor`` receives the spans when ``GATEWAY_TRACING`` is on (tests keep them in
    memory; by default they are batched to the OTLP exporter)."""
    settings = settings or get_settings()
    policy.check_colocation(settings)
    settings.require_token_verification()  # fail closed: no serving without a way to verify
    traced = tracing.Tracing.configure(settings, span_processor)
    owns_database = database is None
    database = database or Database.serving(settings)

    async def healthz(_: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> JSONResponse:
        try:
            await database.ping()
        except Exception as e:  # any failure means not ready; never echo details
            log.warning("readiness check failed: %s", type(e).__name__)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Only a serving process has a lifespan: tests building apps keep CPython's GC.
        tune_gc()
        observability.log_to_stderr()
        yield
        await graphql.buckets.close()
        if traced is not None:
            traced.shutdown()
        if owns_database:
            await database.dispose()

    graphql = GatewayGraphQL(database, settings, clock or SystemClock(), traced)
    observability.IN_FLIGHT.set_function(lambda: graphql.limit.running)
    observability.QUEUED.set_function(lambda: graphql.limit.queued)
    graphql.ide = IDE(settings, database)
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", observability.metrics_endpoint(settings)),
            Route("/graphql", graphql),  # every method: the transport answers 405 itself
            *graphql.ide.routes(),
        ],
        middleware=transport.cors_middleware(settings.cors_allowed_origins),
        lifespan=lifespan,
    )
    app.state.tracing = traced  # None when off; its shutdown sends what is batched
    return app
