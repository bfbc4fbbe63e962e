"""DfE's reports: figures about the service, computed in SQL as aggregates (one
statement per report, no rows read into Python), for admin and finance only
(``policy.report_read``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from gateway.auth.policy import report_read
from gateway.context import Context
from gateway.models import inductions as im
from gateway.models import payments as pm
from gateway.models import schools as sm
from gateway.models import training as trm
from gateway.rules.derived import declaration_state_sql


async def _rows(ctx: Context, stmt: Any, name: str) -> Sequence[Any]:
    # Through the loaders' fetch: it takes the session's lock, as sibling fields (two
    # reports in one query) resolve at the same time over one session.
    return await ctx.loaders.fetch(report_read(ctx.require_viewer(), stmt, name))


async def declarations(ctx: Context, cohorts: list[int] | None) -> Sequence[Any]:
    """Declarations by lead provider, cohort, statement, type and state. A clawed-back
    or awaiting-clawback declaration counts on its clawback statement; any other on its
    payment statement."""
    d, s = pm.Declaration, pm.Statement
    state = declaration_state_sql(d.payment_status, d.clawback_status).label("state")
    statement_id = sa.case(
        (d.clawback_status != pm.ClawbackStatus.NO_CLAWBACK, d.clawback_statement_id),
        else_=d.payment_statement_id,
    )
    stmt = (
        sa.select(
            trm.LeadProvider.id.label("lead_provider_id"),
            trm.LeadProvider.name.label("lead_provider_name"),
            s.contract_period_year.label("cohort"),
            s.year.label("statement_year"),
            s.month.label("statement_month"),
            d.declaration_type,
            state,
            sa.func.count().label("count"),
        )
        .select_from(d)
        .join(s, s.id == statement_id)
        .join(trm.LeadProvider, trm.LeadProvider.id == d.lead_provider_id)
        .group_by(
            trm.LeadProvider.id,
            trm.LeadProvider.name,
            s.contract_period_year,
            s.year,
            s.month,
            d.declaration_type,
            state,
        )
        .order_by(
            trm.LeadProvider.name,
            s.contract_period_year,
            s.year,
            s.month,
            d.declaration_type,
            state,
        )
    )
    if cohorts:
        stmt = stmt.where(s.contract_period_year.in_(cohorts))
    return await _rows(ctx, stmt, "declarations by type and state")


async def inductions(ctx: Context) -> Sequence[Any]:
    """Induction periods by appropriate body: open now, passed, failed, and released
    (closed without an outcome)."""
    p = im.InductionPeriod

    def counted(condition: sa.ColumnElement[bool]) -> Any:
        return sa.func.count(p.id).filter(condition)

    stmt = (
        sa.select(
            im.AppropriateBody.id.label("appropriate_body_id"),
            im.AppropriateBody.name.label("appropriate_body_name"),
            counted(p.finished_on.is_(None)).label("open"),
            counted(p.outcome == im.InductionOutcome.PASS).label("passed"),
            counted(p.outcome == im.InductionOutcome.FAIL).label("failed"),
            counted(sa.and_(p.finished_on.is_not(None), p.outcome.is_(None))).label("released"),
        )
        .select_from(im.AppropriateBody)
        .outerjoin(p, p.appropriate_body_id == im.AppropriateBody.id)
        .group_by(im.AppropriateBody.id, im.AppropriateBody.name)
        .order_by(im.AppropriateBody.name)
    )
    return await _rows(ctx, stmt, "induction outcomes by appropriate body")


async def schools_without_partnership(ctx: Context) -> Sequence[Any]:
    """Per cohort, the schools that had ECTs during the contract period but no school
    partnership in it: where training cannot be provider-led yet."""
    cp, e, sp = trm.ContractPeriod, sm.ECTAtSchoolPeriod, trm.SchoolPartnership
    partnered = report_read(
        ctx.require_viewer(),
        sa.select(sp.id).where(sp.school_id == e.school_id, sp.contract_period_year == cp.year),
        "schools with ECTs but no partnership",
    )
    stmt = (
        sa.select(cp.year.label("cohort"), sa.func.count(sa.distinct(e.school_id)).label("schools"))
        .select_from(cp)
        .join(
            e,
            sa.and_(
                e.started_on <= cp.finished_on,
                sa.or_(e.finished_on.is_(None), e.finished_on >= cp.started_on),
            ),
        )
        .where(~partnered.exists())
        .group_by(cp.year)
        .order_by(cp.year)
    )
    return await _rows(ctx, stmt, "schools with ECTs but no partnership")
