"""Lead providers' rules on their participants' training: withdraw, defer, resume and
change schedule (DOMAIN.md, "Rules the workflows must enforce: Lead providers").

The real service's rules are followed (``register-early-career-teachers``:
``API::Teachers::{Withdraw,Defer,Resume,ChangeSchedule}`` and ``Teachers::*``):

- A participant is named as the Lead Provider API names them: the teacher's
  ``api_id`` (participant id) and the participant type (ECT or mentor). The action
  applies to that participant's latest training period with the calling lead provider
  (read through its ``Scope``: another provider's participant is NOT_FOUND, exactly as
  one that does not exist).
- Withdraw and defer stamp ``withdrawn_at`` / ``deferred_at`` with the request's instant
  and close the training on the request's day (``finished_on`` = the earlier of its own
  finish and today). A deferred participant may be withdrawn: the deferral is kept and
  the latest action wins (``derived.training_status``); a withdrawn one is never
  deferred. Both are refused before the training has run a whole day (it starts today
  or later): the real service says "try again tomorrow".
- Resume opens a new training period from today to the end of the school period, with
  the old one's partnership and schedule; refused the day the training stopped (the
  two periods would share that day), when the participant is not at the school today,
  and when the participant already trains elsewhere (another provider or school).
- Change schedule moves the training onto another schedule (and optionally cohort): in
  place when the training starts today or later, else the current training finishes
  yesterday and a new one starts today, as the real service does.

Every success touches the teacher (lead providers' "updated since") and writes one
audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import Scope, domain_read
from gateway.auth.viewer import Viewer
from gateway.models import inductions as im
from gateway.models import payments as pm
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.rules import audit, derived
from gateway.rules.common import Clock, touch_teacher
from gateway.rules.refusals import Refusal

ONE_DAY = dt.timedelta(days=1)


class ParticipantType(enum.StrEnum):
    """How the Lead Provider API names the training: ``course_identifier``
    ecf-induction (ECT) or ecf-mentor (mentor)."""

    ECT = "ect"
    MENTOR = "mentor"


MENTOR_ONLY_REASONS = frozenset({trm.WithdrawalReason.MENTOR_NO_LONGER_BEING_MENTOR})
"""Withdrawal reasons refused for an ECT (RECT ``TrainingPeriod::MENTOR_ONLY_WITHDRAWAL_
REASONS``). Deferral reasons are the same list for both types."""


def withdrawal_reasons(participant_type: ParticipantType) -> list[trm.WithdrawalReason]:
    """The withdrawal reasons a lead provider may give for this type of participant."""
    return [
        r
        for r in trm.WithdrawalReason
        if participant_type is ParticipantType.MENTOR or r not in MENTOR_ONLY_REASONS
    ]


@dataclass(frozen=True)
class Participant:
    """The participant an action names: the teacher, and the latest training period of
    that type with the calling lead provider (locked for the transaction)."""

    teacher: tm.Teacher
    training: trm.TrainingPeriod
    type: ParticipantType


def _lead_provider_id(viewer: Viewer) -> int:
    if viewer.lead_provider_id is None:  # the permission class admits lead providers only
        raise Refusal("FORBIDDEN", None, "Only a lead provider may do this.")
    return viewer.lead_provider_id


def _not_found(field: str) -> Refusal:
    return Refusal(
        "NOT_FOUND",
        field,
        "None of your participants has that participantId and participantType: give the "
        "participantId of someone you train, with ECT or MENTOR as they train with you.",
    )


async def find_participant(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    participant_id: uuid.UUID,
    participant_type: ParticipantType,
) -> Participant:
    """The participant's latest training of that type with the viewer, locked."""
    _lead_provider_id(viewer)
    scope = Scope(viewer, clock.today)
    teacher = await session.scalar(
        scope.select(tm.Teacher).where(tm.Teacher.api_id == participant_id).with_for_update()
    )
    if teacher is None:
        raise _not_found("participantId")
    key = (
        trm.TrainingPeriod.ect_at_school_period_id
        if participant_type is ParticipantType.ECT
        else trm.TrainingPeriod.mentor_at_school_period_id
    )
    training = await session.scalar(
        scope.select(trm.TrainingPeriod)
        .where(trm.TrainingPeriod.teacher_id == teacher.id, key.is_not(None))
        .order_by(trm.TrainingPeriod.started_on.desc(), trm.TrainingPeriod.id.desc())
        .limit(1)
        .with_for_update()
    )
    if training is None:
        raise _not_found("participantType")
    return Participant(teacher, training, participant_type)


