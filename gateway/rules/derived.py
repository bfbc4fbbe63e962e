"""Derived values, computed in exactly one place and used by every layer."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import sqlalchemy as sa

from gateway.auth import policy
from gateway.models.inductions import InductionOutcome, InductionPeriod
from gateway.models.payments import ClawbackStatus, PaymentStatus
from gateway.models.teachers import Teacher, TRSInductionStatus
from gateway.models.training import TrainingPeriod

# What the derivations read, as protocols: the graph passes result rows
# (gateway.loaders.base.ResultRow), other callers model instances; both fit.


class TrainingStops(Protocol):
    """A training period, for ``training_status``."""

    @property
    def withdrawn_at(self) -> dt.datetime | None: ...
    @property
    def deferred_at(self) -> dt.datetime | None: ...


class InductionSpan(Protocol):
    """An induction period, for the induction derivations."""

    @property
    def started_on(self) -> dt.date: ...
    @property
    def finished_on(self) -> dt.date | None: ...
    @property
    def outcome(self) -> InductionOutcome | None: ...


class TrainingStatus(enum.StrEnum):
    ACTIVE = "active"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"


class ParticipantStatus(enum.StrEnum):
    ACTIVE = "active"
    JOINING = "joining"
    LEAVING = "leaving"
    LEFT = "left"


class DeclarationState(enum.StrEnum):
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    PAYABLE = "payable"
    PAID = "paid"
    VOIDED = "voided"
    AWAITING_CLAWBACK = "awaiting-clawback"
    CLAWED_BACK = "clawed-back"


class InductionStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    PASSED = "passed"
    FAILED = "failed"
    EXEMPT = "exempt"


def training_status(period: TrainingStops) -> TrainingStatus:
    """Active until a lead provider defers or withdraws; when a deferred participant is
    later withdrawn both are kept and the latest action wins (a tie reads withdrawn), as
    in the real service (RECT ``API::TrainingPeriods::TrainingStatus``)."""
    withdrawn, deferred = period.withdrawn_at, period.deferred_at
    if withdrawn is not None and (deferred is None or withdrawn >= deferred):
        return TrainingStatus.WITHDRAWN
    if deferred is not None:
        return TrainingStatus.DEFERRED
    return TrainingStatus.ACTIVE


def _withdrawal_wins(period: Any) -> sa.ColumnElement[bool]:
    """SQL: the period's latest stop is a withdrawal (``training_status``'s first case)."""
    withdrawn, deferred = period.withdrawn_at, period.deferred_at
    return sa.and_(withdrawn.is_not(None), sa.or_(deferred.is_(None), withdrawn >= deferred))


def training_status_condition(status: TrainingStatus) -> sa.ColumnElement[bool]:
    """SQL over ``training_periods`` true exactly when ``training_status`` gives ``status``."""
    withdrawn, deferred = TrainingPeriod.withdrawn_at, TrainingPeriod.deferred_at
    withdrawn_wins = _withdrawal_wins(TrainingPeriod)
    return {
        TrainingStatus.WITHDRAWN: withdrawn_wins,
        TrainingStatus.DEFERRED: sa.and_(deferred.is_not(None), ~withdrawn_wins),
        TrainingStatus.ACTIVE: sa.and_(withdrawn.is_(None), deferred.is_(None)),
    }[status]


def participant_status(
    started_on: dt.date, finished_on: dt.date | None, today: dt.date
) -> ParticipantStatus:
    """Where a teacher stands at a school: joining before the start, leaving before the end."""
    if started_on > today:
        return ParticipantStatus.JOINING
    if finished_on is None:
        return ParticipantStatus.ACTIVE
    return ParticipantStatus.LEAVING if finished_on >= today else ParticipantStatus.LEFT


def enrolment_participant_status(
    started_on: dt.date,
    finished_on: dt.date | None,
    today: dt.date,
    *,
    mentor_funding_ended: bool,
    induction_completed: bool,
) -> ParticipantStatus:
    """A lead provider's enrolment status, from the training period itself (the real
    service's ``API::TrainingPeriods::TeacherStatus``): active once the teacher's
    induction finished with an outcome or their mentor funding ended (nothing more will
    change for the provider); else joining before the training starts, active while
    it is open, leaving until its last day and left after it. Withdrawal and deferral
    close the training period (``finished_on``), so they read as leaving or left.

    The real service's ``finished_on`` is exclusive (``finished_on.future?`` = still
    there today); ours is the last day, so "leaving" includes that day.
    """
    if mentor_funding_ended or induction_completed:
        return ParticipantStatus.ACTIVE
    return participant_status(started_on, finished_on, today)


def enrolment_participant_status_sql(
    period: Any, teacher: Any, today: dt.date, completed_induction: sa.ColumnElement[bool]
) -> sa.ColumnElement[str]:
    """``enrolment_participant_status`` in SQL over a training period (or an alias of
    one) and its teacher; ``completed_induction`` says the teacher has a finished
    induction period with an outcome. Kept beside the Python rule so the two read as
    one; tests/test_reports.py checks they agree on seed data."""
    return sa.case(
        (
            sa.or_(
                teacher.mentor_became_ineligible_for_funding_on.is_not(None), completed_induction
            ),
            ParticipantStatus.ACTIVE.value,
        ),
        (period.started_on > today, ParticipantStatus.JOINING.value),
        (period.finished_on.is_(None), ParticipantStatus.ACTIVE.value),
        (period.finished_on >= today, ParticipantStatus.LEAVING.value),
        else_=ParticipantStatus.LEFT.value,
    )


def training_status_sql(period: Any) -> sa.ColumnElement[str]:
    """``training_status`` in SQL over a training period or an alias of one."""
    return sa.case(
        (_withdrawal_wins(period), TrainingStatus.WITHDRAWN.value),
        (period.deferred_at.is_not(None), TrainingStatus.DEFERRED.value),
        else_=TrainingStatus.ACTIVE.value,
    )


def declaration_state(payment: PaymentStatus, clawback: ClawbackStatus) -> DeclarationState:
    """The one state lead providers see, folding clawback into payment status."""
    if clawback is ClawbackStatus.AWAITING_CLAWBACK:
        return DeclarationState.AWAITING_CLAWBACK
    if clawback is ClawbackStatus.CLAWED_BACK:
        return DeclarationState.CLAWED_BACK
    if payment is PaymentStatus.NO_PAYMENT:
        return DeclarationState.SUBMITTED
    return DeclarationState(payment.value)


def declaration_state_sql(payment: Any, clawback: Any) -> sa.ColumnElement[str]:
    """``declaration_state`` in SQL, over a declaration's two status columns (kept beside
    it so they read as one rule; tests/test_reports.py checks they agree on seed data)."""
    return sa.case(
        (
            clawback == ClawbackStatus.AWAITING_CLAWBACK.value,
            DeclarationState.AWAITING_CLAWBACK.value,
        ),
        (clawback == ClawbackStatus.CLAWED_BACK.value, DeclarationState.CLAWED_BACK.value),
        (payment == PaymentStatus.NO_PAYMENT.value, DeclarationState.SUBMITTED.value),
        else_=payment,
    )


def induction_status(
    periods: Iterable[InductionSpan], trs_status: TRSInductionStatus
) -> InductionStatus:
    """From the teacher's induction periods; TRS decides only exemption."""
    periods = list(periods)
    for period in periods:
        if period.outcome is InductionOutcome.PASS:
            return InductionStatus.PASSED
        if period.outcome is InductionOutcome.FAIL:
            return InductionStatus.FAILED
    if trs_status is TRSInductionStatus.EXEMPT:
        return InductionStatus.EXEMPT
    if any(p.finished_on is None for p in periods):
        return InductionStatus.IN_PROGRESS
    return InductionStatus.PAUSED if periods else InductionStatus.NOT_STARTED


