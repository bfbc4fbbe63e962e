"""Row visibility: for each entity, the SQL condition for the rows a Viewer may see.

This is the only place visibility is decided. Every loader and every list query ANDs
the condition returned here into its WHERE clause, so a row outside the caller's scope
is indistinguishable from one that does not exist.

Scopes (DOMAIN.md, "Who uses the graph"):

- admin and finance: everything (finance's restriction is on contact details: fields).
- school user: its own school; the periods at that school; the teachers of those
  periods; their training, mentorships and induction; its partnerships. No money.
- appropriate body user: the teachers it claimed (any induction period with it, open or
  finished), their induction periods, ECT periods, training and the schools and
  partnerships of that training. No mentors, no money.
- lead provider: the participants with a training period in its partnerships or naming
  it in an expression of interest, those periods and the ECT / mentor periods they
  belong to; its partnerships; its own declarations plus earlier billable ones for the
  same participants (so it can see a participant was already paid for); its output
  statements. Every school (school records are public GIAS data; what hangs off a
  school is scoped on its own).

Teacher visibility spans the teachers, schools, inductions and training domains: those
four must share a database (``check_colocation``); payments are scoped on their own.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from gateway.auth.viewer import Role, Viewer
from gateway.models.inductions import AppropriateBody, InductionExtension, InductionPeriod
from gateway.models.payments import Declaration, FeeType, PaymentStatus, Statement
from gateway.models.schools import (
    ECTAtSchoolPeriod,
    MentorAtSchoolPeriod,
    MentorshipPeriod,
    School,
)
from gateway.models.teachers import Teacher
from gateway.models.training import (
    ActiveLeadProvider,
    LeadProviderDeliveryPartnership,
    SchoolPartnership,
    TrainingPeriod,
)
from gateway.settings import Settings

EVERYTHING: ColumnElement[bool] = sa.true()
NOTHING: ColumnElement[bool] = sa.false()

SCOPE_DOMAINS = ("teachers", "schools", "inductions", "training")


class ColocationError(RuntimeError):
    pass


def check_colocation(settings: Settings) -> None:
    """Refuse to serve when teacher visibility would need SQL across databases."""
    urls = {settings.url_for(d) for d in SCOPE_DOMAINS}
    if len(urls) > 1:
        raise ColocationError(
            "TEACHERS, SCHOOLS, INDUCTIONS and TRAINING databases must be the same: teacher "
            "visibility is decided by SQL across them (payments and audit may live apart)"
        )


# -- building blocks: the ids a viewer reaches, as subqueries ---------------------------


def _lead_provider_partnership_ids(lead_provider_id: int) -> sa.Select[tuple[int]]:
    return (
        sa.select(SchoolPartnership.id)
        .join(
            LeadProviderDeliveryPartnership,
            LeadProviderDeliveryPartnership.id
            == SchoolPartnership.lead_provider_delivery_partnership_id,
        )
        .join(
            ActiveLeadProvider,
            ActiveLeadProvider.id == LeadProviderDeliveryPartnership.active_lead_provider_id,
        )
        .where(ActiveLeadProvider.lead_provider_id == lead_provider_id)
    )


def _lead_provider_active_ids(lead_provider_id: int) -> sa.Select[tuple[int]]:
    return sa.select(ActiveLeadProvider.id).where(
        ActiveLeadProvider.lead_provider_id == lead_provider_id
    )


def _lead_provider_training(lead_provider_id: int) -> ColumnElement[bool]:
    return sa.or_(
        TrainingPeriod.school_partnership_id.in_(_lead_provider_partnership_ids(lead_provider_id)),
        TrainingPeriod.expression_of_interest_id.in_(_lead_provider_active_ids(lead_provider_id)),
    )


def _school_teacher_ids(school_id: int) -> sa.CompoundSelect:
    return sa.union(
        sa.select(ECTAtSchoolPeriod.teacher_id).where(ECTAtSchoolPeriod.school_id == school_id),
        sa.select(MentorAtSchoolPeriod.teacher_id).where(
            MentorAtSchoolPeriod.school_id == school_id
        ),
    )


def _appropriate_body_teacher_ids(appropriate_body_id: int) -> sa.Select[tuple[int]]:
    return sa.select(InductionPeriod.teacher_id).where(
        InductionPeriod.appropriate_body_id == appropriate_body_id
    )


def _lead_provider_teacher_ids(lead_provider_id: int) -> sa.Select[tuple[int]]:
    return sa.select(TrainingPeriod.teacher_id).where(_lead_provider_training(lead_provider_id))


def visible_teacher_ids(viewer: Viewer) -> sa.Select[tuple[int]] | sa.CompoundSelect | None:
    """The ids of teachers the viewer may see, or None for everyone."""
    match viewer.role:
        case Role.SCHOOL_USER:
            return _school_teacher_ids(_org(viewer.school_id))
        case Role.APPROPRIATE_BODY_USER:
            return _appropriate_body_teacher_ids(_org(viewer.appropriate_body_id))
        case Role.LEAD_PROVIDER:
            return _lead_provider_teacher_ids(_org(viewer.lead_provider_id))
    return None


def _org(value: int | None) -> int:
    if value is None:  # a Viewer is built with its organisation; never guess a scope
        raise ValueError("viewer has no organisation for its role")
    return value


# -- one function per entity ------------------------------------------------------------


def teachers(viewer: Viewer) -> ColumnElement[bool]:
    ids = visible_teacher_ids(viewer)
    return EVERYTHING if ids is None else Teacher.id.in_(ids)


def schools(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.SCHOOL_USER:
            return School.id == _org(viewer.school_id)
        case Role.APPROPRIATE_BODY_USER:
            return School.id.in_(
                sa.select(ECTAtSchoolPeriod.school_id).where(
                    ECTAtSchoolPeriod.teacher_id.in_(
                        _appropriate_body_teacher_ids(_org(viewer.appropriate_body_id))
                    )
                )
            )
    return EVERYTHING


def ect_at_school_periods(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.SCHOOL_USER:
            return ECTAtSchoolPeriod.school_id == _org(viewer.school_id)
        case Role.APPROPRIATE_BODY_USER:
            return ECTAtSchoolPeriod.teacher_id.in_(
                _appropriate_body_teacher_ids(_org(viewer.appropriate_body_id))
            )
        case Role.LEAD_PROVIDER:
            return ECTAtSchoolPeriod.id.in_(
                sa.select(TrainingPeriod.ect_at_school_period_id).where(
                    _lead_provider_training(_org(viewer.lead_provider_id))
                )
            )
    return EVERYTHING


def mentor_at_school_periods(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.SCHOOL_USER:
            return MentorAtSchoolPeriod.school_id == _org(viewer.school_id)
        case Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case Role.LEAD_PROVIDER:
            return MentorAtSchoolPeriod.id.in_(
                sa.select(TrainingPeriod.mentor_at_school_period_id).where(
                    _lead_provider_training(_org(viewer.lead_provider_id))
                )
            )
    return EVERYTHING


def mentorship_periods(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.is_dfe:
        return EVERYTHING
    if viewer.role is Role.SCHOOL_USER:
        return MentorshipPeriod.ect_at_school_period_id.in_(
            sa.select(ECTAtSchoolPeriod.id).where(ect_at_school_periods(viewer))
        )
    # Appropriate bodies and lead providers see who mentors an ECT only through the
    # mentor's own visibility; the pairing itself is the school's business.
    return NOTHING


def training_periods(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.SCHOOL_USER:
            return sa.or_(
                TrainingPeriod.ect_at_school_period_id.in_(
                    sa.select(ECTAtSchoolPeriod.id).where(ect_at_school_periods(viewer))
                ),
                TrainingPeriod.mentor_at_school_period_id.in_(
                    sa.select(MentorAtSchoolPeriod.id).where(mentor_at_school_periods(viewer))
                ),
            )
        case Role.APPROPRIATE_BODY_USER:
            return TrainingPeriod.ect_at_school_period_id.in_(
                sa.select(ECTAtSchoolPeriod.id).where(ect_at_school_periods(viewer))
            )
        case Role.LEAD_PROVIDER:
            return _lead_provider_training(_org(viewer.lead_provider_id))
    return EVERYTHING


def induction_periods(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return InductionPeriod.teacher_id.in_(visible_teacher_ids(viewer))
        case Role.LEAD_PROVIDER:
            return NOTHING
    return EVERYTHING


def induction_facts(viewer: Viewer) -> ColumnElement[bool]:
    """Induction periods read only to derive a visible teacher's funding eligibility.

    A lead provider may not see induction periods, but may see whether its participant is
    eligible for funding, which is derived from them. Loaders built on this rule never
    hand rows to the graph, only the derived value.
    """
    ids = visible_teacher_ids(viewer)
    return EVERYTHING if ids is None else InductionPeriod.teacher_id.in_(ids)


def school_funding(viewer: Viewer) -> ColumnElement[bool]:
    """A school's uplift flags go with the school."""
    from gateway.models.schools import SchoolFunding

    condition = schools(viewer)
    if condition is EVERYTHING:
        return EVERYTHING
    return SchoolFunding.school_id.in_(sa.select(School.id).where(condition))


