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
    mentor_in_cohort = (
        _facts(scope, tp, tp.id)
        .join(mentor, mentor.id == tp.mentor_at_school_period_id)
        .where(mentor.school_id == school.id, trains_in_cohort(tp))
        .correlate(school)
        .exists()
    )
    started, finished = cohort_dates
    ect_periods_in_cohort = (
        _facts(scope, tp, tp.ect_at_school_period_id)
        .join(ect, ect.id == tp.ect_at_school_period_id)
        .where(
            ect.school_id == school.id,
            sa.or_(
                trains_in_cohort(tp),
                sa.and_(
                    tp.training_programme == TrainingProgramme.SCHOOL_LED,
                    tp.expression_of_interest_id.is_(None),
                    tp.school_partnership_id.is_(None),
                    tp.started_on >= started,
                    tp.started_on <= finished,
                ),
            ),
        )
        .correlate(school)
    )
    other = aliased(tp, name="any_training")
    ect_provider_led = (
        _facts(scope, tp, other.id)
        .where(
            other.ect_at_school_period_id.in_(ect_periods_in_cohort),
            other.training_programme == TrainingProgramme.PROVIDER_LED,
        )
        .correlate(school)
        .exists()
    )
    choice = sa.case(
        (mentor_in_cohort, "provider_led"),
        (ect_provider_led, "provider_led"),
        (ect_periods_in_cohort.exists(), "school_led"),
        else_="not_yet_known",
    )

    at_school = sa.or_(
        tp.ect_at_school_period_id.in_(
            _facts(scope, ect, ect.id).where(ect.school_id == school.id).correlate(school)
        ),
        tp.mentor_at_school_period_id.in_(
            _facts(scope, mentor, mentor.id).where(mentor.school_id == school.id).correlate(school)
        ),
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
        expression_of_interest = (
            _facts(scope, tp, tp.id)
            .where(
                at_school,
                sa.or_(
                    tp.expression_of_interest_id.in_(provider_eois),
                    sa.and_(
                        tp.expression_of_interest_id.is_(None),
                        tp.school_partnership_id.in_(provider_partnerships),
                    ),
                ),
            )
            .correlate(school)
            .exists()
        )
    else:  # "interest in you" means nothing to anyone but a lead provider
        expression_of_interest = sa.null()

    training_changed = (
        _facts(scope, tp, sa.func.max(tp.updated_at)).where(at_school).correlate(school)
    ).scalar_subquery()
    partnership_changed = (
        _facts(scope, sp, sa.func.max(sp.updated_at))
        .where(sp.school_id == school.id)
        .correlate(school)
    ).scalar_subquery()
    stamp = stamps.latest(school.updated_at, training_changed, partnership_changed).label(
        "api_updated_at"
    )
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
