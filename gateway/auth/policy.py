"""Row and field visibility: the only place it is decided.

For each entity, a rule maps a Viewer to the SQL condition for the rows it may see. A
rule names every role; a role it does not name sees nothing (``_unnamed``), and mypy
checks that each ``match`` over roles is exhaustive.

Reads cannot forget the rule: a request's session (``RequestSession``) refuses any
SELECT that reads a table other than public reference data unless the SELECT was built
here (``Scope.select`` / ``Scope.ids`` for rows in scope, ``Scope.facts`` for the few
reads that only feed a derived value, ``system_read`` for credentials). The mark is an
execution option, so every nested SELECT carries its own.

Scopes (DOMAIN.md, "Who uses the graph"):

- admin and finance: everything (finance's restriction is on contact details: fields).
- school user: its own school; the periods at that school; the teachers of those
  periods; their training, mentorships and induction; its partnerships. No money.
- appropriate body user: the teachers it claimed (any induction period with it, open or
  finished), their induction periods, ECT periods, training and the schools and
  partnerships of that training. No mentors, no money.
- lead provider: the participants with a training period in its partnerships or naming
  it in an expression of interest, those periods and the ECT / mentor periods they
  belong to; its partnerships; its own declarations, and other providers' declarations
  for the same participant and participant type that are not voided or clawed back and
  dated within one of its own training periods (as the real service shows them); its
  output statements. Every school (school records are public GIAS data; what hangs off
  a school is scoped on its own). Also, as derived views of its participants: their
  transfers (``transfer_facts``) and the mentors of its ECTs it does not train
  (``unfunded_mentors``: name, TRN and ids only).

Teacher visibility spans the teachers, schools, inductions and training domains: those
four must share a database (``check_colocation``). Declarations are scoped against
training periods too, so a lead provider reading declarations needs payments beside
training (see ``declarations``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Never

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, aliased
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement

from gateway.auth.errors import ForbiddenError
from gateway.auth.viewer import Role, Viewer
from gateway.models import payments as pm
from gateway.models import schools as sm
from gateway.models import training as trm
from gateway.models.audit import Event
from gateway.models.inductions import AppropriateBody, InductionExtension, InductionPeriod
from gateway.models.payments import Declaration, FeeType, Statement
from gateway.models.schools import ECTAtSchoolPeriod, MentorAtSchoolPeriod, MentorshipPeriod, School
from gateway.models.teachers import Teacher, TeacherIdChange, TRSInductionStatus
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

Rule = Callable[[Viewer], ColumnElement[bool]]


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


def _unnamed(role: Never) -> ColumnElement[bool]:
    """A role no rule names sees nothing (and mypy reports the rule as not exhaustive)."""
    del role
    return NOTHING


def _org(value: int | None) -> int:
    if value is None:  # a Viewer is built with its organisation; never guess a scope
        raise ValueError("viewer has no organisation for its role")
    return value


# -- building blocks: the ids a viewer reaches, as subqueries ---------------------------
# Each is marked (``_inner``): the policy's own SELECTs are the policy.


def _inner(stmt: Any) -> Any:
    return stmt.execution_options(policy="rule")


def _lead_provider_partnership_ids(lead_provider_id: int) -> sa.Select[int]:
    return _inner(
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


def _lead_provider_active_ids(lead_provider_id: int) -> sa.Select[int]:
    return _inner(
        sa.select(ActiveLeadProvider.id).where(
            ActiveLeadProvider.lead_provider_id == lead_provider_id
        )
    )


def _lead_provider_training(
    lead_provider_id: int, period: type[TrainingPeriod] = TrainingPeriod
) -> ColumnElement[bool]:
    """Training in one of the provider's partnerships or naming it in an expression of
    interest: ``lead_provider_id`` holds exactly that provider (the database refuses a
    value that is not, ``training_0005``), so a provider's training is one index range,
    not a join over its partnerships repeated in every statement."""
    return period.lead_provider_id == lead_provider_id


def _school_teacher_ids(school_id: int) -> sa.CompoundSelect:
    return sa.union(
        _inner(
            sa.select(ECTAtSchoolPeriod.teacher_id).where(ECTAtSchoolPeriod.school_id == school_id)
        ),
        _inner(
            sa.select(MentorAtSchoolPeriod.teacher_id).where(
                MentorAtSchoolPeriod.school_id == school_id
            )
        ),
    )


def _appropriate_body_teacher_ids(appropriate_body_id: int) -> sa.Select[int]:
    return _inner(
        sa.select(InductionPeriod.teacher_id).where(
            InductionPeriod.appropriate_body_id == appropriate_body_id
        )
    )


def _lead_provider_teacher_ids(lead_provider_id: int) -> sa.Select[int]:
    return _inner(
        sa.select(TrainingPeriod.teacher_id).where(_lead_provider_training(lead_provider_id))
    )


def _teacher_ids(viewer: Viewer) -> Any:
    """The ids of teachers a scoped viewer may see (not for admin and finance)."""
    match viewer.role:
        case Role.SCHOOL_USER:
            return _school_teacher_ids(_org(viewer.school_id))
        case Role.APPROPRIATE_BODY_USER:
            return _appropriate_body_teacher_ids(_org(viewer.appropriate_body_id))
        case Role.LEAD_PROVIDER:
            return _lead_provider_teacher_ids(_org(viewer.lead_provider_id))
    raise ValueError(f"{viewer.role} is not scoped by teacher")


def _ids_where(column: Any, condition: ColumnElement[bool]) -> sa.Select[Any]:
    return _inner(sa.select(column).where(condition))


# -- one rule per entity ----------------------------------------------------------------


def teachers(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER | Role.LEAD_PROVIDER:
            return Teacher.id.in_(_teacher_ids(viewer))
        case _:
            return _unnamed(viewer.role)


def teacher_id_changes(viewer: Viewer) -> ColumnElement[bool]:
    """A participant id change goes with the teacher it now points at."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER | Role.LEAD_PROVIDER:
            return TeacherIdChange.teacher_id.in_(_teacher_ids(viewer))
        case _:
            return _unnamed(viewer.role)


