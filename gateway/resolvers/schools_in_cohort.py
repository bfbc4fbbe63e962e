"""Schools in a cohort, as the Lead Provider API's schools list shows them.

The rules come from the real service (register-early-career-teachers):

- Which schools: eligible ones, and ineligible ones in partnership (with anyone) in the
  cohort (``API::Schools::Query``: ``School.eligible`` or ``in_partnership``); none when
  the cohort does not exist.
- ``in_partnership``: the school has a partnership in the cohort, with any provider
  (``Metadata::Handlers::School``).
- ``induction_programme_choice`` (``Schools::TrainingProgramme``): provider_led when a
  mentor at the school trains in the cohort (through a partnership or an expression of
  interest); otherwise, over the school's ECT periods with training in the cohort
  (partnership or expression of interest in it, or school-led training that started
  within its dates), provider_led if any of those periods has provider-led training,
  else school_led; not_yet_known when there are none.
- ``expression_of_interest`` (for the calling provider): a training period at the
  school (ECT or mentor) names the provider for the cohort, by its expression of
  interest, else by its partnership (``School#lead_providers_and_contract_periods_with_
  expression_of_interest_or_school_partnership``).

Every value is computed in one SELECT from rows read under the facts rule
``policy.school_cohort_facts``: only the values leave it. ``updatedAt`` is the latest
change of the school, its partnerships and the training at it (a superset of what moves
the real service's stamp: a row may come again in a sync, never be missed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from gateway.auth import policy
from gateway.auth.viewer import Role
from gateway.context import Context
from gateway.loaders import stamps
from gateway.models import schools as sm
from gateway.models import training as trm
from gateway.models.inductions import TrainingProgramme
from gateway.resolvers.pagination import page_rows
from gateway.schema.schools import SchoolInCohort, SchoolInCohortConnection, SchoolInCohortEdge


def _facts(scope: policy.Scope, model: type, *columns: Any) -> sa.Select[Any]:
    return scope.facts(policy.school_cohort_facts, model, *columns)


def school_in_cohort_select(
    ctx: Context, cohort: int, cohort_dates: tuple[dt.date, dt.date]
) -> tuple[sa.Select[Any], Any]:
    """The visible schools with the cohort's values as labelled columns, and the stamp."""
    scope = ctx.scope
    school = sm.School
    tp = trm.TrainingPeriod
    ect = sm.ECTAtSchoolPeriod
    mentor = sm.MentorAtSchoolPeriod
    sp = trm.SchoolPartnership
    alp = trm.ActiveLeadProvider

    eoi_in_cohort = sa.select(alp.id).where(alp.contract_period_year == cohort)
    partnerships_in_cohort = _facts(scope, sp, sp.id).where(sp.contract_period_year == cohort)

    def trains_in_cohort(t: Any) -> Any:
        return sa.or_(
            t.expression_of_interest_id.in_(eoi_in_cohort),
            t.school_partnership_id.in_(partnerships_in_cohort),
        )

    in_partnership = (
        _facts(scope, sp, sp.id)
        .where(sp.school_id == school.id, sp.contract_period_year == cohort)
        .correlate(school)
        .exists()
    )
    # Each read below starts from the school's own periods (indexed by school) and joins
    # their training (indexed by period), so a page costs index lookups per school, not a
    # scan of all training per school.
    mentor_in_cohort = (
        _facts(scope, mentor, mentor.id)
        .join(tp, tp.mentor_at_school_period_id == mentor.id)
        .where(mentor.school_id == school.id, trains_in_cohort(tp))
        .correlate(school)
        .exists()
    )
    started, finished = cohort_dates
    ect_in_cohort = sa.or_(
        trains_in_cohort(tp),
        sa.and_(
            tp.training_programme == TrainingProgramme.SCHOOL_LED,
            tp.expression_of_interest_id.is_(None),
            tp.school_partnership_id.is_(None),
            tp.started_on >= started,
            tp.started_on <= finished,
        ),
    )
    ect_periods_in_cohort = (
        _facts(scope, ect, ect.id)
        .join(tp, tp.ect_at_school_period_id == ect.id)
        .where(ect.school_id == school.id, ect_in_cohort)
        .correlate(school)
        .exists()
    )
    other = aliased(tp, name="any_training")
    ect_provider_led = (
        _facts(scope, ect, ect.id)
        .join(tp, tp.ect_at_school_period_id == ect.id)
        .join(other, other.ect_at_school_period_id == ect.id)
        .where(
            ect.school_id == school.id,
            ect_in_cohort,
            other.training_programme == TrainingProgramme.PROVIDER_LED,
        )
        .correlate(school)
        .exists()
    )
    choice = sa.case(
        (mentor_in_cohort, "provider_led"),
        (ect_provider_led, "provider_led"),
        (ect_periods_in_cohort, "school_led"),
        else_="not_yet_known",
    )

    def training_at_school(period: Any, key: Any, *columns: Any) -> sa.Select[Any]:
        """``columns`` of the training of the school's ECT (or mentor) periods."""
        return (
            _facts(scope, period, *columns)
            .select_from(period)
            .join(tp, key == period.id)
            .where(period.school_id == school.id)
            .correlate(school)
        )

    viewer = ctx.require_viewer()
    expression_of_interest: Any
    if viewer.role is Role.LEAD_PROVIDER:
        provider_eois = sa.select(alp.id).where(
            alp.contract_period_year == cohort, alp.lead_provider_id == viewer.lead_provider_id
        )
        provider_partnerships = (
            _facts(scope, sp, sp.id)
            .join(
                trm.LeadProviderDeliveryPartnership,
                trm.LeadProviderDeliveryPartnership.id == sp.lead_provider_delivery_partnership_id,
            )
            .join(alp, alp.id == trm.LeadProviderDeliveryPartnership.active_lead_provider_id)
            .where(
                sp.contract_period_year == cohort, alp.lead_provider_id == viewer.lead_provider_id
            )
        )
        names_provider = sa.or_(
            tp.expression_of_interest_id.in_(provider_eois),
            sa.and_(
                tp.expression_of_interest_id.is_(None),
                tp.school_partnership_id.in_(provider_partnerships),
            ),
        )
        expression_of_interest = sa.or_(
            training_at_school(ect, tp.ect_at_school_period_id, tp.id)
            .where(names_provider)
            .exists(),
            training_at_school(mentor, tp.mentor_at_school_period_id, tp.id)
            .where(names_provider)
            .exists(),
        )
    else:  # "interest in you" means nothing to anyone but a lead provider
        expression_of_interest = sa.null()

    ect_training_changed = training_at_school(
        ect, tp.ect_at_school_period_id, sa.func.max(tp.updated_at)
    ).scalar_subquery()
    mentor_training_changed = training_at_school(
        mentor, tp.mentor_at_school_period_id, sa.func.max(tp.updated_at)
    ).scalar_subquery()
    partnership_changed = (
        _facts(scope, sp, sa.func.max(sp.updated_at))
        .where(sp.school_id == school.id)
        .correlate(school)
    ).scalar_subquery()
    stamp = stamps.latest(
        school.updated_at, ect_training_changed, mentor_training_changed, partnership_changed
    ).label("api_updated_at")
    stmt = scope.select(
        school,
        *sa.inspect(school).columns,
        in_partnership.label("in_partnership"),
        choice.label("induction_programme_choice"),
        expression_of_interest.label("expression_of_interest"),
        stamp,
    ).where(sa.or_(school.eligible, in_partnership))
    return stmt, stamp


async def schools_in_cohort(
    ctx: Context,
    *,
    cohort: int,
    urn: str | None,
    updated_since: dt.datetime | None,
    first: int | None,
    after: str | None,
) -> SchoolInCohortConnection:
    """Schools in ``cohort``, least recently updated first (stamp, then id)."""
    period = await ctx.loaders.load(trm.ContractPeriod, cohort)
    if period is None:
        # No such cohort: no schools (the real service answers an empty list too).
        stmt, stamp = school_in_cohort_select(ctx, cohort, (dt.date.min, dt.date.min))
        stmt = stmt.where(sa.false())
    else:
        stmt, stamp = school_in_cohort_select(ctx, cohort, (period.started_on, period.finished_on))
    if urn is not None:
        stmt = stmt.where(sm.School.urn == urn)
    if updated_since is not None:
        stmt = stmt.where(stamp >= updated_since)
    order = [stamp, sm.School.id]
    page, info = await page_rows(ctx, stmt, order, first, after)
    edges = [
        SchoolInCohortEdge(cursor=cursor, node=SchoolInCohort.build(row, cohort))
        for cursor, row in page
    ]
    return SchoolInCohortConnection(page_info=info, edges=edges)
