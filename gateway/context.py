"""The per-request context handed to every resolver."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.errors import AuthError
from gateway.auth.viewer import Role, Viewer
from gateway.loaders import Loaders
from gateway.settings import Settings


@dataclass
class Context:
    settings: Settings
    session: AsyncSession
    viewer: Viewer | None
    auth_error: AuthError | None = None
    today: dt.date = field(default_factory=dt.date.today)
    _loaders: Loaders | None = None
    selection_cache: dict[tuple[int, ...], set[str]] = field(default_factory=dict)

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.session, self.require_viewer())
        return self._loaders

    def require_viewer(self) -> Viewer:
        """The authenticated viewer, or the reason the credentials were refused."""
        if self.viewer is None:
            raise self.auth_error or AuthError(
                "Sign in: send 'Authorization: Bearer <token>' with a JWT or a lead provider "
                "API token."
            )
        return self.viewer

    @property
    def page_cap(self) -> int:
        viewer = self.require_viewer()
        if viewer.role is Role.LEAD_PROVIDER:
            return self.settings.lead_provider_max_page_size
        return self.settings.max_page_size

    async def close(self) -> None:
        await self.session.close()