def schools(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.ADMIN | Role.FINANCE | Role.LEAD_PROVIDER:
            return EVERYTHING
        case Role.SCHOOL_USER:
            return School.id == _org(viewer.school_id)
        case Role.APPROPRIATE_BODY_USER:
            return School.id.in_(
                _ids_where(
                    ECTAtSchoolPeriod.school_id,
                    ECTAtSchoolPeriod.teacher_id.in_(_teacher_ids(viewer)),
                )
            )
        case _:
            return _unnamed(viewer.role)


def school_funding(viewer: Viewer) -> ColumnElement[bool]:
    """A school's uplift flags go with the school."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE | Role.LEAD_PROVIDER:
            return EVERYTHING
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return sm.SchoolFunding.school_id.in_(_ids_where(School.id, schools(viewer)))
        case _:
            return _unnamed(viewer.role)


def ect_at_school_periods(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER:
            return ECTAtSchoolPeriod.school_id == _org(viewer.school_id)
        case Role.APPROPRIATE_BODY_USER:
            return ECTAtSchoolPeriod.teacher_id.in_(_teacher_ids(viewer))
        case Role.LEAD_PROVIDER:
            return ECTAtSchoolPeriod.id.in_(
                _ids_where(
                    TrainingPeriod.ect_at_school_period_id,
                    _lead_provider_training(_org(viewer.lead_provider_id)),
                )
            )
        case _:
            return _unnamed(viewer.role)


def mentor_at_school_periods(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER:
            return MentorAtSchoolPeriod.school_id == _org(viewer.school_id)
        case Role.APPROPRIATE_BODY_USER:
            return NOTHING  # mentors are outside an appropriate body's scope
        case Role.LEAD_PROVIDER:
            return MentorAtSchoolPeriod.id.in_(
                _ids_where(
                    TrainingPeriod.mentor_at_school_period_id,
                    _lead_provider_training(_org(viewer.lead_provider_id)),
                )
            )
        case _:
            return _unnamed(viewer.role)


def mentorship_periods(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER:
            return MentorshipPeriod.ect_at_school_period_id.in_(
                _ids_where(ECTAtSchoolPeriod.id, ect_at_school_periods(viewer))
            )
        case Role.APPROPRIATE_BODY_USER | Role.LEAD_PROVIDER:
            # They see who mentors an ECT only through the mentor's own visibility (a
            # lead provider: ``mentor_facts``); the pairing is the school's business.
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def training_periods(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER:
            return sa.or_(
                TrainingPeriod.ect_at_school_period_id.in_(
                    _ids_where(ECTAtSchoolPeriod.id, ect_at_school_periods(viewer))
                ),
                TrainingPeriod.mentor_at_school_period_id.in_(
                    _ids_where(MentorAtSchoolPeriod.id, mentor_at_school_periods(viewer))
                ),
            )
        case Role.APPROPRIATE_BODY_USER:
            return TrainingPeriod.ect_at_school_period_id.in_(
                _ids_where(ECTAtSchoolPeriod.id, ect_at_school_periods(viewer))
            )
        case Role.LEAD_PROVIDER:
            return _lead_provider_training(_org(viewer.lead_provider_id))
        case _:
            return _unnamed(viewer.role)


def induction_periods(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return InductionPeriod.teacher_id.in_(_teacher_ids(viewer))
        case Role.LEAD_PROVIDER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def induction_extensions(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return InductionExtension.teacher_id.in_(_teacher_ids(viewer))
        case Role.LEAD_PROVIDER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def school_partnerships(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER:
            return SchoolPartnership.school_id == _org(viewer.school_id)
        case Role.APPROPRIATE_BODY_USER:
            return SchoolPartnership.id.in_(
                _ids_where(TrainingPeriod.school_partnership_id, training_periods(viewer))
            )
        case Role.LEAD_PROVIDER:
            return SchoolPartnership.id.in_(
                _lead_provider_partnership_ids(_org(viewer.lead_provider_id))
            )
        case _:
            return _unnamed(viewer.role)


def _same_participant_type(a: type[TrainingPeriod], b: type[TrainingPeriod]) -> Any:
    return (a.ect_at_school_period_id.is_(None)) == (b.ect_at_school_period_id.is_(None))


def declarations(viewer: Viewer) -> ColumnElement[bool]:
    """A lead provider: its own; and another provider's for the same participant and
    participant type that is not voided or clawed back (no_payment to paid) and dated
    on or before the end of one of its own training periods for that participant, as
    the real service's declarations endpoint shows them."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            lead_provider_id = _org(viewer.lead_provider_id)
            declared_on = aliased(TrainingPeriod, name="declared_on")
            ours = aliased(TrainingPeriod, name="ours")
            # Driven from the declaration: its teacher's training periods with this
            # provider (an index on teacher_id), correlated, so nothing is joined per row.
            within_ours = _inner(
                sa.select(ours.id)
                .join(declared_on, declared_on.id == Declaration.training_period_id)
                .where(
                    ours.teacher_id == Declaration.teacher_id,
                    _same_participant_type(ours, declared_on),
                    _lead_provider_training(lead_provider_id, ours),
                    sa.or_(
                        ours.finished_on.is_(None),
                        sa.func.date(Declaration.declaration_date) <= ours.finished_on,
                    ),
                )
                .correlate(Declaration)
            ).exists()
            return sa.or_(
                Declaration.lead_provider_id == lead_provider_id,
                sa.and_(
                    Declaration.payment_status.in_(pm.BILLABLE_OR_PENDING),
                    Declaration.clawback_status == pm.ClawbackStatus.NO_CLAWBACK,
                    Declaration.teacher_id.in_(_lead_provider_teacher_ids(lead_provider_id)),
                    within_ours,
                ),
            )
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def statements(viewer: Viewer) -> ColumnElement[bool]:
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            return sa.and_(
                Statement.lead_provider_id == _org(viewer.lead_provider_id),
                Statement.fee_type == FeeType.OUTPUT,
            )
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def statement_adjustments(viewer: Viewer) -> ColumnElement[bool]:
    """Adjustments go with their statement."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            return pm.StatementAdjustment.statement_id.in_(
                _ids_where(Statement.id, statements(viewer))
            )
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def contracts(viewer: Viewer) -> ColumnElement[bool]:
    """Contracts and their terms: finance and admin all; a lead provider its own (it
    reads the figures its statements are calculated from); schools and appropriate
    bodies none."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            return pm.Contract.lead_provider_id == _org(viewer.lead_provider_id)
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def _contract_terms(viewer: Viewer, contract_id: Any) -> ColumnElement[bool]:
    """Fee structures go with their contract."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            return contract_id.in_(_ids_where(pm.Contract.id, contracts(viewer)))
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def banded_fee_structures(viewer: Viewer) -> ColumnElement[bool]:
    return _contract_terms(viewer, pm.BandedFeeStructure.contract_id)


def flat_rate_fee_structures(viewer: Viewer) -> ColumnElement[bool]:
    return _contract_terms(viewer, pm.FlatRateFeeStructure.contract_id)


def fee_bands(viewer: Viewer) -> ColumnElement[bool]:
    """Bands go with their fee structure, and so with its contract."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            return pm.FeeBand.banded_fee_structure_id.in_(
                _ids_where(pm.BandedFeeStructure.id, banded_fee_structures(viewer))
            )
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def statement_calendar_facts(viewer: Viewer) -> ColumnElement[bool]:
    """Statements read only to order a contract's statements by payment date when
    calculating a visible statement's amounts: bands fill across all of them (DOMAIN.md,
    "Payments"), so a lead provider's figures count its service statements too, which
    it does not see (``statements``). Only ids, contracts and dates leave the read."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            return Statement.lead_provider_id == _org(viewer.lead_provider_id)
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def statement_activity_facts(viewer: Viewer) -> ColumnElement[bool]:
    """Declarations counted (never listed) to calculate a statement's amounts: every
    declaration paid or clawed back on a statement of the viewer's own contracts,
    whatever ``declarations`` lets it list (a provider does not see its declarations
    for participants it no longer trains, yet is paid for them). Finance and the lead
    provider so read the same figures. Only counts leave the read."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            own = _ids_where(Statement.id, statement_calendar_facts(viewer))
            return sa.or_(
                Declaration.payment_statement_id.in_(own),
                Declaration.clawback_statement_id.in_(own),
            )
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def delivery_partners_listed(viewer: Viewer) -> ColumnElement[bool]:
    """Which delivery partners a list shows: a lead provider's own (as the REST API's
    /delivery-partners did); everyone else all. Any may still be reached by id."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE | Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            return trm.DeliveryPartner.id.in_(
                _inner(
                    sa.select(LeadProviderDeliveryPartnership.delivery_partner_id)
                    .join(
                        ActiveLeadProvider,
                        ActiveLeadProvider.id
                        == LeadProviderDeliveryPartnership.active_lead_provider_id,
                    )
                    .where(ActiveLeadProvider.lead_provider_id == _org(viewer.lead_provider_id))
                )
            )
        case _:
            return _unnamed(viewer.role)


def delivery_partnerships_listed(viewer: Viewer) -> ColumnElement[bool]:
    """Which lead provider–delivery partner partnerships decide a delivery partner's
    cohorts (and the cohorts filter): a lead provider's own, as v3's delivery partner
    `cohort` lists "the cohorts for which you may report school partnerships with this
    delivery partner"; everyone else all."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE | Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            return LeadProviderDeliveryPartnership.active_lead_provider_id.in_(
                _lead_provider_active_ids(_org(viewer.lead_provider_id))
            )
        case _:
            return _unnamed(viewer.role)


