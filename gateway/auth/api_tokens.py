"""Lead providers' opaque API tokens: random, shown once, stored as a SHA-256 digest.

A digest (not a slow password hash) is right here: the token has 256 bits of entropy,
so it cannot be guessed, and every request must look it up quickly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import system_read
from gateway.models.training import LeadProviderAPIToken

TOKEN_PREFIX = "ecf_lp_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_api_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


async def issue(session: AsyncSession, lead_provider_id: int, description: str = "") -> str:
    """Create a token for the lead provider and return it; only its digest is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        LeadProviderAPIToken(
            lead_provider_id=lead_provider_id,
            token_hash=digest(token),
            description=description,
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    await session.flush()
    return token


async def lead_provider_for(session: AsyncSession, token: str) -> int | None:
    """The lead provider id of a live token (and record its use), else None."""
    row = await session.scalar(
        system_read(
            sa.select(LeadProviderAPIToken).where(
                LeadProviderAPIToken.token_hash == digest(token),
                LeadProviderAPIToken.revoked_at.is_(None),
            ),
            "credentials: an API token's lead provider",
        )
    )
    if row is None:
        return None
    now = dt.datetime.now(dt.UTC)
    # Record last use at most once a minute per token, so reads stay reads.
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        await session.execute(
            sa.update(LeadProviderAPIToken)
            .where(LeadProviderAPIToken.id == row.id)
            .values(last_used_at=now)
        )
        await session.commit()
    return row.lead_provider_id
