"""Lead providers' declarations: create one, void one (DOMAIN.md, "Lead providers").

The rules follow the real service (DfE's register-early-career-teachers:
``API::Declarations::Create``, ``Declarations::Create``, ``API::Declarations::Void``,
``Declarations::Clawback``, ``EvidenceTypeValidator``,
``DeclarationDateWithinMilestoneValidator``, ``Declaration``'s duplicate scope), with
this graph's codes. Each refusal raises ``Refusal`` naming the input field; the
mutation's transaction then rolls back, so nothing is written.

Decisions where the sources were silent or differ (also in the README):
- The same declaration sent again (same participant and participant type, type, date,
  evidence and provider) returns the one already made and writes nothing, even when it
  arrives at the same moment: the duplicate index lets one insert through and the other
  finds the winner. A different declaration of a type that is or will be paid is a
  ``DUPLICATE_DECLARATION``.
- Every new declaration, submitted or eligible, goes on the next open output statement
  (DOMAIN.md says so and the seed does so; the real service attaches submitted ones only
  when they become eligible), so one must exist for any declaration.
- Day boundaries (milestone windows, withdrawal) are UTC days, as the seed and the
  declarations' visibility rule count them.
- Voiding is refused for a cohort whose payments are frozen, as creating is, whoever
  voids (a lead provider or DfE finance: one rule for both).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import Scope, domain_read
from gateway.auth.viewer import Role, Viewer
from gateway.models import payments as pm
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.models.payments import EvidenceType
from gateway.models.training import DeclarationType, ParticipantType
from gateway.rules import audit, funding
from gateway.rules.common import Clock
from gateway.rules.refusals import Refusal, not_found

COURSE_IDENTIFIERS: dict[str, ParticipantType] = {
    "ecf-induction": ParticipantType.ECT,
    "ecf-mentor": ParticipantType.MENTOR,
}
"""The Lead Provider API's course identifiers: they say which training is declared."""

MENTOR_FUNDED_TYPES = frozenset({DeclarationType.STARTED, DeclarationType.COMPLETED})
"""In mentor-funding contract periods mentors are paid for started and completed only."""

DETAILED_EVIDENCE_FROM = 2025
"""The first cohort with detailed evidence types (the real service's cohort data:
``detailed_evidence_types`` is true from 2025): evidence is then required for every
declaration type and must be one of the participant type's list for that type."""

SIMPLE_EVIDENCE = (
    EvidenceType.TRAINING_EVENT_ATTENDED,
    EvidenceType.SELF_STUDY_MATERIAL_COMPLETED,
    EvidenceType.OTHER,
)
"""Before detailed evidence types: every type but started names one of these; started
names none (any given is not kept, as the real service drops it)."""

_ENGAGED = (
    EvidenceType.SEVENTY_FIVE_PERCENT_ENGAGEMENT_MET,
    EvidenceType.SEVENTY_FIVE_PERCENT_ENGAGEMENT_MET_REDUCED,
)
_ATTENDED = (
    EvidenceType.TRAINING_EVENT_ATTENDED,
    EvidenceType.SELF_STUDY_MATERIAL_COMPLETED,
    EvidenceType.MATERIALS_ENGAGED_WITH_OFFLINE,
    EvidenceType.OTHER,
)


def detailed_evidence(
    participant_type: ParticipantType, declaration_type: DeclarationType
) -> tuple[EvidenceType, ...]:
    """The evidence a declaration may name from the 2025 cohort (``EvidenceTypeValidator``)."""
    match participant_type:
        case ParticipantType.ECT:
            if declaration_type is DeclarationType.RETAINED_2:
                return _ENGAGED
            if declaration_type is DeclarationType.COMPLETED:
                return (*_ENGAGED, EvidenceType.ONE_TERM_INDUCTION)
            return _ATTENDED
        case ParticipantType.MENTOR:
            if declaration_type is DeclarationType.STARTED:
                return _ATTENDED
            if declaration_type is DeclarationType.COMPLETED:
                return _ENGAGED
            return ()


def _utc_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


# -- what a declaration is about ----------------------------------------------------------