def public(viewer: Viewer) -> ColumnElement[bool]:
    """Reference data every signed-in caller may read: appropriate bodies (schools must
    pick one), lead providers, delivery partners, cohorts and schedules."""
    match viewer.role:
        case (
            Role.ADMIN
            | Role.FINANCE
            | Role.SCHOOL_USER
            | Role.APPROPRIATE_BODY_USER
            | Role.LEAD_PROVIDER
        ):
            return EVERYTHING
        case _:
            return _unnamed(viewer.role)


def events(viewer: Viewer) -> ColumnElement[bool]:
    """The audit trail: admin all of it; a school or appropriate body the events it
    caused about teachers it can see; a lead provider the events it caused."""
    match viewer.role:
        case Role.ADMIN:
            return EVERYTHING
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return sa.and_(
                Event.author_id == audit_author(viewer),
                Event.teacher_id.in_(_teacher_ids(viewer)),
            )
        case Role.LEAD_PROVIDER:
            return Event.author_id == audit_author(viewer)
        case Role.FINANCE:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def audit_author(viewer: Viewer) -> str:
    """How the audit trail names who acted: the organisation a scoped viewer acts for,
    the signed-in subject for DfE staff."""
    match viewer.role:
        case Role.SCHOOL_USER:
            return f"school:{_org(viewer.school_id)}"
        case Role.APPROPRIATE_BODY_USER:
            return f"appropriate_body:{_org(viewer.appropriate_body_id)}"
        case Role.LEAD_PROVIDER:
            return f"lead_provider:{_org(viewer.lead_provider_id)}"
        case Role.ADMIN | Role.FINANCE:
            return viewer.subject
    raise ValueError(f"no author for {viewer.role}")


