"""The Starlette application: /graphql (with GraphiQL), /healthz and /readyz."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator

import orjson
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from gateway.auth import policy
from gateway.clock import Clock, SystemClock
from gateway.context import Context, request_context
from gateway.db import Database
from gateway.errors import present_errors
from gateway.ide import IDE
from gateway.runtime import tune_gc
from gateway.schema import schema
from gateway.settings import Settings, get_settings
from gateway.trusted.planner import TrustedOperations

log = logging.getLogger("gateway")


class GatewayGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view inside our unit of work, with our error codes and orjson."""

    ide: IDE  # GraphiQL's page and files, set by create_app

    def __init__(self, database: Database, settings: Settings, clock: Clock) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=False)
        self.database = database
        self.settings = settings
        self.clock = clock
        # Trusted documents planned once, here: the compiled path (gateway/trusted).
        self.trusted = TrustedOperations.load(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every HTTP request runs inside ``request_context``, which owns the session:
        whatever Strawberry does with the request (execute, refuse, serve the IDE), the
        session is closed once the response has been sent."""
        if scope["type"] != "http":  # no subscriptions: nothing to upgrade to
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        authorization = Headers(scope=scope).get("authorization")
        async with request_context(
            self.database, self.settings, authorization, uuid.uuid4().hex, self.clock
        ) as context:
            # Request.state is scope["state"]: how get_context and process_result find it.
            scope.setdefault("state", {})["context"] = context
            # A trusted document the planner compiled answers here; anything else (and
            # a persisted query's text, filled in) goes on to Strawberry.
            outcome = await self.trusted.handle(scope, receive, context)
            if isinstance(outcome, Response):
                await outcome(scope, receive, send)
                return
            await super().__call__(scope, outcome, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        context: Context = request.state.context
        # Only HTTP gets this far (__call__ answers anything else), so this is the
        # sub-response Strawberry copies headers from, never a WebSocket.
        assert isinstance(response, Response)
        response.headers["X-Request-Id"] = context.request_id
        return context

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            # list(): the response's "errors" is a list of any JSON (list[object]).
            response["errors"] = list(
                present_errors(result.errors, request.state.context.request_id)
            )
        if result.extensions:
            response["extensions"] = result.extensions
        return response

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from local files under a strict CSP (gateway/ide), not from a CDN."""
        return self.ide.page()


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    clock: Clock | None = None,
) -> Starlette:
    """The app; ``clock`` decides "today" for every rule (tests pin it)."""
    settings = settings or get_settings()
    policy.check_colocation(settings)
    settings.require_token_verification()  # fail closed: no serving without a way to verify
    owns_database = database is None
    database = database or Database(settings)

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
        yield
        if owns_database:
            await database.dispose()

    graphql = GatewayGraphQL(database, settings, clock or SystemClock())
    graphql.ide = IDE(settings, database)
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *graphql.ide.routes(),
        ],
        lifespan=lifespan,
    )
