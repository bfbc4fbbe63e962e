"""Appropriate bodies' induction rules: claim, pass, fail, release, extensions.

Plain functions over the session and models, importable without Strawberry or HTTP.
Each raises ``Refusal`` when a rule says no (the caller's transaction then rolls back)
and records an audit event beside its writes. Reads they make to decide are
``policy.domain_read``: they may look beyond the caller's scope, but only a refusal or
a write comes back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import COMPLETE_IN_RECORD, domain_read, may_call
from gateway.auth.viewer import Viewer
from gateway.models import inductions as im
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.models.training import ParticipantType
from gateway.rules import audit, funding
from gateway.rules.common import Clock, check_not_stale, touch_teacher
from gateway.rules.refusals import Refusal
from gateway.teacher_records import TeacherRecordSource

FIRST_START = dt.date(2021, 9, 1)
"""New inductions are registered from the start of the ECF reforms (DOMAIN.md)."""

MAX_TERMS = Decimal(16)


def check_terms(terms: Decimal, field: str, *, minimum: Decimal = Decimal(0)) -> None:
    if terms != terms.quantize(Decimal("0.1")):
        raise Refusal(
            "TERMS_PRECISION", field, f"{terms} has more than one decimal place: e.g. 2.5."
        )
    if not minimum <= terms <= MAX_TERMS:
        raise Refusal(
            "TERMS_OUT_OF_RANGE", field, f"{terms} terms is outside {minimum} to {MAX_TERMS}."
        )


async def _teacher_by_trn(session: AsyncSession, trn: str) -> tm.Teacher | None:
    return await session.scalar(
        domain_read(
            sa.select(tm.Teacher).where(tm.Teacher.trn == trn),
            "a claim names the teacher by TRN before the body can see them",
        ).with_for_update()
    )


def _record(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    event_type: str,
    period: im.InductionPeriod,
    modifications: dict[str, list[Any]],
) -> None:
    """The audit event of a change to an induction period."""
    audit.record(
        session,
        viewer,
        event_type,
        clock.now,
        modifications,
        teacher_id=period.teacher_id,
        appropriate_body_id=period.appropriate_body_id,
        induction_period_id=period.id,
    )


async def _periods(session: AsyncSession, teacher_id: int) -> list[im.InductionPeriod]:
    rows = await session.scalars(
        domain_read(
            sa.select(im.InductionPeriod)
            .where(im.InductionPeriod.teacher_id == teacher_id)
            .order_by(im.InductionPeriod.started_on),
            "induction rules look at every induction period of the teacher",
        )
    )
    return list(rows)


NOT_FOUND_MESSAGE = (
    "No teacher with that TRN and date of birth: check both against the teacher's record."
)


async def claim(
    session: AsyncSession,
    records: TeacherRecordSource,
    viewer: Viewer,
    clock: Clock,
    *,
    trn: str,
    date_of_birth: dt.date,
    started_on: dt.date,
    training_programme: im.TrainingProgramme,
) -> im.InductionPeriod:
    """Open an induction period with the viewer's appropriate body (DOMAIN.md: "Claim")."""
    body_id = viewer.appropriate_body_id
    assert body_id is not None
    # The same answer for an unknown TRN and a wrong date of birth: TRNs cannot be probed.
    record = await records.find(trn, date_of_birth)
    teacher = await _teacher_by_trn(session, trn) if record is not None else None
    if record is None or teacher is None:
        raise Refusal("TEACHER_NOT_FOUND", "trn", NOT_FOUND_MESSAGE)
    if record.qts_awarded_on is None:
        raise Refusal(
            "NO_QTS", "trn", "The teacher has no QTS in their record: induction needs QTS."
        )
    if record.induction_status in COMPLETE_IN_RECORD:
        raise Refusal(
            "INDUCTION_COMPLETE",
            "trn",
            f"The teacher's record says their induction is {record.induction_status.value}: "
            "it cannot be claimed.",
        )
    periods = await _periods(session, teacher.id)
    if any(p.outcome is not None for p in periods):
        raise Refusal("INDUCTION_COMPLETE", "trn", "The teacher already has an induction outcome.")
    open_period = next((p for p in periods if p.finished_on is None), None)
    if open_period is not None:
        if open_period.appropriate_body_id == body_id:
            raise Refusal("ALREADY_CLAIMED", "trn", "You already supervise this induction.")
        raise Refusal(
            "CLAIMED_BY_ANOTHER_BODY",
            "trn",
            "Another appropriate body supervises this induction now: it must release the "
            "teacher before you can claim them.",
        )
    check_start(started_on, record.qts_awarded_on, clock.today)
    latest_finish = max((p.finished_on for p in periods if p.finished_on), default=None)
    if latest_finish is not None and started_on <= latest_finish:
        raise Refusal(
            "OVERLAPS_PERIOD",
            "startedOn",
            f"An earlier induction period ran until {latest_finish}: start after it.",
        )
    period = im.InductionPeriod(
        teacher_id=teacher.id,
        appropriate_body_id=body_id,
        started_on=started_on,
        training_programme=training_programme,
    )
    session.add(period)
    teacher.api_updated_at = clock.now
    try:
        await session.flush()
    except IntegrityError:
        # Another claim committed first (one open period per teacher, in the database).
        raise Refusal(
            "CLAIMED_BY_ANOTHER_BODY",
            "trn",
            "Another appropriate body has just claimed this teacher.",
        ) from None
    if await funding.has_ect_period(session, teacher.id):
        await funding.mark_eligible(session, teacher, ParticipantType.ECT, clock.now)
    audit.record(
        session,
        viewer,
        "induction_period_opened",
        clock.now,
        audit.changes(started_on=(None, started_on), training_programme=(None, training_programme)),
        teacher_id=teacher.id,
        appropriate_body_id=body_id,
        induction_period_id=period.id,
    )
    return period