@dataclass(frozen=True)
class Training:
    """The training period a declaration is about, with what decides the rules."""

    teacher: tm.Teacher
    period: trm.TrainingPeriod
    participant_type: ParticipantType
    schedule: trm.Schedule
    contract_period: trm.ContractPeriod
    delivery_partner_id: int | None


async def _teacher(session: AsyncSession, scope: Scope, participant_id: uuid.UUID) -> tm.Teacher:
    """The participant, if it trains (or trained) with the calling provider: another
    provider's participant is NOT_FOUND exactly as an unknown id."""
    teacher = await session.scalar(
        scope.select(tm.Teacher).where(tm.Teacher.api_id == participant_id)
    )
    if teacher is None:
        raise not_found("participantId", "participant")
    return teacher


def _closest(periods: list[trm.TrainingPeriod], day: dt.date) -> trm.TrainingPeriod:
    """The training period covering ``day``; else the one nearest to it, the later on a
    tie (the real service's ``closest_to(declaration_date)``)."""

    def distance(p: trm.TrainingPeriod) -> int:
        if day < p.started_on:
            return (p.started_on - day).days
        if p.finished_on is not None and day > p.finished_on:
            return (day - p.finished_on).days
        return 0

    return min(periods, key=lambda p: (distance(p), -p.started_on.toordinal(), -p.id))


async def _training(
    session: AsyncSession,
    scope: Scope,
    teacher: tm.Teacher,
    participant_type: ParticipantType,
    day: dt.date,
) -> Training:
    periods = list(
        (
            await session.scalars(
                scope.select(trm.TrainingPeriod).where(
                    trm.TrainingPeriod.teacher_id == teacher.id,
                    trm.TrainingPeriod.training_programme == trm.TrainingProgramme.PROVIDER_LED,
                )
            )
        ).all()
    )
    of_type = [p for p in periods if _participant_type(p) is participant_type]
    if not of_type:
        trains_as = sorted(
            course
            for course, kind in COURSE_IDENTIFIERS.items()
            if any(_participant_type(p) is kind for p in periods)
        )
        raise Refusal(
            "WRONG_COURSE_IDENTIFIER",
            "courseIdentifier",
            "This participant does not train with you on that course: use "
            f"{' or '.join(trains_as)}.",
        )
    period = _closest(of_type, day)
    assert period.schedule_id is not None  # provider-led training has a schedule (CHECK)
    schedule = await session.get_one(trm.Schedule, period.schedule_id)
    contract_period = await session.get_one(trm.ContractPeriod, schedule.contract_period_year)
    delivery_partner_id: int | None = None
    if period.school_partnership_id is not None:
        lpdp = trm.LeadProviderDeliveryPartnership
        delivery_partner_id = await session.scalar(
            scope.select(trm.SchoolPartnership, lpdp.delivery_partner_id).where(
                lpdp.id == trm.SchoolPartnership.lead_provider_delivery_partnership_id,
                trm.SchoolPartnership.id == period.school_partnership_id,
            )
        )
    return Training(
        teacher, period, participant_type, schedule, contract_period, delivery_partner_id
    )


def _participant_type(period: trm.TrainingPeriod) -> ParticipantType:
    return ParticipantType.ECT if period.ect_at_school_period_id else ParticipantType.MENTOR


async def _billable(
    session: AsyncSession,
    teacher_id: int,
    participant_type: ParticipantType,
    declaration_type: DeclarationType,
) -> pm.Declaration | None:
    """The declaration of this type that is or will be paid for the participant, made by
    any provider on any training period (at most one: the duplicate index)."""
    stmt = sa.select(pm.Declaration).where(
        pm.Declaration.teacher_id == teacher_id,
        pm.Declaration.participant_type == participant_type,
        pm.Declaration.declaration_type == declaration_type,
        pm.Declaration.payment_status.in_(pm.BILLABLE_OR_PENDING),
        pm.Declaration.clawback_status == pm.ClawbackStatus.NO_CLAWBACK,
    )
    return await session.scalar(
        domain_read(stmt, "a duplicate is one of any provider's declarations of that type")
    )


