"""Root reads of training: partnerships, delivery partners, lead providers, cohorts."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from strawberry import relay

from gateway.auth import policy
from gateway.context import Context
from gateway.loaders import stamps
from gateway.models import training as trm
from gateway.resolvers.pagination import paginate
from gateway.schema.training import ContractPeriod, DeliveryPartner, LeadProvider, SchoolPartnership


def _lpdp_ids(
    *, delivery_partner_ids: list[uuid.UUID] | None = None, lead_provider_id: int | None = None
) -> sa.Select[int]:
    stmt = (
        sa.select(trm.LeadProviderDeliveryPartnership.id)
        .join(
            trm.ActiveLeadProvider,
            trm.ActiveLeadProvider.id
            == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
        )
        .join(
            trm.DeliveryPartner,
            trm.DeliveryPartner.id == trm.LeadProviderDeliveryPartnership.delivery_partner_id,
        )
    )
    if delivery_partner_ids is not None:
        stmt = stmt.where(trm.DeliveryPartner.api_id.in_(set(delivery_partner_ids)))
    if lead_provider_id is not None:
        stmt = stmt.where(trm.ActiveLeadProvider.lead_provider_id == lead_provider_id)
    return stmt


async def partnerships(
    ctx: Context,
    *,
    cohorts: list[int] | None,
    updated_since: dt.datetime | None,
    delivery_partner_ids: list[uuid.UUID] | None,
    first: int | None,
    after: str | None,
) -> relay.Connection[SchoolPartnership]:
    """Visible partnerships, least recently updated first, by the computed stamp
    (``stamps.partnership_stamp``), which both ``updatedSince`` and the cursor use: a
    partnership that changes during a sync moves behind the cursor and comes again; one
    that does not is neither skipped nor repeated."""
    sp = trm.SchoolPartnership
    stamp = stamps.partnership_stamp(ctx.scope, ctx.now).label("api_updated_at")
    stmt = ctx.scope.select(sp, *sa.inspect(sp).columns, stamp)
    if cohorts:
        stmt = stmt.where(sp.contract_period_year.in_(cohorts))
    if updated_since:
        stmt = stmt.where(stamp >= updated_since)
    if delivery_partner_ids:
        stmt = stmt.where(
            sp.lead_provider_delivery_partnership_id.in_(
                _lpdp_ids(delivery_partner_ids=delivery_partner_ids)
            )
        )
    order = [stamp, sp.id]
    return await paginate(ctx, stmt, order, SchoolPartnership.from_row, first, after)


async def delivery_partners(
    ctx: Context, *, cohorts: list[int] | None, first: int | None, after: str | None
) -> relay.Connection[DeliveryPartner]:
    """Delivery partners by name: for a lead provider the ones it works with, for everyone
    else all of them; with cohorts, those partnered in one of those cohorts."""
    stmt = ctx.scope.select(trm.DeliveryPartner).where(
        policy.delivery_partners_listed(ctx.require_viewer())
    )
    if cohorts:
        # A lead provider: the ones it partners with in those cohorts (v3), not ones it
        # worked with in other years that another provider has in these.
        partnered = (
            sa.select(trm.LeadProviderDeliveryPartnership.delivery_partner_id)
            .join(
                trm.ActiveLeadProvider,
                trm.ActiveLeadProvider.id
                == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
            )
            .where(
                trm.ActiveLeadProvider.contract_period_year.in_(cohorts),
                policy.delivery_partnerships_listed(ctx.require_viewer()),
            )
        )
        stmt = stmt.where(trm.DeliveryPartner.id.in_(partnered))
    order = [trm.DeliveryPartner.name, trm.DeliveryPartner.id]
    return await paginate(ctx, stmt, order, DeliveryPartner.from_row, first, after)


async def lead_providers(ctx: Context) -> list[LeadProvider]:
    rows = await ctx.loaders.fetch(
        ctx.scope.select(trm.LeadProvider).order_by(trm.LeadProvider.name)
    )
    return LeadProvider.many(rows)


async def contract_periods(ctx: Context) -> list[ContractPeriod]:
    rows = await ctx.loaders.fetch(
        ctx.scope.select(trm.ContractPeriod).order_by(trm.ContractPeriod.year)
    )
    return [ContractPeriod(row=r) for r in rows]


async def partnership_by_api_id(ctx: Context, api_id: uuid.UUID) -> SchoolPartnership | None:
    sp = trm.SchoolPartnership
    stamp = stamps.partnership_stamp(ctx.scope, ctx.now).label("api_updated_at")
    rows = await ctx.loaders.fetch(
        ctx.scope.select(sp, *sa.inspect(sp).columns, stamp).where(sp.api_id == api_id)
    )
    return SchoolPartnership.maybe(rows[0] if rows else None)


async def delivery_partner_by_api_id(ctx: Context, api_id: uuid.UUID) -> DeliveryPartner | None:
    """A delivery partner the lists would show you (a lead provider: one it works with,
    as v3's GET /delivery-partners/{id})."""
    rows = await ctx.loaders.fetch(
        ctx.scope.select(trm.DeliveryPartner).where(
            trm.DeliveryPartner.api_id == api_id,
            policy.delivery_partners_listed(ctx.require_viewer()),
        )
    )
    return DeliveryPartner.maybe(rows[0] if rows else None)