def _check_has_trained_a_day(training: trm.TrainingPeriod, today: dt.date, what: str) -> None:
    if training.started_on > today:
        raise Refusal(
            "TRAINING_NOT_STARTED",
            "participantId",
            f"The participant's training with you starts on {training.started_on}: you "
            f"cannot {what} them before they have trained with you for at least one day.",
        )
    if training.started_on == today:
        raise Refusal(
            "TRAINING_NOT_STARTED",
            "participantId",
            f"The participant's training with you started today: {what} them tomorrow or later.",
        )


def _stop_day(training: trm.TrainingPeriod, today: dt.date) -> dt.date:
    """The day a withdrawal or deferral closes the training: today, unless it already
    finished earlier."""
    return min(training.finished_on, today) if training.finished_on else today


# -- withdraw and defer ------------------------------------------------------------------


async def withdraw(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    participant_id: uuid.UUID,
    participant_type: ParticipantType,
    reason: trm.WithdrawalReason,
) -> Participant:
    """Withdraw the participant: not if already withdrawn (a deferred one may be)."""
    p = await find_participant(session, viewer, clock, participant_id, participant_type)
    training = p.training
    if derived.training_status(training) is derived.TrainingStatus.WITHDRAWN:
        raise Refusal(
            "ALREADY_WITHDRAWN",
            "participantId",
            f"The participant was already withdrawn on {training.withdrawn_at:%Y-%m-%d}: "
            "resume them first if they train with you again.",
        )
    _check_has_trained_a_day(training, clock.today, "withdraw")
    if participant_type is ParticipantType.ECT and reason in MENTOR_ONLY_REASONS:
        allowed = ", ".join(r.name for r in withdrawal_reasons(ParticipantType.ECT))
        raise Refusal(
            "REASON_NOT_FOR_PARTICIPANT_TYPE",
            "reason",
            f"{reason.name} is for mentors only and this participant trains as an ECT: "
            f"give one of {allowed}.",
        )
    before = (training.finished_on, derived.training_status(training))
    training.withdrawn_at = clock.now
    training.withdrawal_reason = reason
    training.finished_on = _stop_day(training, clock.today)
    await session.flush()
    await touch_teacher(session, p.teacher.id, clock.now)
    audit.record(
        session,
        viewer,
        "participant_withdrawn",
        clock.now,
        audit.changes(
            training_status=(before[1], derived.TrainingStatus.WITHDRAWN),
            withdrawal_reason=(None, reason),
            finished_on=(before[0], training.finished_on),
        ),
        teacher_id=p.teacher.id,
        lead_provider_id=viewer.lead_provider_id,
        training_period_id=training.id,
    )
    return p


async def defer(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    participant_id: uuid.UUID,
    participant_type: ParticipantType,
    reason: trm.DeferralReason,
) -> Participant:
    """Defer the participant: not if withdrawn or already deferred."""
    p = await find_participant(session, viewer, clock, participant_id, participant_type)
    training = p.training
    status = derived.training_status(training)
    if status is derived.TrainingStatus.WITHDRAWN:
        raise Refusal(
            "ALREADY_WITHDRAWN",
            "participantId",
            "The participant is withdrawn: a withdrawn participant cannot be deferred.",
        )
    if status is derived.TrainingStatus.DEFERRED:
        raise Refusal(
            "ALREADY_DEFERRED",
            "participantId",
            f"The participant was already deferred on {training.deferred_at:%Y-%m-%d}.",
        )
    _check_has_trained_a_day(training, clock.today, "defer")
    before = training.finished_on
    training.deferred_at = clock.now
    training.deferral_reason = reason
    training.finished_on = _stop_day(training, clock.today)
    await session.flush()
    await touch_teacher(session, p.teacher.id, clock.now)
    audit.record(
        session,
        viewer,
        "participant_deferred",
        clock.now,
        audit.changes(
            training_status=(status, derived.TrainingStatus.DEFERRED),
            deferral_reason=(None, reason),
            finished_on=(before, training.finished_on),
        ),
        teacher_id=p.teacher.id,
        lead_provider_id=viewer.lead_provider_id,
        training_period_id=training.id,
    )
    return p