def claimable_teachers(viewer: Viewer, today: dt.date) -> ColumnElement[bool]:
    """Teachers an appropriate body may claim, before it can see them: an ECT at a school
    now whose school reported this body, with QTS, no induction outcome (nor passed,
    failed or exempt in the record) and no open induction period anywhere. Only a few
    fields of these are shown (``ClaimableTeacher``); everyone else gets none."""
    match viewer.role:
        case Role.APPROPRIATE_BODY_USER:
            reported_here = _ids_where(
                ECTAtSchoolPeriod.teacher_id,
                sa.and_(
                    ECTAtSchoolPeriod.school_reported_appropriate_body_id
                    == _org(viewer.appropriate_body_id),
                    _current(ECTAtSchoolPeriod, today),
                ),
            )
            inducted = _ids_where(
                InductionPeriod.teacher_id,
                sa.or_(InductionPeriod.outcome.is_not(None), InductionPeriod.finished_on.is_(None)),
            )
            return sa.and_(
                Teacher.id.in_(reported_here),
                Teacher.id.not_in(inducted),
                Teacher.trs_qts_awarded_on.is_not(None),
                Teacher.trs_induction_status.not_in(COMPLETE_IN_RECORD),
            )
        case Role.ADMIN | Role.FINANCE | Role.SCHOOL_USER | Role.LEAD_PROVIDER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


COMPLETE_IN_RECORD = (
    TRSInductionStatus.PASSED,
    TRSInductionStatus.FAILED,
    TRSInductionStatus.EXEMPT,
)


# -- facts: reads that only feed a derived value, never rows to the graph ---------------


def induction_facts(viewer: Viewer) -> ColumnElement[bool]:
    """Induction periods read only to derive a visible teacher's induction status and
    funding eligibility. A lead provider may not see induction periods, but may see
    whether its participant is eligible for funding, which is derived from them."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER | Role.LEAD_PROVIDER:
            return InductionPeriod.teacher_id.in_(_teacher_ids(viewer))
        case _:
            return _unnamed(viewer.role)


def mentor_facts(viewer: Viewer) -> ColumnElement[bool]:
    """Mentorships read only to name a visible ECT period's mentor by participant id.

    Lead providers' enrolments carry the mentor's participant id (as the REST API did)
    even when the mentor trains elsewhere; the mentor themself stays invisible. Mentors
    are outside an appropriate body's scope, so it learns no mentor id.
    """
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.SCHOOL_USER | Role.LEAD_PROVIDER:
            return MentorshipPeriod.ect_at_school_period_id.in_(
                _ids_where(ECTAtSchoolPeriod.id, ect_at_school_periods(viewer))
            )
        case Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def declaration_facts(viewer: Viewer) -> ColumnElement[bool]:
    """Training periods read only to derive a visible declaration's course identifier
    (ECT or mentor training) and to find the ECT period whose mentor it names. A lead
    provider sees other providers' declarations for its participants (``declarations``),
    whose training periods it may not see: it learns only those two facts of them."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            return TrainingPeriod.teacher_id.in_(
                _lead_provider_teacher_ids(_org(viewer.lead_provider_id))
            )
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING  # they see no declarations
        case _:
            return _unnamed(viewer.role)