async def next_output_statement(
    session: AsyncSession, lead_provider_id: int, cohort: int, today: dt.date
) -> pm.Statement | None:
    """The provider's next open output statement for the cohort: the earliest deadline on
    or after today (the real service's ``Statements::Search`` by deadline date)."""
    stmt = (
        sa.select(pm.Statement)
        .where(
            pm.Statement.lead_provider_id == lead_provider_id,
            pm.Statement.contract_period_year == cohort,
            pm.Statement.fee_type == pm.FeeType.OUTPUT,
            pm.Statement.status == pm.StatementStatus.OPEN,
            pm.Statement.deadline_date >= today,
        )
        .order_by(pm.Statement.deadline_date, pm.Statement.id)
        .limit(1)
    )
    return await session.scalar(
        domain_read(stmt, "a declaration goes on the provider's next open output statement")
    )


def _check_not_frozen(contract_period: trm.ContractPeriod, field: str, now: dt.datetime) -> None:
    frozen = contract_period.payments_frozen_at
    if frozen is not None and frozen <= now:
        raise Refusal(
            "PAYMENTS_FROZEN",
            field,
            f"Payments for the {contract_period.year} contract period were frozen on "
            f"{_utc_day(frozen)}: declarations for it can no longer be made or voided.",
        )


def _no_statement(cohort: int, field: str) -> Refusal:
    return Refusal(
        "NO_OPEN_STATEMENT",
        field,
        f"You have no open output statement left for the {cohort} contract period, so "
        "nothing more can be declared or clawed back for it. Contact DfE if this is wrong.",
    )


# -- creating -----------------------------------------------------------------------------


def _participant_type_of(course_identifier: str) -> ParticipantType:
    participant_type = COURSE_IDENTIFIERS.get(course_identifier.strip())
    if participant_type is None:
        raise Refusal(
            "INVALID_COURSE_IDENTIFIER",
            "courseIdentifier",
            f"{course_identifier!r} is not a course: use ecf-induction for an ECT's "
            "training or ecf-mentor for a mentor's.",
        )
    return participant_type


def _evidence(
    evidence_held: str | None, training: Training, declaration_type: DeclarationType
) -> EvidenceType | None:
    """The evidence kept on the declaration, or a refusal (``EvidenceTypeValidator``)."""
    if training.contract_period.year >= DETAILED_EVIDENCE_FROM:
        allowed = detailed_evidence(training.participant_type, declaration_type)
    elif declaration_type is DeclarationType.STARTED:
        return None  # not asked for before 2025: not kept, as the real service drops it
    else:
        allowed = SIMPLE_EVIDENCE
    choices = ", ".join(e.value for e in allowed)
    raw = (evidence_held or "").strip()
    if not raw:
        raise Refusal(
            "EVIDENCE_REQUIRED",
            "evidenceHeld",
            f"Say what evidence you hold for this {declaration_type.value} declaration: "
            f"one of {choices}.",
        )
    given = next((e for e in EvidenceType if e.value == raw), None)
    if given is None or given not in allowed:
        raise Refusal(
            "INVALID_EVIDENCE_TYPE",
            "evidenceHeld",
            f"{raw!r} is not evidence for a {declaration_type.value} declaration in the "
            f"{training.contract_period.year} contract period: use one of {choices}.",
        )
    return given


async def _milestone(
    session: AsyncSession, training: Training, declaration_type: DeclarationType
) -> trm.Milestone:
    milestone = await session.scalar(
        sa.select(trm.Milestone).where(
            trm.Milestone.schedule_id == training.schedule.id,
            trm.Milestone.declaration_type == declaration_type,
        )
    )
    if milestone is None:
        raise Refusal(
            "DECLARATION_TYPE_NOT_IN_SCHEDULE",
            "declarationType",
            f"The participant's schedule ({training.schedule.identifier}) has no "
            f"{declaration_type.value} milestone: declare one of its types.",
        )
    return milestone


