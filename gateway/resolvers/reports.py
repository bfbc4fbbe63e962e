"""DfE's reports: figures about the service, computed in SQL as aggregates (one
statement per report, no rows read into Python), for admin and finance only
(``policy.report_read``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from gateway.auth.policy import report_read
from gateway.context import Context
from gateway.models import inductions as im
from gateway.models import payments as pm
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.rules.derived import (
    declaration_state_sql,
    enrolment_participant_status_sql,
    training_status_sql,
)


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


async def participants(ctx: Context, cohorts: list[int] | None) -> Sequence[Any]:
    """ECTs and mentors by cohort, lead provider, participant type, training status and
    participant status. Each teacher counts once per participant type, by their latest
    training period (start, then id), as lead providers see enrolments; school-led
    training has no lead provider. Statuses follow the rules in gateway/rules/derived.py
    (in SQL beside them) as of the request's date."""
    viewer = ctx.require_viewer()
    name = "participants by status"
    tp, teacher = trm.TrainingPeriod, tm.Teacher
    is_mentor = tp.mentor_at_school_period_id.is_not(None)
    ranked = report_read(
        viewer,
        sa.select(
            tp.id,
            sa.func.row_number()
            .over(
                partition_by=(tp.teacher_id, is_mentor),
                order_by=(tp.started_on.desc(), tp.id.desc()),
            )
            .label("rank"),
        ),
        name,
    ).subquery("ranked")
    completed = report_read(
        viewer,
        sa.select(im.InductionPeriod.id).where(
            im.InductionPeriod.teacher_id == tp.teacher_id,
            im.InductionPeriod.finished_on.is_not(None),
            im.InductionPeriod.outcome.is_not(None),
        ),
        name,
    ).exists()
    partnership, schedule = trm.SchoolPartnership, trm.Schedule
    lpdp = trm.LeadProviderDeliveryPartnership
    via_partnership = aliased(trm.ActiveLeadProvider, name="via_partnership")
    via_interest = aliased(trm.ActiveLeadProvider, name="via_interest")
    provider_id = sa.func.coalesce(via_partnership.lead_provider_id, via_interest.lead_provider_id)
    cohort = sa.func.coalesce(schedule.contract_period_year, partnership.contract_period_year)
    participant_type = sa.case((is_mentor, "mentor"), else_="ect")
    training_status = training_status_sql(tp)
    participant_status = enrolment_participant_status_sql(tp, teacher, ctx.today, completed)
    columns = (
        cohort.label("cohort"),
        trm.LeadProvider.id.label("lead_provider_id"),
        trm.LeadProvider.name.label("lead_provider_name"),
        participant_type.label("participant_type"),
        training_status.label("training_status"),
        participant_status.label("participant_status"),
    )
    stmt = (
        sa.select(*columns, sa.func.count().label("count"))
        .select_from(tp)
        .join(ranked, sa.and_(ranked.c.id == tp.id, ranked.c.rank == 1))
        .join(teacher, teacher.id == tp.teacher_id)
        .outerjoin(schedule, schedule.id == tp.schedule_id)
        .outerjoin(partnership, partnership.id == tp.school_partnership_id)
        .outerjoin(lpdp, lpdp.id == partnership.lead_provider_delivery_partnership_id)
        .outerjoin(via_partnership, via_partnership.id == lpdp.active_lead_provider_id)
        .outerjoin(via_interest, via_interest.id == tp.expression_of_interest_id)
        .outerjoin(trm.LeadProvider, trm.LeadProvider.id == provider_id)
        .group_by(*columns)
        .order_by(*columns)
    )
    if cohorts:
        stmt = stmt.where(cohort.in_(cohorts))
    return await _rows(ctx, stmt, name)