def declaration_mentor_facts(viewer: Viewer) -> ColumnElement[bool]:
    """Mentorships read only to name, by participant id, the mentor of an ECT at the
    time of a visible declaration (v3 ``mentor_id``): the ECT periods of the viewer's
    participants. Only the mentor's participant id leaves the read."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return EVERYTHING
        case Role.LEAD_PROVIDER:
            return MentorshipPeriod.ect_at_school_period_id.in_(
                _ids_where(
                    ECTAtSchoolPeriod.id,
                    ECTAtSchoolPeriod.teacher_id.in_(
                        _lead_provider_teacher_ids(_org(viewer.lead_provider_id))
                    ),
                )
            )
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def transfer_facts(viewer: Viewer) -> ColumnElement[bool]:
    """Training periods of a lead provider's participants with any provider, read only
    to derive their transfers (v3 ``/participants/ecf/transfers`` names the other school
    and provider of a transfer into or out of its training): only those facts leave the
    loader, never a row. Transfers are a lead provider's view; no one else reads them."""
    match viewer.role:
        case Role.LEAD_PROVIDER:
            return TrainingPeriod.teacher_id.in_(_teacher_ids(viewer))
        case Role.ADMIN | Role.FINANCE | Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def school_cohort_facts(viewer: Viewer) -> ColumnElement[bool]:
    """Training periods, the school periods they belong to and school partnerships,
    read only to derive what a visible school does in a cohort, as the Lead Provider
    API's schools list shows it to every provider: whether it is in partnership (with
    anyone), its induction programme choice, whether it expressed interest in the
    calling provider, and when any of that last changed. Only those values leave the
    read, never a row (``gateway/resolvers/schools_in_cohort.py``)."""
    match viewer.role:
        case (
            Role.ADMIN
            | Role.FINANCE
            | Role.LEAD_PROVIDER
            | Role.SCHOOL_USER
            | Role.APPROPRIATE_BODY_USER
        ):
            return EVERYTHING
        case _:
            return _unnamed(viewer.role)


def transfer_period_facts(viewer: Viewer) -> ColumnElement[bool]:
    """The ECT and mentor periods (school and dates) of a lead provider's participants,
    for their transfers (see ``transfer_facts``). Built on the ECT period; the loader
    reads mentor periods under ``transfer_mentor_period_facts``."""
    match viewer.role:
        case Role.LEAD_PROVIDER:
            return ECTAtSchoolPeriod.teacher_id.in_(_teacher_ids(viewer))
        case Role.ADMIN | Role.FINANCE | Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def transfer_mentor_period_facts(viewer: Viewer) -> ColumnElement[bool]:
    """The mentor periods of a lead provider's participants, for their transfers."""
    match viewer.role:
        case Role.LEAD_PROVIDER:
            return MentorAtSchoolPeriod.teacher_id.in_(_teacher_ids(viewer))
        case Role.ADMIN | Role.FINANCE | Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def transfers_reader(viewer: Viewer) -> int | None:
    """The lead provider whose transfers the viewer reads; None for everyone else (a
    transfer is defined relative to one provider's training)."""
    match viewer.role:
        case Role.LEAD_PROVIDER:
            return _org(viewer.lead_provider_id)
        case Role.ADMIN | Role.FINANCE | Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return None
        case _:
            _unnamed(viewer.role)
            return None


def unfunded_mentors(viewer: Viewer) -> ColumnElement[bool]:
    """Teachers a lead provider sees as unfunded mentors (v3 ``/unfunded-mentors``, the
    real service's ``API::Teachers::UnfundedMentors::Query``): the mentors in the latest
    mentorship of the ECT periods it trains, who have no training period with it (they
    train with another provider, or not at all). Only their name, TRN, participant id
    and stamps are shown (``UnfundedMentor``): no email, which DOMAIN.md gives only to
    the provider that trains them. Nobody else reads this list."""
    match viewer.role:
        case Role.LEAD_PROVIDER:
            lead_provider_id = _org(viewer.lead_provider_id)
            later = aliased(MentorshipPeriod, name="later")
            latest = ~(
                _inner(
                    sa.select(later.id).where(
                        later.ect_at_school_period_id == MentorshipPeriod.ect_at_school_period_id,
                        sa.tuple_(later.started_on, later.id)
                        > sa.tuple_(MentorshipPeriod.started_on, MentorshipPeriod.id),
                    )
                )
                .correlate(MentorshipPeriod)
                .exists()
            )
            mentors_of_its_ects = _inner(
                sa.select(MentorAtSchoolPeriod.teacher_id)
                .join(
                    MentorshipPeriod,
                    MentorshipPeriod.mentor_at_school_period_id == MentorAtSchoolPeriod.id,
                )
                .where(
                    MentorshipPeriod.ect_at_school_period_id.in_(
                        _ids_where(
                            TrainingPeriod.ect_at_school_period_id,
                            _lead_provider_training(lead_provider_id),
                        )
                    ),
                    latest,
                )
            )
            return sa.and_(
                Teacher.id.in_(mentors_of_its_ects),
                Teacher.id.not_in(_lead_provider_teacher_ids(lead_provider_id)),
            )
        case Role.ADMIN | Role.FINANCE | Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