# -- resume ----------------------------------------------------------------------------


async def _at_school_period(
    session: AsyncSession, viewer: Viewer, today: dt.date, training: trm.TrainingPeriod
) -> sm.ECTAtSchoolPeriod | sm.MentorAtSchoolPeriod:
    """The ECT or mentor period the training belongs to (visible with the training)."""
    model: Any
    period_id: int | None
    if training.ect_at_school_period_id is not None:
        model, period_id = sm.ECTAtSchoolPeriod, training.ect_at_school_period_id
    else:
        model, period_id = sm.MentorAtSchoolPeriod, training.mentor_at_school_period_id
    period = await session.scalar(
        Scope(viewer, today).select(model).where(model.id == period_id).with_for_update()
    )
    if period is None:  # a training period's own school period is always in scope
        raise Refusal("NOT_FOUND", "participantId", "The participant's school period is missing.")
    return period


def _same_type(training: trm.TrainingPeriod) -> sa.ColumnElement[bool]:
    column = (
        trm.TrainingPeriod.ect_at_school_period_id
        if training.ect_at_school_period_id is not None
        else trm.TrainingPeriod.mentor_at_school_period_id
    )
    return column.is_not(None)


async def resume(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    participant_id: uuid.UUID,
    participant_type: ParticipantType,
) -> tuple[Participant, trm.TrainingPeriod]:
    """Resume a withdrawn or deferred participant: a new training period from today to
    the end of their school period, with the same partnership and schedule.

    The real service drops the expression of interest and keeps only the partnership;
    training that never had a partnership keeps its expression of interest here (the
    real service would make provider-led training with neither, which our database
    refuses)."""
    p = await find_participant(session, viewer, clock, participant_id, participant_type)
    old, today = p.training, clock.today
    if derived.training_status(old) is derived.TrainingStatus.ACTIVE:
        raise Refusal(
            "ALREADY_ACTIVE",
            "participantId",
            "The participant is already active with you: only a withdrawn or deferred "
            "participant can be resumed.",
        )
    if old.finished_on is not None and old.finished_on >= today:
        raise Refusal(
            "RESUMED_TOO_SOON",
            "participantId",
            "The participant's training stopped today: resume them tomorrow or later.",
        )
    at_school = await _at_school_period(session, viewer, today, old)
    if at_school.started_on > today or (
        at_school.finished_on is not None and at_school.finished_on < today
    ):
        raise Refusal(
            "NOT_AT_SCHOOL",
            "participantId",
            "The participant is not at the school today: ask the school's induction tutor "
            "to register them where they are now.",
        )
    elsewhere = await session.scalar(
        domain_read(
            sa.select(trm.TrainingPeriod.id)
            .where(
                trm.TrainingPeriod.teacher_id == p.teacher.id,
                _same_type(old),
                trm.TrainingPeriod.id != old.id,
                sa.or_(
                    trm.TrainingPeriod.finished_on.is_(None),
                    trm.TrainingPeriod.finished_on >= today,
                ),
            )
            .limit(1),
            "a participant trains with one provider at a time",
        )
    )
    if elsewhere is not None:
        raise Refusal(
            "ACTIVE_WITH_ANOTHER_PROVIDER",
            "participantId",
            # No date: the other training may be another provider's, which the caller
            # may not read (the policy), so the refusal says only that it exists.
            "The participant has other training running (with another lead provider or "
            "at another school): they cannot be resumed with you.",
        )
    new = trm.TrainingPeriod(
        teacher_id=p.teacher.id,
        ect_at_school_period_id=old.ect_at_school_period_id,
        mentor_at_school_period_id=old.mentor_at_school_period_id,
        started_on=today,
        finished_on=at_school.finished_on,
        training_programme=old.training_programme,
        school_partnership_id=old.school_partnership_id,
        expression_of_interest_id=(
            None if old.school_partnership_id is not None else old.expression_of_interest_id
        ),
        lead_provider_id=old.lead_provider_id,
        schedule_id=old.schedule_id,
    )
    session.add(new)
    await session.flush()
    await touch_teacher(session, p.teacher.id, clock.now)
    audit.record(
        session,
        viewer,
        "participant_resumed",
        clock.now,
        audit.changes(
            training_status=(derived.training_status(old), derived.TrainingStatus.ACTIVE),
            resumed_from_training_period_id=(None, old.id),
            started_on=(None, today),
        ),
        teacher_id=p.teacher.id,
        lead_provider_id=viewer.lead_provider_id,
        training_period_id=new.id,
    )
    return p, new


