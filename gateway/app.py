"""The Starlette application: /graphql (with GraphiQL), /healthz and /readyz."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from gateway.auth import policy
from gateway.auth.credentials import authenticate
from gateway.auth.errors import AuthError, CredentialsUnchecked
from gateway.context import Context
from gateway.db import Database
from gateway.ide import IDE
from gateway.schema import schema
from gateway.settings import Settings, get_settings

log = logging.getLogger("gateway")


class GatewayGraphQL(GraphQL):
    """Strawberry's ASGI view with our context (viewer, session, loaders) and orjson."""

    ide: IDE  # GraphiQL's page and files, set by create_app

    def __init__(self, database: Database, settings: Settings) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=False)
        self.database = database
        self.settings = settings

    async def get_context(self, request: Request, response: Any) -> Context:
        session = self.database.sessionmaker()
        viewer, error = None, None
        try:
            viewer = await authenticate(
                self.settings, session, request.headers.get("authorization")
            )
        except AuthError as e:
            error = e
        except Exception as e:  # never a trace to the caller; the session still closes
            log.error("credentials check failed: %s", type(e).__name__)
            error = CredentialsUnchecked("Credentials cannot be checked right now; try again.")
        return Context(settings=self.settings, session=session, viewer=viewer, auth_error=error)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from local files under a strict CSP (gateway/ide), not from a CDN."""
        return self.ide.page()


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
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
        yield
        if owns_database:
            await database.dispose()

    graphql = GatewayGraphQL(database, settings)
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
