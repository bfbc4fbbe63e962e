"""Root reads of schools."""

from __future__ import annotations

import sqlalchemy as sa
from strawberry import relay

from gateway.context import Context
from gateway.models import schools as sm
from gateway.models import training as trm
from gateway.resolvers.pagination import paginate
from gateway.schema.schools import School


async def schools(
    ctx: Context,
    *,
    cohort: int | None,
    eligible: bool | None,
    name_contains: str | None,
    first: int | None,
    after: str | None,
) -> relay.Connection[School]:
    """Visible schools by URN. With a cohort: schools that can partner in it (eligible, or
    already in a partnership that year), as the Lead Provider API's schools list does."""
    stmt = ctx.scope.select(sm.School)
    if cohort is not None:
        # Partnerships the caller may see: a lead provider learns of its own only.
        partnered = ctx.scope.ids(trm.SchoolPartnership.school_id).where(
            trm.SchoolPartnership.contract_period_year == cohort
        )
        stmt = stmt.where(sa.or_(sm.School.eligible, sm.School.id.in_(partnered)))
    if eligible is not None:
        stmt = stmt.where(sm.School.eligible if eligible else sa.not_(sm.School.eligible))
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(sm.School.name.ilike(f"%{escaped}%", escape="\\"))
    return await paginate(ctx, stmt, [sm.School.urn], School.from_row, first, after)


async def school_by_urn(ctx: Context, urn: str) -> School | None:
    rows = await ctx.loaders.fetch(ctx.scope.select(sm.School).where(sm.School.urn == urn))
    return School.maybe(rows[0] if rows else None)