def check_start(started_on: dt.date, qts_awarded_on: dt.date, today: dt.date) -> None:
    if started_on > today:
        raise Refusal("START_IN_FUTURE", "startedOn", f"{started_on} is in the future.")
    if started_on < qts_awarded_on:
        raise Refusal(
            "START_BEFORE_QTS",
            "startedOn",
            f"Induction cannot start before QTS was awarded ({qts_awarded_on}).",
        )
    if started_on < FIRST_START:
        raise Refusal(
            "START_TOO_EARLY",
            "startedOn",
            f"New inductions start on or after {FIRST_START}.",
        )


async def open_period_of_viewer(
    session: AsyncSession, viewer: Viewer, period_id: int
) -> im.InductionPeriod:
    """The viewer's own open induction period with that id, locked for the write."""
    period = await session.scalar(
        domain_read(
            sa.select(im.InductionPeriod).where(im.InductionPeriod.id == period_id),
            "the period being closed, checked against the caller below",
        ).with_for_update()
    )
    if period is None or period.appropriate_body_id != viewer.appropriate_body_id:
        raise Refusal(
            "NOT_FOUND", "inductionPeriodId", "No induction period with that id is yours."
        )
    if period.finished_on is not None:
        raise Refusal(
            "PERIOD_CLOSED",
            "inductionPeriodId",
            f"This induction period finished on {period.finished_on}; only an open one can "
            "be closed.",
        )
    return period