# -- field rules: personal data ---------------------------------------------------------


def _current(model: Any, today: dt.date) -> ColumnElement[bool]:
    return sa.or_(model.finished_on.is_(None), model.finished_on >= today)


def _training_key_column(period_id: Any) -> Any:
    """The training period column that points at this kind of school period."""
    if period_id.class_ is ECTAtSchoolPeriod:
        return TrainingPeriod.ect_at_school_period_id
    return TrainingPeriod.mentor_at_school_period_id


def _partnership_lasts(today: dt.date) -> ColumnElement[bool]:
    """A school partnership is a live relationship while its contract period has not
    finished, or while anyone still trains under it (training runs past the contract
    period it started in); after that its lead provider no longer reads the school's
    induction tutor (DOMAIN.md: never after the relationship has ended)."""
    period = aliased(trm.ContractPeriod, name="partnership_period")
    training = aliased(TrainingPeriod, name="partnership_training")
    cohort_running = _inner(
        sa.select(period.year).where(
            period.year == SchoolPartnership.contract_period_year, period.finished_on >= today
        )
    ).exists()
    still_training = _inner(
        sa.select(training.id).where(
            training.school_partnership_id == SchoolPartnership.id,
            training.started_on <= today,
            sa.or_(training.finished_on.is_(None), training.finished_on >= today),
        )
    ).exists()
    return sa.or_(cohort_running, still_training)


def readable_email(viewer: Viewer, model: type, today: dt.date) -> ColumnElement[bool]:
    """The rows of ``model`` (ECT or mentor period, or school for its induction tutor)
    whose email the viewer may read (DOMAIN.md): the employing school while the period
    lasts; the appropriate body supervising the ECT now; the lead provider that trains
    the participant now (an open training period with it, on this school period); for a
    school's induction tutor, the school and lead providers in partnership with it; DfE
    admin. Finance never; nobody after the relationship has ended."""
    if model is School:
        match viewer.role:
            case Role.ADMIN:
                return EVERYTHING
            case Role.SCHOOL_USER:
                return School.id == _org(viewer.school_id)
            case Role.LEAD_PROVIDER:
                return School.id.in_(
                    _ids_where(
                        SchoolPartnership.school_id,
                        sa.and_(
                            SchoolPartnership.id.in_(
                                _lead_provider_partnership_ids(_org(viewer.lead_provider_id))
                            ),
                            _partnership_lasts(today),
                        ),
                    )
                )
            case Role.FINANCE | Role.APPROPRIATE_BODY_USER:
                return NOTHING
            case _:
                return _unnamed(viewer.role)
    if model not in (ECTAtSchoolPeriod, MentorAtSchoolPeriod):
        return NOTHING
    period: Any = model
    match viewer.role:
        case Role.ADMIN:
            return EVERYTHING
        case Role.SCHOOL_USER:
            return sa.and_(period.school_id == _org(viewer.school_id), _current(period, today))
        case Role.APPROPRIATE_BODY_USER:
            if period is MentorAtSchoolPeriod:
                return NOTHING
            return sa.and_(
                _current(period, today),
                period.teacher_id.in_(
                    _ids_where(
                        InductionPeriod.teacher_id,
                        sa.and_(
                            InductionPeriod.appropriate_body_id == _org(viewer.appropriate_body_id),
                            InductionPeriod.finished_on.is_(None),
                        ),
                    )
                ),
            )
        case Role.LEAD_PROVIDER:
            key = _training_key_column(period.id)
            return period.id.in_(
                _ids_where(
                    key,
                    sa.and_(
                        _lead_provider_training(_org(viewer.lead_provider_id)),
                        _current(TrainingPeriod, today),
                    ),
                )
            )
        case Role.FINANCE:
            return NOTHING
        case _:
            return _unnamed(viewer.role)


def may_look_up_teacher_records(viewer: Viewer) -> bool:
    """Who may look a teacher up by TRN and date of birth (to register or claim them,
    before they can see the teacher): schools, appropriate bodies and DfE admin."""
    match viewer.role:
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER | Role.ADMIN:
            return True
        case Role.LEAD_PROVIDER | Role.FINANCE:
            return False
        case _:
            return _unnamed(viewer.role) is EVERYTHING


# -- actions: which mutations each role may call ---------------------------------------

_APPROPRIATE_BODY = frozenset({Role.APPROPRIATE_BODY_USER})
_ADMIN = frozenset({Role.ADMIN})
_SCHOOL = frozenset({Role.SCHOOL_USER})
_LEAD_PROVIDER = frozenset({Role.LEAD_PROVIDER})
_FINANCE = frozenset({Role.FINANCE})

