"""The Viewer: the role a request acts in and the organisation it acts for."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    SCHOOL_USER = "school_user"
    APPROPRIATE_BODY_USER = "appropriate_body_user"
    LEAD_PROVIDER = "lead_provider"
    ADMIN = "admin"
    FINANCE = "finance"


JWT_ROLES = frozenset({Role.SCHOOL_USER, Role.APPROPRIATE_BODY_USER, Role.ADMIN, Role.FINANCE})
"""Roles that sign in with a JWT; lead providers use opaque API tokens instead."""


@dataclass(frozen=True)
class Viewer:
    """An authenticated caller. Exactly the organisation field of its role is set."""

    role: Role
    subject: str
    school_id: int | None = None
    school_urn: str | None = None
    appropriate_body_id: int | None = None
    lead_provider_id: int | None = None

    @property
    def is_dfe(self) -> bool:
        return self.role in (Role.ADMIN, Role.FINANCE)