async def close(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    period_id: int,
    finished_on: dt.date,
    number_of_terms: Decimal,
    outcome: im.InductionOutcome | None,
) -> im.InductionPeriod:
    """Record a pass or a fail (``outcome``) or release (``None``) the teacher.

    Pass and fail set the outcome, once per teacher ever, and finish the ECT's open
    training and mentorships on the same day, as the real service does."""
    period = await open_period_of_viewer(session, viewer, period_id)
    if finished_on > clock.today:
        raise Refusal("FINISH_IN_FUTURE", "finishedOn", f"{finished_on} is in the future.")
    if finished_on < period.started_on:
        raise Refusal(
            "FINISH_BEFORE_START",
            "finishedOn",
            f"The period started on {period.started_on}: it cannot finish before that.",
        )
    check_terms(number_of_terms, "numberOfTerms")
    if outcome is not None:
        periods = await _periods(session, period.teacher_id)
        if any(p.outcome is not None for p in periods):
            raise Refusal(
                "OUTCOME_ALREADY_RECORDED",
                "inductionPeriodId",
                "This teacher already has an induction outcome; there is only one, ever.",
            )
    before = (period.finished_on, period.number_of_terms, period.outcome)
    period.finished_on = finished_on
    period.number_of_terms = number_of_terms
    period.outcome = outcome
    if outcome is not None:
        await _finish_ect_training_and_mentorships(session, period.teacher_id, finished_on)
    await touch_teacher(session, period.teacher_id, clock.now)
    event_type = {
        im.InductionOutcome.PASS: "induction_passed",
        im.InductionOutcome.FAIL: "induction_failed",
        None: "teacher_released",
    }[outcome]
    _record(
        session,
        viewer,
        clock,
        event_type,
        period,
        audit.changes(
            finished_on=(before[0], finished_on),
            number_of_terms=(before[1], number_of_terms),
            outcome=(before[2], outcome),
        ),
    )
    await session.flush()
    return period


async def _finish_ect_training_and_mentorships(
    session: AsyncSession, teacher_id: int, finished_on: dt.date
) -> None:
    ect_periods = domain_read(
        sa.select(sm.ECTAtSchoolPeriod.id).where(sm.ECTAtSchoolPeriod.teacher_id == teacher_id),
        "an outcome finishes training and mentorships at every school the ECT is at",
    )
    for model, key in (
        (trm.TrainingPeriod, trm.TrainingPeriod.ect_at_school_period_id),
        (sm.MentorshipPeriod, sm.MentorshipPeriod.ect_at_school_period_id),
    ):
        still_open = await session.scalars(
            domain_read(
                sa.select(model).where(key.in_(ect_periods), model.finished_on.is_(None)),
                "an outcome finishes the ECT's open training and mentorships",
            )
        )
        for row in still_open:
            # One that started after the outcome date ends the day it started.
            row.finished_on = max(row.started_on, finished_on)


async def add_extension(
    session: AsyncSession, viewer: Viewer, clock: Clock, *, teacher_id: int, terms: Decimal
) -> im.InductionExtension:
    """Extend the induction of a teacher the viewer supervises now."""
    periods = await _periods(session, teacher_id)
    supervising = any(
        p.finished_on is None and p.appropriate_body_id == viewer.appropriate_body_id
        for p in periods
    )
    if not supervising:
        raise Refusal(
            "NOT_FOUND", "teacherId", "No teacher whose induction you supervise now has that id."
        )
    check_terms(terms, "numberOfTerms", minimum=Decimal("0.1"))
    extension = im.InductionExtension(teacher_id=teacher_id, number_of_terms=terms)
    session.add(extension)
    await session.flush()
    audit.record(
        session,
        viewer,
        "induction_extended",
        clock.now,
        audit.changes(number_of_terms=(None, terms)),
        teacher_id=teacher_id,
        appropriate_body_id=viewer.appropriate_body_id,
    )
    return extension


# -- DfE admin: corrections -------------------------------------------------------------


async def _period_for_correction(
    session: AsyncSession, period_id: int, expected_updated_at: dt.datetime
) -> im.InductionPeriod:
    period = await session.scalar(
        domain_read(
            sa.select(im.InductionPeriod).where(im.InductionPeriod.id == period_id),
            "admin corrects any induction period",
        ).with_for_update()
    )
    if period is None:
        raise Refusal("NOT_FOUND", "inductionPeriodId", "No induction period has that id.")
    check_not_stale(period.updated_at, expected_updated_at, "The period")
    return period


