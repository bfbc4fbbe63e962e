"""Root reads of payments: declarations and statements."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from strawberry import relay

from gateway.context import Context
from gateway.models import payments as pm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.resolvers.pagination import paginate
from gateway.schema.contracts import Contract
from gateway.schema.payments import Declaration, Statement


async def declarations(
    ctx: Context,
    *,
    cohorts: list[int] | None,
    updated_since: dt.datetime | None,
    participant_ids: list[uuid.UUID] | None,
    delivery_partner_ids: list[uuid.UUID] | None,
    first: int | None,
    after: str | None,
) -> relay.Connection[Declaration]:
    """Visible declarations, least recently updated first (the Lead Provider API's
    participant-declarations list). Lists filter by any of their values; an empty
    list filters nothing, as an empty comma-separated v3 filter does."""
    stmt = ctx.scope.select(pm.Declaration)
    if cohorts:
        # A declaration's statement is of its training's contract period (the real
        # service validates that they agree), and every declaration is on one.
        stmt = stmt.where(
            pm.Declaration.payment_statement_id.in_(
                ctx.scope.ids(pm.Statement.id).where(pm.Statement.contract_period_year.in_(cohorts))
            )
        )
    if updated_since:
        stmt = stmt.where(pm.Declaration.updated_at >= updated_since)
    if participant_ids:
        # Resolved to ids first: teachers and payments may live in different databases.
        teacher_ids = await ctx.loaders.fetch(
            ctx.scope.ids(tm.Teacher.id).where(tm.Teacher.api_id.in_(set(participant_ids)))
        )
        stmt = stmt.where(pm.Declaration.teacher_id.in_([t.id for t in teacher_ids]))
    if delivery_partner_ids:
        partners = await ctx.loaders.fetch(
            ctx.scope.ids(trm.DeliveryPartner.id).where(
                trm.DeliveryPartner.api_id.in_(set(delivery_partner_ids))
            )
        )
        stmt = stmt.where(pm.Declaration.delivery_partner_id.in_([p.id for p in partners]))
    order = [pm.Declaration.updated_at, pm.Declaration.id]
    return await paginate(ctx, stmt, order, Declaration.from_row, first, after)


async def statement_declarations(
    ctx: Context, statement_id: int, first: int | None, after: str | None
) -> relay.Connection[Declaration]:
    """Declarations paid or clawed back on one statement."""
    stmt = ctx.scope.select(pm.Declaration).where(
        sa.or_(
            pm.Declaration.payment_statement_id == statement_id,
            pm.Declaration.clawback_statement_id == statement_id,
        ),
    )
    return await paginate(ctx, stmt, [pm.Declaration.id], Declaration.from_row, first, after)


async def statements(
    ctx: Context,
    *,
    cohorts: list[int] | None,
    updated_since: dt.datetime | None,
    fee_type: pm.FeeType | None,
    first: int | None,
    after: str | None,
) -> relay.Connection[Statement]:
    stmt = ctx.scope.select(pm.Statement)
    if cohorts:
        stmt = stmt.where(pm.Statement.contract_period_year.in_(cohorts))
    if updated_since:
        stmt = stmt.where(pm.Statement.updated_at >= updated_since)
    if fee_type:
        stmt = stmt.where(pm.Statement.fee_type == fee_type)
    order = [pm.Statement.payment_date, pm.Statement.id]
    return await paginate(ctx, stmt, order, Statement.from_row, first, after)


async def declaration_by_api_id(ctx: Context, api_id: uuid.UUID) -> Declaration | None:
    rows = await ctx.loaders.fetch(
        ctx.scope.select(pm.Declaration).where(pm.Declaration.api_id == api_id)
    )
    return Declaration.maybe(rows[0] if rows else None)


async def statement_by_api_id(ctx: Context, api_id: uuid.UUID) -> Statement | None:
    rows = await ctx.loaders.fetch(
        ctx.scope.select(pm.Statement).where(pm.Statement.api_id == api_id)
    )
    return Statement.maybe(rows[0] if rows else None)


async def contracts(ctx: Context, *, cohorts: list[int] | None) -> list[Contract]:
    """Visible contracts (finance and admin all, a lead provider its own), by contract
    period then lead provider. A short list: one contract per provider and period."""
    stmt = ctx.scope.select(pm.Contract)
    if cohorts:
        stmt = stmt.where(pm.Contract.contract_period_year.in_(cohorts))
    stmt = stmt.order_by(
        pm.Contract.contract_period_year, pm.Contract.lead_provider_id, pm.Contract.id
    )
    return Contract.many(await ctx.loaders.fetch(stmt))