ACTIONS: dict[str, frozenset[Role]] = {
    "claimEct": _APPROPRIATE_BODY,
    "recordInductionPass": _APPROPRIATE_BODY,
    "recordInductionFail": _APPROPRIATE_BODY,
    "releaseEct": _APPROPRIATE_BODY,
    "addInductionExtension": _APPROPRIATE_BODY,
    "updateInductionPeriod": _APPROPRIATE_BODY,
    "updateInductionExtension": _APPROPRIATE_BODY,
    "registerEct": _SCHOOL,
    "registerMentor": _SCHOOL,
    "assignMentor": _SCHOOL,
    "reportLeaving": _SCHOOL,
    "setInductionTutor": _SCHOOL,
    "changeEctDetails": _SCHOOL,
    "changeTrainingChoice": _SCHOOL,
    "correctInductionPeriod": _ADMIN,
    "reopenInductionPeriod": _ADMIN,
    "deleteInductionPeriod": _ADMIN,
    "withdrawParticipant": _LEAD_PROVIDER,
    "deferParticipant": _LEAD_PROVIDER,
    "resumeParticipant": _LEAD_PROVIDER,
    "changeParticipantSchedule": _LEAD_PROVIDER,
    "createPartnership": _LEAD_PROVIDER,
    "updatePartnership": _LEAD_PROVIDER,
    "createDeclaration": _LEAD_PROVIDER,
    # One rule for both: a lead provider its own declarations, finance any (DOMAIN.md).
    "voidDeclaration": _LEAD_PROVIDER | _FINANCE,
    "markStatementPayable": _FINANCE,
    "authoriseStatementPayment": _FINANCE,
    "addStatementAdjustment": _FINANCE,
    "removeStatementAdjustment": _FINANCE,
}
"""Mutation field -> the roles that may call it. A mutation not listed is nobody's."""


def may_call(viewer: Viewer, action: str) -> bool:
    return viewer.role in ACTIONS.get(action, frozenset())


def actions_for(viewer: Viewer) -> list[str]:
    """The mutations the viewer's role may call, by name."""
    return sorted(action for action in ACTIONS if may_call(viewer, action))


# -- reports: aggregates over everyone, for DfE --------------------------------------------


def may_read_reports(viewer: Viewer) -> bool:
    """DfE admin and finance read the service's figures (counts over every organisation,
    never a row); organisations do not."""
    match viewer.role:
        case Role.ADMIN | Role.FINANCE:
            return True
        case Role.SCHOOL_USER | Role.APPROPRIATE_BODY_USER | Role.LEAD_PROVIDER:
            return False
        case _:
            _unnamed(viewer.role)  # a role not named here reads none (mypy: exhaustive)
            return False


def report_read(viewer: Viewer, stmt: Any, name: str) -> Any:
    """An aggregate over whole tables for a report: only for viewers who may read
    reports (refused otherwise, before any SQL). Every SELECT in the report carries it."""
    if not may_read_reports(viewer):
        raise ForbiddenError("Reports are for DfE admin and finance.")
    return stmt.execution_options(policy=f"report:{name}")


# -- the registry, and the one way to build a scoped read --------------------------------

RULES: dict[type, Rule] = {
    Teacher: teachers,
    TeacherIdChange: teacher_id_changes,
    School: schools,
    sm.SchoolFunding: school_funding,
    ECTAtSchoolPeriod: ect_at_school_periods,
    MentorAtSchoolPeriod: mentor_at_school_periods,
    MentorshipPeriod: mentorship_periods,
    TrainingPeriod: training_periods,
    InductionPeriod: induction_periods,
    InductionExtension: induction_extensions,
    SchoolPartnership: school_partnerships,
    Declaration: declarations,
    Event: events,
    Statement: statements,
    pm.StatementAdjustment: statement_adjustments,
    pm.Contract: contracts,
    pm.BandedFeeStructure: banded_fee_structures,
    pm.FeeBand: fee_bands,
    pm.FlatRateFeeStructure: flat_rate_fee_structures,
    AppropriateBody: public,
    trm.LeadProvider: public,
    trm.DeliveryPartner: public,
    trm.ContractPeriod: public,
    trm.ActiveLeadProvider: public,
    trm.LeadProviderDeliveryPartnership: public,
    trm.Schedule: public,
    trm.Milestone: public,
}

FACTS: frozenset[Rule] = frozenset(
    {
        induction_facts,
        mentor_facts,
        declaration_facts,
        declaration_mentor_facts,
        school_cohort_facts,
        transfer_facts,
        transfer_period_facts,
        transfer_mentor_period_facts,
        statement_calendar_facts,
        statement_activity_facts,
    }
)
"""The rules a ``Scope.facts`` read may use instead of the model's own."""

PUBLIC_TABLES: frozenset[str] = frozenset(
    # RULES is keyed by mapped classes, typed as plain ``type`` like every model here.
    model.__table__.name  # type: ignore[attr-defined]
    for model, rule in RULES.items()
    if rule is public
)


def condition_for(model: type, viewer: Viewer) -> ColumnElement[bool]:
    """The visibility condition for ``model``; a model without a rule is never readable."""
    try:
        rule = RULES[model]
    except KeyError:
        raise LookupError(f"no visibility rule for {model.__name__}") from None
    return rule(viewer)


