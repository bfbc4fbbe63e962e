"""GraphiQL served from local files under a strict Content-Security-Policy.

The browser code (GraphiQL, React, React DOM) is installed by name with ``npm ci`` from
the pinned ``package.json`` / ``package-lock.json`` and read from
``Settings.graphiql_assets_dir``; nothing is fetched from a CDN when the page loads, so
it works offline and under ``default-src 'self'``. The page's own start-up code is a
file too (``static/boot.js``): the policy allows no inline script.

Routes: the page itself is what ``GET /graphql`` answers to a browser; ``/ide/<file>``
serves the allowed files; ``/ide/config.json`` gives the opening tabs.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from gateway.auth import api_tokens
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.devdata import Choices, choices
from gateway.ide.examples import read_operations, tabs
from gateway.settings import Settings

log = logging.getLogger("gateway.ide")

STATIC = Path(__file__).parent / "static"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # GraphiQL's stylesheet embeds its fonts and icons as data: URLs.
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

# URL name -> file under the npm install (node_modules) folder. Nothing else is served.
NPM_FILES = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}
OWN_FILES = {"boot.js", "ide.css"}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ECF gateway: GraphiQL</title>
<link rel="icon" href="/ide/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ide/graphiql.min.css">
<link rel="stylesheet" href="/ide/ide.css">
</head>
<body>
<div id="graphiql"><p class="ide-loading">Loading GraphiQL…</p></div>
<noscript>GraphiQL needs JavaScript. The API itself answers POST /graphql.</noscript>
<script src="/ide/react.production.min.js"></script>
<script src="/ide/react-dom.production.min.js"></script>
<script src="/ide/graphiql.min.js"></script>
<script src="/ide/boot.js"></script>
</body>
</html>
"""

MISSING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ECF gateway: GraphiQL is not installed</title>
<link rel="stylesheet" href="/ide/ide.css"></head>
<body class="ide-missing">
<h1>GraphiQL's files are not installed</h1>
<p>The gateway serves GraphiQL from local files, never from a CDN. Install them once with
npm (it reads the versions pinned in <code>package-lock.json</code>), then reload this page:</p>
<pre>npm ci --omit=dev</pre>
<p>Run it in the gateway's project folder{where}. The GraphQL API works without them:
send <code>POST /graphql</code> with any GraphQL client.</p>
</body>
</html>
"""

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<circle cx="8" cy="8" r="7" fill="#1d70b8"/></svg>'
)


class IDE:
    """GraphiQL's page, files and opening tabs for one app."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.assets = Path(settings.graphiql_assets_dir)
        self._lead_provider_tokens: dict[int, str] = {}

    @staticmethod
    def files_installed(settings: Settings) -> bool:
        assets = Path(settings.graphiql_assets_dir)
        return all((assets / path).is_file() for path in NPM_FILES.values())

    def installed(self) -> bool:
        return self.files_installed(self.settings)

    def page(self) -> Response:
        if self.installed():
            return HTMLResponse(PAGE, headers=SECURITY_HEADERS)
        where = (
            ""
            if self.settings.is_production
            else f" (<code>{html.escape(str(self.assets.parent))}</code>; or point "
            f"<code>GRAPHIQL_ASSETS_DIR</code> at a <code>node_modules</code> folder that "
            "has them)"
        )
        log.warning("GraphiQL's files are missing from %s: run npm ci", self.assets)
        return HTMLResponse(MISSING.format(where=where), status_code=503, headers=SECURITY_HEADERS)

    async def file(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name == "favicon.svg":
            return Response(FAVICON, media_type="image/svg+xml", headers=SECURITY_HEADERS)
        if name in OWN_FILES:
            path = STATIC / name
        elif name in NPM_FILES:
            path = self.assets / NPM_FILES[name]
        else:
            return Response("Not found.", status_code=404, media_type="text/plain")
        if not path.is_file():
            return Response(
                "GraphiQL's files are not installed: run npm ci.",
                status_code=404,
                media_type="text/plain",
            )
        media_type = "text/css" if name.endswith(".css") else "text/javascript"
        return FileResponse(path, media_type=media_type, headers=SECURITY_HEADERS)

    async def config(self, _: Request) -> JSONResponse:
        """The opening tabs; in development (only) each carries a token of its role."""
        development = self.settings.environment == "development"
        found: Choices | None = None
        async with self.database.session() as session:
            try:
                found = await choices(session)
            except Exception as e:  # an empty or unreachable database: tabs without data
                log.warning("GraphiQL examples without data: %s", type(e).__name__)
            operations = read_operations(Path(self.settings.operations_dir))

            async def token(role: str) -> str | None:
                return await self._token(session, Role(role), found)

            opening = await tabs(operations, found, token if development else None)
            await session.commit()
        return JSONResponse(
            {"endpoint": "/graphql", "tabs": opening},
            headers={**SECURITY_HEADERS, "Cache-Control": "no-store"},
        )

    async def _token(self, session: AsyncSession, role: Role, found: Choices | None) -> str | None:
        """A development token for ``role`` acting for the organisation with most data."""
        if self.settings.environment != "development":  # never, whatever the caller thinks
            return None
        if role in (Role.ADMIN, Role.FINANCE):
            return mint_development_token(self.settings, role, subject="graphiql")
        if found is None:
            return None
        if role is Role.SCHOOL_USER and found.schools:
            return mint_development_token(
                self.settings, role, school_urn=found.schools[0].urn, subject="graphiql"
            )
        if role is Role.APPROPRIATE_BODY_USER and found.appropriate_bodies:
            return mint_development_token(
                self.settings,
                role,
                appropriate_body_id=found.appropriate_bodies[0].id,
                subject="graphiql",
            )
        if role is Role.LEAD_PROVIDER and found.lead_providers:
            provider = found.lead_providers[0].id
            cached = self._lead_provider_tokens.get(provider)
            # A reseed revokes API tokens: check the cached one is still live.
            if cached and await api_tokens.lead_provider_for(session, cached) == provider:
                return cached
            token = await api_tokens.issue(session, provider, "GraphiQL (development)")
            self._lead_provider_tokens[provider] = token
            return token
        return None

    def routes(self) -> list[Route]:
        return [
            Route("/ide/config.json", self.config, methods=["GET"]),
            Route("/ide/{name}", self.file, methods=["GET"]),
        ]