def check_no_overlap(
    period: im.InductionPeriod, others: list[im.InductionPeriod], field: str
) -> None:
    """Periods of one teacher never overlap, closed ones included (both ends inclusive)."""
    end = period.finished_on or dt.date.max
    for other in others:
        if other.id == period.id:
            continue
        if period.started_on <= (other.finished_on or dt.date.max) and other.started_on <= end:
            raise Refusal(
                "OVERLAPS_PERIOD",
                field,
                f"It would overlap the period from {other.started_on} to "
                f"{other.finished_on or 'now'}: periods of one teacher never overlap.",
            )


async def correct(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    period_id: int,
    expected_updated_at: dt.datetime,
    started_on: dt.date | None,
    finished_on: dt.date | None,
    number_of_terms: Decimal | None,
) -> im.InductionPeriod:
    """Correct an induction period's dates or terms (admin); recorded in the timeline."""
    period = await _period_for_correction(session, period_id, expected_updated_at)
    # Read before changing anything: a read would flush the half-made correction.
    others = await _periods(session, period.teacher_id)
    before = {
        "started_on": period.started_on,
        "finished_on": period.finished_on,
        "number_of_terms": period.number_of_terms,
    }
    if started_on is not None:
        if started_on > clock.today:
            raise Refusal("START_IN_FUTURE", "startedOn", f"{started_on} is in the future.")
        period.started_on = started_on
    if finished_on is not None:
        if finished_on > clock.today:
            raise Refusal("FINISH_IN_FUTURE", "finishedOn", f"{finished_on} is in the future.")
        period.finished_on = finished_on
    if number_of_terms is not None:
        check_terms(number_of_terms, "numberOfTerms")
        period.number_of_terms = number_of_terms
    if period.finished_on is not None and period.finished_on < period.started_on:
        raise Refusal(
            "FINISH_BEFORE_START", "finishedOn", "The period would finish before it starts."
        )
    if period.finished_on is not None and period.number_of_terms is None:
        raise Refusal(
            "TERMS_REQUIRED", "numberOfTerms", "A finished period needs its number of terms."
        )
    check_no_overlap(period, others, "startedOn")
    try:
        await session.flush()
    except IntegrityError:  # PostgreSQL's exclusion constraint: a concurrent change
        raise Refusal(
            "OVERLAPS_PERIOD", "startedOn", "It would overlap another induction period."
        ) from None
    await touch_teacher(session, period.teacher_id, clock.now)
    _record(
        session,
        viewer,
        clock,
        "induction_period_corrected",
        period,
        audit.changes(**{k: (v, getattr(period, k)) for k, v in before.items()}),
    )
    await session.flush()
    return period


async def reopen(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    period_id: int,
    expected_updated_at: dt.datetime,
) -> im.InductionPeriod:
    """Reopen the teacher's latest, closed induction period (admin): its finish, terms
    and outcome are cleared, so the appropriate body can record them again."""
    period = await _period_for_correction(session, period_id, expected_updated_at)
    periods = await _periods(session, period.teacher_id)
    if period.finished_on is None:
        raise Refusal("PERIOD_OPEN", "inductionPeriodId", "This induction period is open already.")
    if periods[-1].id != period.id:
        raise Refusal(
            "NOT_LATEST_PERIOD",
            "inductionPeriodId",
            "Only the teacher's latest induction period can be reopened.",
        )
    before = (period.finished_on, period.number_of_terms, period.outcome)
    period.finished_on = period.number_of_terms = period.outcome = None
    await touch_teacher(session, period.teacher_id, clock.now)
    _record(
        session,
        viewer,
        clock,
        "induction_period_reopened",
        period,
        audit.changes(
            finished_on=(before[0], None),
            number_of_terms=(before[1], None),
            outcome=(before[2], None),
        ),
    )
    await session.flush()
    return period