# -- change schedule ---------------------------------------------------------------------


async def _partnership_in(
    session: AsyncSession,
    viewer: Viewer,
    today: dt.date,
    school_id: int,
    year: int,
    current: trm.SchoolPartnership | None,
) -> trm.SchoolPartnership | None:
    """The viewer's partnership with the school in ``year``: the one with the current
    delivery partner if there is one, else the latest made (as the real service picks)."""
    rows = list(
        await session.scalars(
            Scope(viewer, today)
            .select(trm.SchoolPartnership)
            .where(
                trm.SchoolPartnership.school_id == school_id,
                trm.SchoolPartnership.contract_period_year == year,
            )
            .order_by(trm.SchoolPartnership.created_at.desc(), trm.SchoolPartnership.id.desc())
        )
    )
    if current is not None and rows:
        current_dp = await _delivery_partner_of(session, current)
        for row in rows:
            if await _delivery_partner_of(session, row) == current_dp:
                return row
    return rows[0] if rows else None


async def _delivery_partner_of(session: AsyncSession, partnership: trm.SchoolPartnership) -> int:
    lpdp = await session.get(
        trm.LeadProviderDeliveryPartnership, partnership.lead_provider_delivery_partnership_id
    )
    assert lpdp is not None  # a foreign key
    return lpdp.delivery_partner_id


async def _check_declarations_fit(
    session: AsyncSession,
    training: trm.TrainingPeriod,
    schedule: trm.Schedule,
    cohort_changes: bool,
) -> None:
    """A schedule changed in place must not invalidate the training's declarations: each
    (not voided) one needs its type in the new schedule and its date in that milestone's
    window, and none may stay behind in another cohort (RECT: "Applying another change of
    schedule would invalidate existing declarations")."""
    declarations = list(
        await session.scalars(
            domain_read(
                sa.select(pm.Declaration).where(
                    pm.Declaration.training_period_id == training.id,
                    pm.Declaration.payment_status != pm.PaymentStatus.VOIDED,
                ),
                "a schedule change may not invalidate the training's declarations",
            )
        )
    )
    if not declarations:
        return
    milestones = {
        m.declaration_type: m
        for m in await session.scalars(
            sa.select(trm.Milestone).where(trm.Milestone.schedule_id == schedule.id)
        )
    }
    for d in declarations:
        m = milestones.get(d.declaration_type)
        declared: Any = d.declaration_date
        day = declared.date() if isinstance(declared, dt.datetime) else declared
        fits = (
            not cohort_changes
            and m is not None
            and m.start_date <= day
            and (m.milestone_date is None or day <= m.milestone_date)
        )
        if not fits:
            raise Refusal(
                "DECLARATIONS_WOULD_BE_INVALID",
                "scheduleIdentifier",
                f"The participant's {d.declaration_type.value} declaration of "
                f"{day} would not fit {schedule.identifier} in "
                f"{schedule.contract_period_year}: void it first, or contact DfE.",
            )