def mentor_facts(viewer: Viewer) -> ColumnElement[bool]:
    """Mentorships read only to name a visible ECT period's mentor by participant id.

    Lead providers' enrolments carry the mentor's participant id (as the REST API did)
    even when the mentor trains elsewhere; the mentor themself stays invisible.
    """
    return MentorshipPeriod.ect_at_school_period_id.in_(
        sa.select(ECTAtSchoolPeriod.id).where(ect_at_school_periods(viewer))
    )


def induction_extensions(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return InductionExtension.teacher_id.in_(visible_teacher_ids(viewer))
        case Role.LEAD_PROVIDER:
            return NOTHING
    return EVERYTHING


def school_partnerships(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.SCHOOL_USER:
            return SchoolPartnership.school_id == _org(viewer.school_id)
        case Role.APPROPRIATE_BODY_USER:
            return SchoolPartnership.id.in_(
                sa.select(TrainingPeriod.school_partnership_id).where(training_periods(viewer))
            )
        case Role.LEAD_PROVIDER:
            return SchoolPartnership.id.in_(
                _lead_provider_partnership_ids(_org(viewer.lead_provider_id))
            )
    return EVERYTHING


BILLABLE = (PaymentStatus.ELIGIBLE, PaymentStatus.PAYABLE, PaymentStatus.PAID)


def declarations(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.LEAD_PROVIDER:
            lead_provider_id = _org(viewer.lead_provider_id)
            return sa.or_(
                Declaration.lead_provider_id == lead_provider_id,
                sa.and_(
                    Declaration.payment_status.in_(BILLABLE),
                    Declaration.teacher_id.in_(_lead_provider_teacher_ids(lead_provider_id)),
                ),
            )
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
    return NOTHING


def statements(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.LEAD_PROVIDER:
            return sa.and_(
                Statement.lead_provider_id == _org(viewer.lead_provider_id),
                Statement.fee_type == FeeType.OUTPUT,
            )
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
    return NOTHING


def delivery_partners_listed(viewer: Viewer) -> ColumnElement[bool]:
    """Which delivery partners a list shows: a lead provider's own (as the REST API's
    /delivery-partners did); everyone else all. Any may still be reached by id."""
    from gateway.models.training import DeliveryPartner

    if viewer.role is not Role.LEAD_PROVIDER:
        return public(viewer)
    return DeliveryPartner.id.in_(
        sa.select(LeadProviderDeliveryPartnership.delivery_partner_id)
        .join(
            ActiveLeadProvider,
            ActiveLeadProvider.id == LeadProviderDeliveryPartnership.active_lead_provider_id,
        )
        .where(ActiveLeadProvider.lead_provider_id == _org(viewer.lead_provider_id))
    )


def public(viewer: Viewer) -> ColumnElement[bool]:
    """Reference data every signed-in caller may read: appropriate bodies (schools must
    pick one), lead providers, delivery partners, cohorts and schedules."""
    del viewer
    return EVERYTHING


def condition_for(model: type, viewer: Viewer) -> ColumnElement[bool]:
    """The visibility condition for ``model``; a model without a rule is never readable."""
    try:
        rule = RULES[model]
    except KeyError:
        raise LookupError(f"no visibility rule for {model.__name__}") from None
    return rule(viewer)


def _rules() -> dict[type, object]:
    from gateway.models import payments, training
    from gateway.models import schools as schools_models

    return {
        Teacher: teachers,
        School: schools,
        ECTAtSchoolPeriod: ect_at_school_periods,
        MentorAtSchoolPeriod: mentor_at_school_periods,
        MentorshipPeriod: mentorship_periods,
        TrainingPeriod: training_periods,
        InductionPeriod: induction_periods,
        InductionExtension: induction_extensions,
        SchoolPartnership: school_partnerships,
        Declaration: declarations,
        Statement: statements,
        AppropriateBody: public,
        payments.StatementAdjustment: _statement_children,
        schools_models.SchoolFunding: school_funding,
        training.LeadProvider: public,
        training.DeliveryPartner: public,
        training.ContractPeriod: public,
        training.ActiveLeadProvider: public,
        training.LeadProviderDeliveryPartnership: public,
        training.Schedule: public,
        training.Milestone: public,
    }


def _statement_children(viewer: Viewer) -> ColumnElement[bool]:
    from gateway.models.payments import StatementAdjustment

    return StatementAdjustment.statement_id.in_(sa.select(Statement.id).where(statements(viewer)))


RULES = _rules()


# -- field rules: personal data ---------------------------------------------------------


def may_read_email(
    viewer: Viewer, *, school_id: int, supervising_appropriate_body_id: int | None
) -> bool:
    """Email: the employing school, the appropriate body supervising now, and DfE admin.

    Finance never sees contact details; lead providers neither (DOMAIN.md's rule wins
    over the older REST API, which returned it).
    """
    match viewer.role:
        case Role.ADMIN:
            return True
        case Role.SCHOOL_USER:
            return viewer.school_id == school_id
        case Role.APPROPRIATE_BODY_USER:
            return supervising_appropriate_body_id == viewer.appropriate_body_id
    return False


def may_read_induction_tutor_email(viewer: Viewer, *, school_id: int) -> bool:
    return viewer.role is Role.ADMIN or (
        viewer.role is Role.SCHOOL_USER and viewer.school_id == school_id
    )
