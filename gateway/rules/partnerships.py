"""Lead providers' rules on school partnerships: create one, change its delivery partner
(DOMAIN.md, "Rules the workflows must enforce: Lead providers").

Followed from the real service (``register-early-career-teachers``:
``API::SchoolPartnerships::{Create,Update}``, ``SchoolPartnerships::Create`` and
``SchoolPartnerships::AssignTrainingPeriods``):

- Create: the cohort exists, has started (today on or after its first day) and is
  enabled; the school exists and is eligible; the delivery partner exists and works with
  the lead provider in that cohort (a lead provider–delivery partner partnership); the
  school has no partnership in that cohort yet. The database also refuses a second one
  (unique school and cohort), so two requests at the same moment end as one row and one
  PARTNERSHIP_EXISTS.
- A new partnership takes over the school's training that so far only had an
  expression of interest naming this lead provider in that cohort (its delivery
  partner becomes visible to the lead provider: those teachers are touched).
- Update: only the caller's own partnership (another's is NOT_FOUND); the new delivery
  partner must work with the lead provider in the partnership's cohort and differ from
  the current one. Teachers training in the partnership are touched.

One difference, on purpose: the real service allows one partnership per lead provider,
delivery partner and school, so a school could partner with two lead providers in a
cohort; this service keeps DOMAIN.md's rule (one per school and cohort), which the
database enforces. The real service also refuses a school that chose only school-led
training for the cohort; that choice is not stored here, so it is not checked.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import Scope, domain_read
from gateway.auth.viewer import Viewer
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.rules import audit
from gateway.rules.common import Clock
from gateway.rules.refusals import Refusal


def _lead_provider_id(viewer: Viewer) -> int:
    if viewer.lead_provider_id is None:  # the permission class admits lead providers only
        raise Refusal("FORBIDDEN", None, "Only a lead provider may do this.")
    return viewer.lead_provider_id


async def _delivery_partner(session: AsyncSession, api_id: uuid.UUID) -> trm.DeliveryPartner:
    partner = await session.scalar(
        sa.select(trm.DeliveryPartner).where(trm.DeliveryPartner.api_id == api_id)
    )
    if partner is None:
        raise Refusal(
            "NOT_FOUND",
            "deliveryPartnerId",
            "No delivery partner has that id: give the apiId of one of your delivery "
            "partners (the deliveryPartners query lists them).",
        )
    return partner


async def _delivery_partnership(
    session: AsyncSession, lead_provider_id: int, year: int, partner: trm.DeliveryPartner
) -> trm.LeadProviderDeliveryPartnership:
    lpdp = await session.scalar(
        sa.select(trm.LeadProviderDeliveryPartnership)
        .join(
            trm.ActiveLeadProvider,
            trm.ActiveLeadProvider.id
            == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
        )
        .where(
            trm.ActiveLeadProvider.lead_provider_id == lead_provider_id,
            trm.ActiveLeadProvider.contract_period_year == year,
            trm.LeadProviderDeliveryPartnership.delivery_partner_id == partner.id,
        )
    )
    if lpdp is None:
        raise Refusal(
            "DELIVERY_PARTNER_NOT_PARTNERED",
            "deliveryPartnerId",
            f"{partner.name} does not work with you in the {year} cohort: choose one of your "
            f"delivery partners for {year}, or contact DfE.",
        )
    return lpdp


async def _touch_partnership_teachers(
    session: AsyncSession, partnership_id: int, now: dt.datetime
) -> None:
    """The teachers training in the partnership see a new delivery partner: "updated
    since" moves on for each of them (one statement)."""
    await session.execute(
        sa.update(tm.Teacher)
        .where(
            tm.Teacher.id.in_(
                domain_read(
                    sa.select(trm.TrainingPeriod.teacher_id).where(
                        trm.TrainingPeriod.school_partnership_id == partnership_id
                    ),
                    "the teachers whose delivery partner a partnership change moves",
                )
            )
        )
        .values(api_updated_at=now)
        # No teacher of this transaction is loaded: nothing in the session to refresh
        # (and fetching them back would read teachers outside the policy).
        .execution_options(synchronize_session=False)
    )


async def create_partnership(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    cohort: int,
    school_urn: str,
    delivery_partner_id: uuid.UUID,
) -> trm.SchoolPartnership:
    """Partner with a school for a cohort, through one of your delivery partners."""
    lead_provider_id = _lead_provider_id(viewer)
    contract_period = await session.get(trm.ContractPeriod, cohort)
    if contract_period is None:
        raise Refusal("NOT_FOUND", "cohort", f"There is no {cohort} cohort.")
    if contract_period.started_on > clock.today:
        raise Refusal(
            "COHORT_NOT_STARTED",
            "cohort",
            f"The {cohort} cohort starts on {contract_period.started_on}: partnerships for "
            "it can be made from then on.",
        )
    if not contract_period.enabled:
        raise Refusal(
            "COHORT_CLOSED",
            "cohort",
            f"The {cohort} cohort is closed to new partnerships: choose an open cohort.",
        )
    school = await session.scalar(
        Scope(viewer, clock.today).select(sm.School).where(sm.School.urn == school_urn)
    )
    if school is None:
        raise Refusal("NOT_FOUND", "schoolUrn", f"No school has URN {school_urn!r}.")
    if not school.eligible:
        raise Refusal(
            "SCHOOL_NOT_ELIGIBLE",
            "schoolUrn",
            f"{school.name} is not eligible for funded training (it must be open, in "
            "England, and state-funded or an independent school with section 41 "
            "approval): contact the school.",
        )
    partner = await _delivery_partner(session, delivery_partner_id)
    lpdp = await _delivery_partnership(session, lead_provider_id, cohort, partner)
    await _check_no_partnership(session, viewer, clock.today, school, cohort)

    school_id, school_name = school.id, school.name  # a failed flush expires the objects
    partnership = trm.SchoolPartnership(
        school_id=school_id,
        lead_provider_delivery_partnership_id=lpdp.id,
        contract_period_year=cohort,
    )
    session.add(partnership)
    try:
        await session.flush()
    except IntegrityError:
        # Another request made the school's partnership for this cohort at the same moment.
        raise Refusal(
            "PARTNERSHIP_EXISTS",
            "schoolUrn",
            f"{school_name} has just been partnered for {cohort} by another request.",
        ) from None
    attached = await _attach_expressions_of_interest(
        session, viewer, clock, partnership, school_id, lpdp.active_lead_provider_id
    )
    audit.record(
        session,
        viewer,
        "school_partnership_created",
        clock.now,
        audit.changes(
            contract_period_year=(None, cohort),
            delivery_partner_id=(None, partner.id),
            school_partnership_id=(None, partnership.id),
            training_periods_attached=(None, len(attached)),
        ),
        school_id=school_id,
        lead_provider_id=lead_provider_id,
    )
    return partnership