class Scope:
    """What one viewer may read, as SELECTs the request session accepts.

    ``today`` is the request's date, for rules that depend on what is current (email).
    """

    def __init__(self, viewer: Viewer, today: dt.date) -> None:
        self.viewer = viewer
        self.today = today

    def select(self, model: type, *columns: Any) -> sa.Select[Any]:
        """Visible rows of ``model`` (or just ``columns`` of them)."""
        stmt = sa.select(*(columns or (model,))).where(condition_for(model, self.viewer))
        return stmt.execution_options(policy=f"rule:{model.__name__}")

    def ids(self, column: Any) -> sa.Select[Any]:
        """``column`` of the visible rows of its model: a subquery for filters."""
        return self.select(column.class_, column)

    def facts(self, rule: Rule, model: type, *columns: Any) -> sa.Select[Any]:
        """Rows read under a facts rule: only for deriving a value, never handed to the
        graph. The rule must be one of ``FACTS``."""
        if rule not in FACTS:
            raise LookupError(f"{rule.__name__} is not a facts rule")
        stmt = sa.select(*(columns or (model,))).where(rule(self.viewer))
        return stmt.execution_options(policy=f"facts:{rule.__name__}")

    def claimable(self, *columns: Any) -> sa.Select[Any]:
        """``columns`` of the teachers the viewer may claim (``claimable_teachers``)."""
        stmt = sa.select(*(columns or (Teacher,))).where(
            claimable_teachers(self.viewer, self.today)
        )
        return stmt.execution_options(policy="rule:claimable_teachers")

    def unfunded_mentors(self, *columns: Any) -> sa.Select[Any]:
        """``columns`` of the teachers the viewer sees as unfunded mentors."""
        stmt = sa.select(*(columns or (Teacher,))).where(unfunded_mentors(self.viewer))
        return stmt.execution_options(policy="rule:unfunded_mentors")

    def contacts(self, model: type) -> sa.Select[Any]:
        """The id and contact details of the rows of ``model`` whose contact details the
        viewer may read: a period's ``email``; a school's induction tutor's name and
        email."""
        m: Any = model
        columns = (
            (m.induction_tutor_name, m.induction_tutor_email) if model is School else (m.email,)
        )
        stmt = sa.select(m.id, *columns).where(
            condition_for(model, self.viewer), readable_email(self.viewer, model, self.today)
        )
        return stmt.execution_options(policy=f"contact:{model.__name__}")


def derived_facts(stmt: Any, why: str) -> Any:
    """Opt a SELECT out of the row rules because it only derives a value over rows the
    outer query already scoped (e.g. induction status from every induction period of a
    visible teacher). Greppable: every use says why."""
    return stmt.execution_options(policy=f"facts:{why}")


def domain_read(stmt: Any, why: str) -> Any:
    """A read a domain rule makes to decide a write (e.g. "is this teacher claimed by
    another body?"): it may look beyond the viewer's scope, and only its verdict (a
    refusal or a write) reaches the caller. Greppable: every use says why."""
    return stmt.execution_options(policy=f"domain:{why}")


def compiled_read(stmt: Any, why: str) -> Any:
    """A SELECT of a trusted operation's compiled SQL (gateway/trusted): every table it
    reads is narrowed to this viewer by a ``Scope`` read of this module (``ids``,
    ``facts``, ``contacts``) in its WHERE or ON clause, or is the result of one.
    Greppable: every use says why."""
    return stmt.execution_options(policy=f"compiled:{why}")


def system_read(stmt: Any, why: str) -> Any:
    """A read the gateway makes for itself, before any viewer exists (credentials)."""
    return stmt.execution_options(policy=f"system:{why}")


# -- the guard: a request session refuses reads not built here ---------------------------


class PolicyBypassed(RuntimeError):
    """A SELECT on a request session read a scoped table without the policy's mark."""


def _tables_read(select: sa.Select[Any]) -> set[str]:
    names: set[str] = set()

    def add(from_: Any) -> None:
        if isinstance(from_, sa.Table):
            names.add(from_.name)
        elif isinstance(from_, sa.Join):
            add(from_.left)
            add(from_.right)
        elif isinstance(from_, sa.Alias) and isinstance(from_.element, sa.Table):
            names.add(from_.element.name)
        # A subquery in FROM is a SELECT of its own, checked on its own.

    for from_ in select.get_final_froms():
        add(from_)
    return names


def unmarked_reads(stmt: Any) -> set[str]:
    """Names of the non-public tables that some SELECT in ``stmt`` reads without a mark."""
    found: set[str] = set()
    for element in visitors.iterate(stmt):
        if isinstance(element, sa.Select) and "policy" not in element.get_execution_options():
            found |= _tables_read(element) - PUBLIC_TABLES
    return found


class RequestSession(Session):
    """The session a request's unit of work uses: reads must come from the policy."""


@event.listens_for(RequestSession, "do_orm_execute")
def _refuse_unscoped_reads(state: ORMExecuteState) -> None:
    stmt = state.statement
    if isinstance(stmt, sa.TextClause):
        if "policy" not in stmt.get_execution_options():
            raise PolicyBypassed("textual SQL on a request session must be marked by the policy")
        return
    if not state.is_select:
        return  # writes are decided by the domain rules that make them
    tables = unmarked_reads(stmt)
    if tables:
        raise PolicyBypassed(
            f"a read of {', '.join(sorted(tables))} did not go through gateway.auth.policy"
        )
