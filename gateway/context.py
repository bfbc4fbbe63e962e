"""The per-request context, and the unit of work that owns it.

``request_context`` is the one place a request's database session is opened and
closed: the HTTP view enters it before Strawberry looks at the request, so the session
is closed on every path, including refusals that never execute (bad JSON, GET, the
IDE page). Reads run in the session's implicit transaction and are rolled back at the
end; a mutation field writes inside ``Context.transaction()``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import failures
from gateway.auth import policy
from gateway.auth.credentials import authenticate
from gateway.auth.errors import AuthError, CredentialsUnchecked
from gateway.auth.viewer import Viewer
from gateway.clock import Clock, SystemClock
from gateway.db import Database
from gateway.limits.rules import limits_for
from gateway.loaders import Loaders
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.limits.extension import RequestLimits
    from gateway.trusted.planner import TrustedOperations

log = logging.getLogger("gateway")

SIGN_IN = "Sign in: send 'Authorization: Bearer <token>' with a JWT or a lead provider API token."


@dataclass
class Context:
    settings: Settings
    session: AsyncSession
    viewer: Viewer | None
    auth_error: AuthError | None = None
    request_id: str = ""
    now: dt.datetime = field(default_factory=lambda: SystemClock().now())
    selection_cache: dict[tuple[str | int, ...], set[str]] = field(default_factory=dict)
    limits: RequestLimits | None = None
    """The caller's bucket and this request's cost (set by the HTTP view)."""
    trusted: TrustedOperations | None = None
    """The compiled plans of the trusted documents (set by the HTTP view; None: none)."""

    @property
    def today(self) -> dt.date:
        """The request's date (from the app's clock; one date for the whole request)."""
        return self.now.date()

    @cached_property
    def scope(self) -> policy.Scope:
        """What the viewer may read (raises the credentials' refusal when there is none)."""
        return policy.Scope(self.require_viewer(), self.today)

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.session, self.scope)

    def require_viewer(self) -> Viewer:
        """The authenticated viewer, or the reason the credentials were refused."""
        if self.viewer is None:
            raise self.auth_error or AuthError(SIGN_IN)
        return self.viewer

    @property
    def page_cap(self) -> int:
        return limits_for(self.require_viewer().role, self.settings.limit_overrides).page_size

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One write: committed when the block ends normally, rolled back entirely when
        it raises (a refusal included), so a mutation field is one transaction.

        Whatever the request read before is ended first: a write never commits reads'
        leftovers, and loaders' cached rows stay valid (they are plain rows)."""
        if self.session.in_transaction():
            await self.session.rollback()
        async with self.session.begin():
            if self.session.get_bind().dialect.name == "sqlite":
                # Take SQLite's write lock before reading, so a concurrent write waits
                # for this one instead of failing later on a stale snapshot.
                await self.session.execute(
                    policy.system_read(sa.text("BEGIN IMMEDIATE"), "SQLite write lock")
                )
            yield self.session


@asynccontextmanager
async def request_context(
    database: Database,
    settings: Settings,
    authorization: str | None,
    request_id: str,
    clock: Clock | None = None,
) -> AsyncIterator[Context]:
    """Open the request's session, authenticate, and close the session on every path."""
    session = database.request_session()
    try:
        viewer, error = None, None
        try:
            viewer = await authenticate(settings, session, authorization)
        except AuthError as e:
            error = e
        except Exception as e:  # never a trace to the caller; the session still closes
            log.error("credentials check failed [request %s]: %s", request_id, type(e).__name__)
            failure = failures.classify(e)
            error = CredentialsUnchecked(
                "Credentials cannot be checked right now"
                + (" (the database is not answering)" if failure else "")
                + "; try again in a few seconds.",
                failure.code if failure else None,
            )
        yield Context(
            settings=settings,
            session=session,
            viewer=viewer,
            auth_error=error,
            request_id=request_id,
            now=(clock or SystemClock()).now(),
        )
    finally:
        try:
            await session.close()
        except Exception as e:
            # Rolling back on a connection the database dropped fails; SQLAlchemy has
            # discarded that connection, and the response has been sent already.
            if failures.classify(e) is None:
                raise
            log.warning(
                "request %s: closing its session: %s (the database is not answering)",
                request_id,
                type(e).__name__,
            )