async def change_schedule(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    participant_id: uuid.UUID,
    participant_type: ParticipantType,
    schedule_identifier: str,
    cohort: int | None,
) -> tuple[Participant, trm.TrainingPeriod]:
    """Put the participant's training on another schedule, optionally in another cohort.

    Refused (RECT ``API::Teachers::ChangeSchedule``): an unknown identifier or one the
    cohort lacks; the same schedule; ECTs on replacement, mentors on reduced schedules;
    a cohort without a partnership of yours with the school; a cohort whose payments
    are frozen; a withdrawn participant; one who has left the school; an ECT whose
    induction has an outcome (unless moving to a reduced schedule); one due to start
    training elsewhere later; and, when the training changes in place, declarations the
    new schedule would invalidate.

    A deferred participant's schedule may change, as in the real service: the new
    training starts today, active. Not done here (the data is not ours yet): the real
    service lets a participant move back into a frozen cohort they came from, and refuses
    a mentor who has completed mentor training.
    """
    p = await find_participant(session, viewer, clock, participant_id, participant_type)
    training, today = p.training, clock.today
    if schedule_identifier not in trm.SCHEDULE_IDENTIFIERS:
        raise Refusal(
            "INVALID_SCHEDULE",
            "scheduleIdentifier",
            f"{schedule_identifier!r} is not a schedule: give one of "
            + ", ".join(trm.SCHEDULE_IDENTIFIERS)
            + ".",
        )
    current = await session.get(trm.Schedule, training.schedule_id)
    assert current is not None  # provider-led training always has a schedule
    year = cohort if cohort is not None else current.contract_period_year
    contract_period = await session.get(trm.ContractPeriod, year)
    if contract_period is None:
        raise Refusal("NOT_FOUND", "cohort", f"There is no {year} cohort.")
    schedule = await session.scalar(
        sa.select(trm.Schedule).where(
            trm.Schedule.contract_period_year == year,
            trm.Schedule.identifier == schedule_identifier,
        )
    )
    if schedule is None:
        raise Refusal(
            "NO_SCHEDULE",
            "scheduleIdentifier",
            f"The {year} cohort has no {schedule_identifier} schedule: choose one it has.",
        )
    if schedule.id == current.id:
        raise Refusal(
            "SCHEDULE_UNCHANGED",
            "scheduleIdentifier",
            f"The participant is already on {schedule_identifier} in {year}.",
        )
    kind = schedule_identifier.split("-")[1]
    if participant_type is ParticipantType.ECT and kind == "replacement":
        raise Refusal(
            "SCHEDULE_NOT_FOR_PARTICIPANT_TYPE",
            "scheduleIdentifier",
            "ECTs are never on a replacement schedule: choose a standard, extended or reduced one.",
        )
    if participant_type is ParticipantType.MENTOR and kind == "reduced":
        raise Refusal(
            "SCHEDULE_NOT_FOR_PARTICIPANT_TYPE",
            "scheduleIdentifier",
            "Mentors are never on a reduced schedule: choose a standard, extended or "
            "replacement one.",
        )
    cohort_changes = year != current.contract_period_year
    at_school = await _at_school_period(session, viewer, today, training)
    partnership = await session.scalar(
        Scope(viewer, today)
        .select(trm.SchoolPartnership)
        .where(trm.SchoolPartnership.id == training.school_partnership_id)
    )
    if cohort_changes:
        if contract_period.payments_frozen_at is not None:
            raise Refusal(
                "COHORT_FROZEN",
                "cohort",
                f"Payments for the {year} cohort are frozen: participants cannot move into it.",
            )
        partnership = await _partnership_in(
            session, viewer, today, at_school.school_id, year, partnership
        )
        if partnership is None:
            raise Refusal(
                "NO_PARTNERSHIP_IN_COHORT",
                "cohort",
                f"You have no partnership with the participant's school in {year}: create "
                "one first, or contact DfE.",
            )
    if derived.training_status(training) is derived.TrainingStatus.WITHDRAWN:
        raise Refusal(
            "ALREADY_WITHDRAWN",
            "participantId",
            "The participant is withdrawn: resume them before changing their schedule.",
        )
    if at_school.finished_on is not None and at_school.finished_on < today:
        raise Refusal(
            "NOT_AT_SCHOOL",
            "participantId",
            f"The participant left the school on {at_school.finished_on}: they no longer "
            "train with you.",
        )
    if participant_type is ParticipantType.ECT and kind != "reduced":
        outcome = await session.scalar(
            domain_read(
                sa.select(im.InductionPeriod.outcome).where(
                    im.InductionPeriod.teacher_id == p.teacher.id,
                    im.InductionPeriod.outcome.is_not(None),
                ),
                "an ECT whose induction has an outcome has completed training",
            ).limit(1)
        )
        if outcome is not None:
            raise Refusal(
                "TRAINING_COMPLETED",
                "participantId",
                "The ECT's induction has an outcome: their schedule can only change to a "
                "reduced one.",
            )
    later = await session.scalar(
        domain_read(
            sa.select(trm.TrainingPeriod.id)
            .where(
                trm.TrainingPeriod.teacher_id == p.teacher.id,
                _same_type(training),
                trm.TrainingPeriod.started_on > training.started_on,
            )
            .limit(1),
            "a participant due to train elsewhere later keeps their schedule",
        )
    )
    if later is not None:
        raise Refusal(
            "TRAINING_ELSEWHERE_LATER",
            "participantId",
            # No date: the later training may be another provider's (see above).
            "The participant is due to train elsewhere later: their schedule with you "
            "cannot change.",
        )

    new_partnership_id = partnership.id if partnership is not None else None
    before = {
        "schedule": f"{current.contract_period_year} {current.identifier}",
        "school_partnership_id": training.school_partnership_id,
    }
    if training.started_on >= today:
        # Not started yet (or starts today): the training itself changes.
        await _check_declarations_fit(session, training, schedule, cohort_changes)
        result = training
        if cohort_changes and training.expression_of_interest_id is not None:
            training.expression_of_interest_id = await session.scalar(
                sa.select(trm.ActiveLeadProvider.id).where(
                    trm.ActiveLeadProvider.lead_provider_id == viewer.lead_provider_id,
                    trm.ActiveLeadProvider.contract_period_year == year,
                )
            )
        training.schedule_id = schedule.id
        training.school_partnership_id = new_partnership_id
        training.lead_provider_id = viewer.lead_provider_id  # its partnership's, or EOI's
    else:
        # Training under way: it finishes yesterday (or when it already did) and new
        # training starts today on the new schedule; its declarations stay where they are.
        future_finishes = [
            d for d in (training.finished_on, at_school.finished_on) if d is not None and d >= today
        ]
        training.finished_on = min(training.finished_on or today - ONE_DAY, today - ONE_DAY)
        await session.flush()  # the old training closes before the new one opens
        result = trm.TrainingPeriod(
            teacher_id=p.teacher.id,
            ect_at_school_period_id=training.ect_at_school_period_id,
            mentor_at_school_period_id=training.mentor_at_school_period_id,
            started_on=today,
            finished_on=min(future_finishes) if future_finishes else None,
            training_programme=training.training_programme,
            school_partnership_id=new_partnership_id,
            expression_of_interest_id=(
                None if new_partnership_id is not None else training.expression_of_interest_id
            ),
            lead_provider_id=viewer.lead_provider_id,
            schedule_id=schedule.id,
        )
        session.add(result)
    await session.flush()
    await touch_teacher(session, p.teacher.id, clock.now)
    audit.record(
        session,
        viewer,
        "participant_schedule_changed",
        clock.now,
        audit.changes(
            schedule=(before["schedule"], f"{year} {schedule_identifier}"),
            school_partnership_id=(before["school_partnership_id"], new_partnership_id),
            training_period_id=(training.id, result.id),
        ),
        teacher_id=p.teacher.id,
        lead_provider_id=viewer.lead_provider_id,
        training_period_id=result.id,
    )
    return p, result