async def delete(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    period_id: int,
    expected_updated_at: dt.datetime,
) -> None:
    """Delete an induction period recorded in error (admin); the timeline keeps it."""
    period = await _period_for_correction(session, period_id, expected_updated_at)
    _record(
        session,
        viewer,
        clock,
        "induction_period_deleted",
        period,
        audit.changes(
            started_on=(period.started_on, None),
            finished_on=(period.finished_on, None),
            number_of_terms=(period.number_of_terms, None),
            outcome=(period.outcome, None),
            appropriate_body_id=(period.appropriate_body_id, None),
        ),
    )
    await session.delete(period)
    await touch_teacher(session, period.teacher_id, clock.now)
    await session.flush()


def period_actions(viewer: Viewer, period: Any) -> list[tuple[str, str | None]]:
    """The actions on an induction period the viewer's role may call (the policy decides
    that), each with why it does not apply now (None when it does)."""
    closed = "The period is closed." if period.finished_on is not None else None
    elsewhere = (
        "Another appropriate body supervises this period."
        if period.appropriate_body_id != viewer.appropriate_body_id
        else None
    )
    reasons: dict[str, str | None] = {
        "recordInductionPass": elsewhere or closed,
        "recordInductionFail": elsewhere or closed,
        "releaseEct": elsewhere or closed,
        "updateInductionPeriod": elsewhere or closed,
        "correctInductionPeriod": None,
        "reopenInductionPeriod": None if closed else "The period is open.",
        "deleteInductionPeriod": None,
    }
    return [(name, reason) for name, reason in reasons.items() if may_call(viewer, name)]


async def update_open_period(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    period_id: int,
    expected_updated_at: dt.datetime,
    started_on: dt.date | None,
    training_programme: im.TrainingProgramme | None,
) -> im.InductionPeriod:
    """An appropriate body edits its own open period: the start date (with the claim's
    rules) or the training programme. Refused when the period changed since it was read."""
    period = await open_period_of_viewer(session, viewer, period_id)
    check_not_stale(period.updated_at, expected_updated_at, "The period")
    others = await _periods(session, period.teacher_id)
    before = {"started_on": period.started_on, "training_programme": period.training_programme}
    if started_on is not None:
        qts = await session.scalar(
            domain_read(
                sa.select(tm.Teacher.trs_qts_awarded_on).where(tm.Teacher.id == period.teacher_id),
                "a start date is checked against the teacher's QTS",
            )
        )
        check_start(started_on, qts or started_on, clock.today)
        period.started_on = started_on
        check_no_overlap(period, others, "startedOn")
    if training_programme is not None:
        period.training_programme = training_programme
    await touch_teacher(session, period.teacher_id, clock.now)
    changes = audit.changes(**{k: (v, getattr(period, k)) for k, v in before.items()})
    _record(session, viewer, clock, "induction_period_updated", period, changes)
    await session.flush()
    return period


async def update_extension(
    session: AsyncSession, viewer: Viewer, clock: Clock, *, extension_id: int, terms: Decimal
) -> im.InductionExtension:
    """Change the terms of an extension of a teacher the viewer supervises now."""
    extension = await session.scalar(
        domain_read(
            sa.select(im.InductionExtension).where(im.InductionExtension.id == extension_id),
            "the extension being edited, checked against the caller below",
        ).with_for_update()
    )
    supervising = extension is not None and any(
        p.finished_on is None and p.appropriate_body_id == viewer.appropriate_body_id
        for p in await _periods(session, extension.teacher_id)
    )
    if extension is None or not supervising:
        raise Refusal(
            "NOT_FOUND",
            "inductionExtensionId",
            "No extension of a teacher whose induction you supervise now has that id.",
        )
    check_terms(terms, "numberOfTerms", minimum=Decimal("0.1"))
    before = extension.number_of_terms
    extension.number_of_terms = terms
    await session.flush()
    audit.record(
        session,
        viewer,
        "induction_extension_changed",
        clock.now,
        audit.changes(number_of_terms=(before, terms)),
        teacher_id=extension.teacher_id,
        appropriate_body_id=viewer.appropriate_body_id,
    )
    return extension
