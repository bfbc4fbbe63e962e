"""Turn a request's Authorization header into a Viewer (or the reason it was refused)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth import api_tokens, jwt_tokens
from gateway.auth.errors import AuthError, ForbiddenError
from gateway.auth.policy import system_read
from gateway.auth.viewer import Role, Viewer
from gateway.models.inductions import AppropriateBody
from gateway.models.schools import School
from gateway.settings import Settings


async def authenticate(
    settings: Settings, session: AsyncSession, authorization: str | None
) -> Viewer | None:
    """The Viewer for the header; None when there is no header; AuthError when refused."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("The Authorization header must be 'Bearer <token>'.")
    if api_tokens.looks_like_api_token(token):
        lead_provider_id = await api_tokens.lead_provider_for(session, token)
        if lead_provider_id is None:
            raise AuthError("This API token is not recognised or has been revoked.")
        return Viewer(
            role=Role.LEAD_PROVIDER,
            subject=f"lead_provider:{lead_provider_id}",
            lead_provider_id=lead_provider_id,
        )
    claims = jwt_tokens.decode(settings, token)
    if claims.role is Role.SCHOOL_USER:
        school_id = await session.scalar(
            system_read(
                sa.select(School.id).where(School.urn == claims.school_urn),
                "credentials: the school a token names",
            )
        )
        if school_id is None:
            raise ForbiddenError("The token's school_urn is not a school this service knows.")
        return Viewer(
            role=claims.role,
            subject=claims.subject,
            school_id=school_id,
            school_urn=claims.school_urn,
        )
    if claims.role is Role.APPROPRIATE_BODY_USER:
        if await session.get(AppropriateBody, claims.appropriate_body_id) is None:
            raise ForbiddenError(
                "The token's appropriate_body_id is not an appropriate body this service knows."
            )
        return Viewer(
            role=claims.role,
            subject=claims.subject,
            appropriate_body_id=claims.appropriate_body_id,
        )
    return Viewer(role=claims.role, subject=claims.subject)
