"""Root reads of training: partnerships, delivery partners, lead providers, cohorts."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from strawberry import relay

from gateway.auth import policy
from gateway.context import Context
from gateway.models import training as trm
from gateway.resolvers.pagination import paginate
from gateway.schema.training import ContractPeriod, DeliveryPartner, LeadProvider, SchoolPartnership


def _lpdp_ids(
    *, delivery_partner_id: uuid.UUID | None = None, lead_provider_id: int | None = None
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
    if delivery_partner_id is not None:
        stmt = stmt.where(trm.DeliveryPartner.api_id == delivery_partner_id)
    if lead_provider_id is not None:
        stmt = stmt.where(trm.ActiveLeadProvider.lead_provider_id == lead_provider_id)
    return stmt


async def partnerships(
    ctx: Context,
    *,
    cohorts: list[int] | None,
    updated_since: dt.datetime | None,
    delivery_partner_id: uuid.UUID | None,
    first: int | None,
    after: str | None,
) -> relay.Connection[SchoolPartnership]:
    stmt = ctx.scope.select(trm.SchoolPartnership)
    if cohorts:
        stmt = stmt.where(trm.SchoolPartnership.contract_period_year.in_(cohorts))
    if updated_since:
        stmt = stmt.where(trm.SchoolPartnership.updated_at >= updated_since)
    if delivery_partner_id:
        stmt = stmt.where(
            trm.SchoolPartnership.lead_provider_delivery_partnership_id.in_(
                _lpdp_ids(delivery_partner_id=delivery_partner_id)
            )
        )
    order = [trm.SchoolPartnership.updated_at, trm.SchoolPartnership.id]
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
        partnered = (
            sa.select(trm.LeadProviderDeliveryPartnership.delivery_partner_id)
            .join(
                trm.ActiveLeadProvider,
                trm.ActiveLeadProvider.id
                == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
            )
            .where(trm.ActiveLeadProvider.contract_period_year.in_(cohorts))
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