def _check_date(
    declaration_date: dt.datetime,
    milestone: trm.Milestone,
    training: Training,
    clock: Clock,
) -> None:
    if declaration_date > clock.now:
        raise Refusal(
            "DECLARATION_DATE_IN_FUTURE",
            "declarationDate",
            f"{declaration_date.isoformat()} is in the future: declare a point already reached.",
        )
    day = _utc_day(declaration_date)
    window = f"{milestone.start_date} to {milestone.milestone_date or 'the end of the training'}"
    if day < milestone.start_date:
        raise Refusal(
            "DECLARATION_DATE_BEFORE_MILESTONE",
            "declarationDate",
            f"A {milestone.declaration_type.value} declaration on this schedule is dated "
            f"within {window}: {day} is before its start.",
        )
    if milestone.milestone_date is not None and day > milestone.milestone_date:
        raise Refusal(
            "DECLARATION_DATE_AFTER_MILESTONE",
            "declarationDate",
            f"A {milestone.declaration_type.value} declaration on this schedule is dated "
            f"within {window}: {day} is after its milestone date.",
        )
    withdrawn = training.period.withdrawn_at
    if withdrawn is not None and withdrawn <= declaration_date:
        raise Refusal(
            "DECLARATION_AFTER_WITHDRAWAL",
            "declarationDate",
            f"This participant withdrew on {withdrawn.isoformat()}: give a declaration date "
            "before the withdrawal.",
        )
    # The closest training period may have finished before the day (deferred, moved on,
    # or an induction outcome closed it): the participant no longer trained with you
    # then, so nothing reached that day is yours to be paid for.
    finished = training.period.finished_on
    if finished is not None and day > finished:
        raise Refusal(
            "DECLARATION_AFTER_TRAINING",
            "declarationDate",
            f"This participant's training with you finished on {finished}: give a "
            "declaration date on or before it.",
        )


def _check_zone(declaration_date: dt.datetime) -> None:
    if declaration_date.tzinfo is None:
        raise Refusal(
            "INVALID_DECLARATION_DATE",
            "declarationDate",
            "Give the declaration date with its zone, e.g. 2026-10-01T09:00:00Z.",
        )


def _check_mentor_type(training: Training, declaration_type: DeclarationType) -> None:
    if (
        training.participant_type is ParticipantType.MENTOR
        and training.contract_period.mentor_funding_enabled
        and declaration_type not in MENTOR_FUNDED_TYPES
    ):
        raise Refusal(
            "MENTOR_DECLARATION_TYPE_NOT_ALLOWED",
            "declarationType",
            f"Mentors in the {training.contract_period.year} contract period are funded for "
            "started and completed only: declare one of those.",
        )


def _same(
    existing: pm.Declaration,
    lead_provider_id: int,
    declaration_date: dt.datetime,
    evidence: EvidenceType | None,
) -> bool:
    """The same declaration sent again (the real service's ``existing_declaration``)."""
    return (
        existing.lead_provider_id == lead_provider_id
        and existing.declaration_date == declaration_date
        and existing.evidence_type == evidence
    )


def _duplicate(existing: pm.Declaration, lead_provider_id: int) -> Refusal:
    """Another provider's declaration is named by its type only: its date is theirs
    (the caller may not see it when it falls outside the caller's own training)."""
    own = existing.lead_provider_id == lead_provider_id
    detail = (
        f"already exists for this participant (yours, dated "
        f"{_utc_day(existing.declaration_date)}): void it first if it is wrong, or "
        if own
        else "already exists for this participant (made by another lead provider): "
    )
    return Refusal(
        "DUPLICATE_DECLARATION",
        "declarationType",
        f"A {existing.declaration_type.value} declaration that is or will be paid "
        f"{detail}declare another type.",
    )


async def _uplifts(
    session: AsyncSession, training: Training, declaration_type: DeclarationType
) -> tuple[bool, bool]:
    """(pupil premium, sparsity): on an ECT's started declaration only, from the school's
    funding flags for the cohort, when the contract period pays uplift fees (the real
    service's ``update_uplifts!``; mentors' declarations carry none)."""
    if (
        declaration_type is not DeclarationType.STARTED
        or training.participant_type is not ParticipantType.ECT
        or not training.contract_period.uplift_fees_enabled
    ):
        return False, False
    stmt = (
        sa.select(sm.SchoolFunding.pupil_premium_uplift, sm.SchoolFunding.sparsity_uplift)
        .join(sm.ECTAtSchoolPeriod, sm.ECTAtSchoolPeriod.school_id == sm.SchoolFunding.school_id)
        .where(
            sm.ECTAtSchoolPeriod.id == training.period.ect_at_school_period_id,
            sm.SchoolFunding.contract_period_year == training.contract_period.year,
        )
    )
    row = (
        await session.execute(
            domain_read(stmt, "a started declaration's uplifts are its school's for the cohort")
        )
    ).first()
    return (bool(row.pupil_premium_uplift), bool(row.sparsity_uplift)) if row else (False, False)