def completed_induction(periods: Sequence[Any]) -> Any:
    """The teacher's latest finished induction period with an outcome, if any (the real
    service's ``finished_induction_period``); ``periods`` oldest first."""
    done = [p for p in periods if p.finished_on is not None and p.outcome is not None]
    return max(done, key=lambda p: p.started_on) if done else None


def induction_start_date(periods: Sequence[InductionSpan]) -> dt.date | None:
    """Start of the current (else latest) induction period; ``periods`` oldest first."""
    if not periods:
        return None
    open_ = [p for p in periods if p.finished_on is None]
    return (open_ or periods)[-1].started_on


def overall_induction_start_date(periods: Sequence[InductionSpan]) -> dt.date | None:
    """Start of the first induction period; ``periods`` oldest first."""
    return periods[0].started_on if periods else None


# The three above in SQL, over ``periods``: a SELECT of one teacher's induction periods
# (``period`` is its induction period alias), as the loaders read them oldest first
# (start, then id). Kept beside the Python rules so the two read as one;
# tests/test_trusted_operations.py compares them on seed data at two scales.


def completed_induction_sql(period: Any, periods: sa.Select[Any]) -> sa.Select[Any]:
    """``completed_induction``: the latest (by start; the first of equals) finished
    period with an outcome, as a one-row SELECT of ``period`` columns to narrow."""
    return (
        periods.where(period.finished_on.is_not(None), period.outcome.is_not(None))
        .order_by(period.started_on.desc(), period.id)
        .limit(1)
    )


def induction_start_date_sql(period: Any, periods: sa.Select[Any]) -> Any:
    """``induction_start_date``: the last open period, else the last period."""
    return (
        periods.with_only_columns(period.started_on)
        .order_by(
            sa.case((period.finished_on.is_(None), 0), else_=1),
            period.started_on.desc(),
            period.id.desc(),
        )
        .limit(1)
        .scalar_subquery()
    )


def overall_induction_start_date_sql(period: Any, periods: sa.Select[Any]) -> Any:
    """``overall_induction_start_date``: the first period's start."""
    return (
        periods.with_only_columns(period.started_on)
        .order_by(period.started_on, period.id)
        .limit(1)
        .scalar_subquery()
    )


def induction_status_condition(status: InductionStatus) -> sa.ColumnElement[bool]:
    """SQL over ``teachers`` true exactly when ``induction_status`` gives ``status``.

    Kept beside the Python derivation so the two read as one rule; a test checks that
    they agree on seed data.
    """
    periods = policy.derived_facts(
        sa.select(InductionPeriod.id).where(InductionPeriod.teacher_id == Teacher.id),
        "induction status is derived from every induction period of a teacher in scope",
    )
    passed = periods.where(InductionPeriod.outcome == InductionOutcome.PASS).exists()
    failed = periods.where(InductionPeriod.outcome == InductionOutcome.FAIL).exists()
    exempt = Teacher.trs_induction_status == TRSInductionStatus.EXEMPT
    is_open = periods.where(InductionPeriod.finished_on.is_(None)).exists()
    any_period = periods.exists()
    undecided = sa.and_(~passed, ~failed, ~exempt)
    return {
        InductionStatus.PASSED: passed,
        InductionStatus.FAILED: sa.and_(failed, ~passed),
        InductionStatus.EXEMPT: sa.and_(~passed, ~failed, exempt),
        InductionStatus.IN_PROGRESS: sa.and_(undecided, is_open),
        InductionStatus.PAUSED: sa.and_(undecided, ~is_open, any_period),
        InductionStatus.NOT_STARTED: sa.and_(undecided, ~any_period),
    }[status]