async def _check_no_partnership(
    session: AsyncSession, viewer: Viewer, today: dt.date, school: sm.School, cohort: int
) -> None:
    existing = await session.scalar(
        domain_read(
            sa.select(trm.SchoolPartnership.id).where(
                trm.SchoolPartnership.school_id == school.id,
                trm.SchoolPartnership.contract_period_year == cohort,
            ),
            "a school has one partnership per cohort, whoever made it",
        )
    )
    if existing is None:
        return
    own = await session.scalar(
        Scope(viewer, today)
        .select(trm.SchoolPartnership, trm.SchoolPartnership.api_id)
        .where(trm.SchoolPartnership.id == existing)
    )
    if own is not None:
        raise Refusal(
            "PARTNERSHIP_EXISTS",
            "schoolUrn",
            f"You already partner with {school.name} for {cohort} (partnership {own}): "
            "change its delivery partner instead.",
        )
    raise Refusal(
        "PARTNERSHIP_EXISTS",
        "schoolUrn",
        f"{school.name} already has a partnership with another lead provider for {cohort}: "
        "contact the school.",
    )


async def _attach_expressions_of_interest(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    partnership: trm.SchoolPartnership,
    school_id: int,
    active_lead_provider_id: int,
) -> list[trm.TrainingPeriod]:
    """The school's training with only an expression of interest naming this lead
    provider in this cohort joins the new partnership; one event per teacher."""
    scope = Scope(viewer, clock.today)
    training = list(
        await session.scalars(
            scope.select(trm.TrainingPeriod)
            .where(
                trm.TrainingPeriod.school_partnership_id.is_(None),
                trm.TrainingPeriod.expression_of_interest_id == active_lead_provider_id,
                sa.or_(
                    trm.TrainingPeriod.ect_at_school_period_id.in_(
                        scope.ids(sm.ECTAtSchoolPeriod.id).where(
                            sm.ECTAtSchoolPeriod.school_id == school_id
                        )
                    ),
                    trm.TrainingPeriod.mentor_at_school_period_id.in_(
                        scope.ids(sm.MentorAtSchoolPeriod.id).where(
                            sm.MentorAtSchoolPeriod.school_id == school_id
                        )
                    ),
                ),
            )
            .order_by(trm.TrainingPeriod.id)
            .with_for_update()
        )
    )
    for period in training:
        period.school_partnership_id = partnership.id
    await session.flush()
    if training:
        await _touch_partnership_teachers(session, partnership.id, clock.now)
    for period in training:
        audit.record(
            session,
            viewer,
            "training_period_assigned_to_school_partnership",
            clock.now,
            audit.changes(school_partnership_id=(None, partnership.id)),
            teacher_id=period.teacher_id,
            school_id=school_id,
            lead_provider_id=viewer.lead_provider_id,
            training_period_id=period.id,
        )
    return training


async def update_partnership(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    partnership_id: uuid.UUID,
    delivery_partner_id: uuid.UUID,
) -> trm.SchoolPartnership:
    """Change the delivery partner of one of your partnerships."""
    lead_provider_id = _lead_provider_id(viewer)
    partnership = await session.scalar(
        Scope(viewer, clock.today)
        .select(trm.SchoolPartnership)
        .where(trm.SchoolPartnership.api_id == partnership_id)
        .with_for_update()
    )
    if partnership is None:
        raise Refusal(
            "NOT_FOUND",
            "partnershipId",
            "None of your partnerships has that id: give the apiId of one of yours.",
        )
    partner = await _delivery_partner(session, delivery_partner_id)
    lpdp = await _delivery_partnership(
        session, lead_provider_id, partnership.contract_period_year, partner
    )
    before = partnership.lead_provider_delivery_partnership_id
    if lpdp.id == before:
        raise Refusal(
            "SAME_DELIVERY_PARTNER",
            "deliveryPartnerId",
            f"The partnership is already with {partner.name}: give another delivery partner.",
        )
    old = await session.get(trm.LeadProviderDeliveryPartnership, before)
    partnership.lead_provider_delivery_partnership_id = lpdp.id
    partnership.updated_at = clock.now
    await session.flush()
    await _touch_partnership_teachers(session, partnership.id, clock.now)
    audit.record(
        session,
        viewer,
        "school_partnership_updated",
        clock.now,
        audit.changes(
            delivery_partner_id=(old.delivery_partner_id if old else None, partner.id),
        ),
        school_id=partnership.school_id,
        lead_provider_id=lead_provider_id,
    )
    return partnership