@dataclass(frozen=True)
class Created:
    declaration: pm.Declaration
    new: bool
    """False when the same declaration had been made already (nothing was written)."""


async def create(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    participant_id: uuid.UUID,
    declaration_type: DeclarationType,
    declaration_date: dt.datetime,
    course_identifier: str,
    evidence_held: str | None,
) -> Created:
    """Declare that a participant training with the viewer's provider reached a point."""
    lead_provider_id = viewer.lead_provider_id
    if lead_provider_id is None:  # the permission class admits lead providers only
        raise Refusal("FORBIDDEN", None, "Only a lead provider may declare.")
    scope = Scope(viewer, clock.today)
    participant_type = _participant_type_of(course_identifier)
    _check_zone(declaration_date)
    teacher = await _teacher(session, scope, participant_id)
    training = await _training(
        session, scope, teacher, participant_type, _utc_day(declaration_date)
    )
    _check_mentor_type(training, declaration_type)
    milestone = await _milestone(session, training, declaration_type)
    evidence = _evidence(evidence_held, training, declaration_type)
    existing = await _billable(session, teacher.id, participant_type, declaration_type)
    if existing is not None and _same(existing, lead_provider_id, declaration_date, evidence):
        return Created(existing, new=False)
    _check_date(declaration_date, milestone, training, clock)
    if training.delivery_partner_id is None:
        raise Refusal(
            "NO_PARTNERSHIP",
            "participantId",
            "This participant's training has an expression of interest but no partnership "
            "with their school yet: a declaration records the delivery partner, so make the "
            "partnership first.",
        )
    # Frozen first: a refusal about a frozen cohort says nothing of other declarations.
    _check_not_frozen(training.contract_period, "participantId", clock.now)
    if existing is not None:
        raise _duplicate(existing, lead_provider_id)
    cohort = training.contract_period.year
    statement = await next_output_statement(session, lead_provider_id, cohort, clock.today)
    if statement is None:
        raise _no_statement(cohort, "participantId")
    eligible = funding.is_eligible(teacher, participant_type)
    premium, sparsity = await _uplifts(session, training, declaration_type)
    declaration = pm.Declaration(
        training_period_id=training.period.id,
        teacher_id=teacher.id,
        lead_provider_id=lead_provider_id,
        participant_type=participant_type,
        delivery_partner_id=training.delivery_partner_id,
        declaration_type=declaration_type,
        declaration_date=declaration_date,
        evidence_type=evidence,
        payment_status=pm.PaymentStatus.ELIGIBLE if eligible else pm.PaymentStatus.NO_PAYMENT,
        payment_statement_id=statement.id,
        pupil_premium_uplift=premium,
        sparsity_uplift=sparsity,
        created_at=clock.now,
        updated_at=clock.now,
    )
    try:
        async with session.begin_nested():
            session.add(declaration)
    except IntegrityError:
        # Another request declared the same type at the same moment and committed first.
        winner = await _billable(session, teacher.id, participant_type, declaration_type)
        if winner is not None and _same(winner, lead_provider_id, declaration_date, evidence):
            return Created(winner, new=False)
        if winner is None:  # the winner was voided in between: rare, and safe to retry
            raise Refusal(
                "CONFLICT", "declarationType", "Declared at the same moment: try again."
            ) from None
        raise _duplicate(winner, lead_provider_id) from None
    audit.record(
        session,
        viewer,
        "declaration_created",
        clock.now,
        audit.changes(
            declaration_type=(None, declaration_type),
            declaration_date=(None, declaration_date.isoformat()),
            payment_status=(None, declaration.payment_status),
            statement=(None, f"{statement.year}-{statement.month:02d}"),
        ),
        teacher_id=teacher.id,
        lead_provider_id=lead_provider_id,
        training_period_id=training.period.id,
        declaration_id=declaration.id,
        statement_id=statement.id,
    )
    return Created(declaration, new=True)


# -- voiding ------------------------------------------------------------------------------


