"""Root reads of inductions: an appropriate body's caseload, and the bodies themselves."""

from __future__ import annotations

from strawberry import relay

from gateway.context import Context
from gateway.models import inductions as im
from gateway.models import teachers as tm
from gateway.resolvers.pagination import page_size, paginate
from gateway.schema.inductions import AppropriateBody, ClaimableTeacher, InductionPeriod


async def induction_periods(
    ctx: Context,
    *,
    current: bool | None,
    appropriate_body_id: int | None,
    first: int | None,
    after: str | None,
) -> relay.Connection[InductionPeriod]:
    """Visible induction periods, oldest start first. For an appropriate body user the
    default is its own caseload (periods it supervises or supervised)."""
    viewer = ctx.require_viewer()
    stmt = ctx.scope.select(im.InductionPeriod)
    body = appropriate_body_id or viewer.appropriate_body_id
    if body is not None:
        stmt = stmt.where(im.InductionPeriod.appropriate_body_id == body)
    if current is not None:
        finished = im.InductionPeriod.finished_on
        stmt = stmt.where(finished.is_(None) if current else finished.is_not(None))
    order = [im.InductionPeriod.started_on, im.InductionPeriod.id]
    return await paginate(ctx, stmt, order, InductionPeriod.from_row, first, after)


async def appropriate_bodies(ctx: Context) -> list[AppropriateBody]:
    rows = await ctx.loaders.fetch(
        ctx.scope.select(im.AppropriateBody).order_by(im.AppropriateBody.name)
    )
    return AppropriateBody.many(rows)


async def claimable_teachers(ctx: Context, first: int | None) -> list[ClaimableTeacher]:
    """Teachers the appropriate body may claim (``policy.claimable_teachers``), by name."""
    size = page_size(ctx, first)
    rows = await ctx.loaders.fetch(
        ctx.scope.claimable(
            tm.Teacher.trn,
            tm.Teacher.trs_first_name,
            tm.Teacher.trs_last_name,
            tm.Teacher.corrected_name,
            tm.Teacher.trs_qts_awarded_on,
        )
        .order_by(tm.Teacher.trs_last_name, tm.Teacher.trs_first_name, tm.Teacher.id)
        .limit(size)
    )
    return [ClaimableTeacher.from_row(r) for r in rows]