async def void(
    session: AsyncSession, viewer: Viewer, clock: Clock, *, declaration_id: uuid.UUID
) -> pm.Declaration:
    """Void a declaration (the real service's ``API::Declarations::Void``,
    ``Declarations::Clawback`` and its finance users' void): submitted, eligible or
    payable becomes voided; paid becomes awaiting clawback on the declaring provider's
    next open output statement for the cohort.

    A lead provider voids its own declarations only; DfE finance any declaration
    (DOMAIN.md: finance "voids declarations"), under the same rules, the event naming
    finance as its author."""
    stmt = (
        Scope(viewer, clock.today)
        .select(pm.Declaration)
        .where(pm.Declaration.api_id == declaration_id)
        .with_for_update()
    )
    if viewer.role is Role.FINANCE:
        pass  # any declaration: finance reads them all
    elif viewer.lead_provider_id is not None:
        # Own declarations only: another provider's (even one the viewer may read) is
        # NOT_FOUND, exactly as an unknown id.
        stmt = stmt.where(pm.Declaration.lead_provider_id == viewer.lead_provider_id)
    else:  # the permission class admits lead providers and finance only
        raise Refusal("FORBIDDEN", None, "Only a lead provider or DfE finance may void.")
    declaration = await session.scalar(stmt)
    if declaration is None:
        raise not_found("declarationId", "declaration")
    match declaration.clawback_status:
        case pm.ClawbackStatus.AWAITING_CLAWBACK:
            raise Refusal(
                "ALREADY_AWAITING_CLAWBACK",
                "declarationId",
                "This declaration was voided after payment and awaits clawback: there is "
                "nothing more to void.",
            )
        case pm.ClawbackStatus.CLAWED_BACK:
            raise Refusal(
                "ALREADY_CLAWED_BACK",
                "declarationId",
                "This declaration has been clawed back, so you can only view it.",
            )
        case pm.ClawbackStatus.NO_CLAWBACK:
            pass
    if declaration.payment_status is pm.PaymentStatus.VOIDED:
        raise Refusal(
            "ALREADY_VOIDED", "declarationId", "This declaration has already been voided."
        )
    cohort = await _cohort_of(session, declaration)
    _check_not_frozen(cohort, "declarationId", clock.now)
    before = (declaration.payment_status, declaration.clawback_status)
    if declaration.payment_status is pm.PaymentStatus.PAID:
        clawback = await next_output_statement(
            session, declaration.lead_provider_id, cohort.year, clock.today
        )
        if clawback is None:
            raise _no_statement(cohort.year, "declarationId")
        declaration.clawback_status = pm.ClawbackStatus.AWAITING_CLAWBACK
        declaration.clawback_statement_id = clawback.id
        event_type, statement_id = "declaration_clawback_requested", clawback.id
    else:
        declaration.payment_status = pm.PaymentStatus.VOIDED
        event_type = "declaration_voided"
        statement_id = declaration.payment_statement_id
    declaration.voided_at = clock.now
    declaration.updated_at = clock.now
    await session.flush()
    audit.record(
        session,
        viewer,
        event_type,
        clock.now,
        audit.changes(
            payment_status=(before[0], declaration.payment_status),
            clawback_status=(before[1], declaration.clawback_status),
        ),
        teacher_id=declaration.teacher_id,
        lead_provider_id=declaration.lead_provider_id,
        training_period_id=declaration.training_period_id,
        declaration_id=declaration.id,
        statement_id=statement_id,
    )
    return declaration


async def _cohort_of(session: AsyncSession, declaration: pm.Declaration) -> trm.ContractPeriod:
    """The contract period a declaration is paid in: its training's schedule's (the
    statement it is on belongs to the same contract period)."""
    why = "a declaration is paid in its training's contract period"
    schedule_id = domain_read(
        sa.select(trm.TrainingPeriod.schedule_id).where(
            trm.TrainingPeriod.id == declaration.training_period_id
        ),
        why,
    )
    year = sa.select(trm.Schedule.contract_period_year).where(
        trm.Schedule.id == schedule_id.scalar_subquery()
    )
    found = await session.scalar(domain_read(year, why))
    return await session.get_one(trm.ContractPeriod, found)
