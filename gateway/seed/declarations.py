"""Declarations: lead providers' claims that participants reached points of training.

For each provider-led training period with a school partnership (a declaration records
its delivery partner; an expression of interest has none), the types of its
participant's schedule are declared in order, each on a day inside its milestone window,
within the training period, before today, before any withdrawal or deferral and before
the cohort's payments froze. A participant is declared once per type and participant
type, across training periods and providers (a new provider after a move carries on
from where the last one stopped), as the database's duplicate index requires. Each
declaration goes on the first output statement of its contract whose deadline is on or
after its date, and its payment status follows that statement's: paid, payable, or
(open) eligible when the teacher is funding-eligible.

Rows are generated lazily while they are written: there are about a million at scale 1.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from gateway.models.payments import ClawbackStatus, EvidenceType, PaymentStatus, StatementStatus
from gateway.models.training import DeclarationType, ParticipantType
from gateway.rules.declarations import DETAILED_EVIDENCE_FROM, SIMPLE_EVIDENCE, detailed_evidence
from gateway.seed.dates import ONE_DAY, add_days
from gateway.seed.statements import OutputStatements
from gateway.seed.streams import Streams, during_working_day, uuid4_from
from gateway.seed.world import StatementInfo, TrainingPeriodInfo, World

D = DeclarationType
ECT_TYPES = (D.STARTED, D.RETAINED_1, D.RETAINED_2, D.RETAINED_3, D.RETAINED_4, D.COMPLETED)
EXTENDED_TYPES = (D.EXTENDED_1, D.EXTENDED_2, D.EXTENDED_3)
FUNDED_MENTOR_TYPES = (D.STARTED, D.COMPLETED)
"""In mentor-funding contract periods mentors are paid for started and completed only."""

SKIP_SHARE: dict[DeclarationType, float] = {
    # Chance a provider never declares a point the participant could have reached.
    D.STARTED: 0.03,
    D.COMPLETED: 0.05,
}
SKIP_SHARE_OTHERS = 0.07
DECLARE_WITHIN_DAYS = 45
"""Providers declare soon after a window opens: within this many days of it opening."""
VOID_SHARE = 0.025
REDECLARE_AFTER_VOID_SHARE = 0.6
CLAWBACK_SHARE = 0.01


class Declarer:
    def __init__(self, world: World, streams: Streams, output: dict[int, OutputStatements]):
        self.world = world
        self.today = world.today
        self.rng = streams.rng("declarations")
        self.api_ids = streams.rng("declarations/api-ids")
        self.output = output
        self.declared: dict[tuple[int, bool], set[str]] = {}
        self.next_id = 1

    def rows(self) -> Iterator[dict[str, Any]]:
        for period in self.world.training_periods:
            # A declaration records the training's delivery partner, so training with only
            # an expression of interest (no partnership yet) is never declared.
            if period.provider_led and period.school_partnership is not None:
                yield from self._declare(period)

    def _types(self, period: TrainingPeriodInfo) -> tuple[DeclarationType, ...]:
        if period.is_mentor:
            if self.world.contract_periods[period.cohort].mentor_funding_enabled:
                return FUNDED_MENTOR_TYPES
            return ECT_TYPES
        if self.world.teacher(period.teacher_id).has_extension:
            return ECT_TYPES + EXTENDED_TYPES
        return ECT_TYPES

    def _declare(self, period: TrainingPeriodInfo) -> Iterator[dict[str, Any]]:
        rng, world = self.rng, self.world
        assert period.schedule is not None
        lead_provider_id = period.lead_provider_id
        assert lead_provider_id is not None
        contract = world.contracts[(lead_provider_id, period.cohort)]
        statements = self.output[contract.id]
        cohort = world.contract_periods[period.cohort]
        # Declarations happen before today; none after the training stopped (finished,
        # or the day before a withdrawal or deferral) or the cohort's payments froze.
        yesterday = add_days(self.today, -1)
        stop: dt.date | None = None
        if period.finished_on is not None:
            stopped = period.withdrawn_at is not None or period.deferred_at is not None
            stop = add_days(period.finished_on, -1) if stopped else period.finished_on
        if cohort.payments_frozen_at is not None:
            frozen = add_days(cohort.payments_frozen_at.date(), -1)
            stop = frozen if stop is None else min(stop, frozen)
        declared = self.declared.setdefault((period.teacher_id, period.is_mentor), set())
        previous: dt.date | None = None  # the day of the last declaration: one a day at most
        for declaration_type in self._types(period):
            if declaration_type.value in declared:
                continue
            opens, closes = period.schedule.milestones[declaration_type.value]
            if opens > (yesterday if stop is None else min(stop, yesterday)):
                break
            earliest = max(opens, period.started_on if previous is None else previous + ONE_DAY)
            latest = _earliest_of(closes, stop)
            if latest is not None and earliest > latest:
                continue  # the window passed before this provider had the participant
            if rng.random() < SKIP_SHARE.get(declaration_type, SKIP_SHARE_OTHERS):
                continue
            day = _soon_after(rng, earliest, latest)
            if day > yesterday:
                break  # due, but the provider has not declared it yet
            statement = statements.first_due(day)
            if statement is None:
                break  # no output statement left to pay it on
            row = self._row(period, declaration_type, day, statement)
            yield row
            previous = day
            if row["payment_status"] == PaymentStatus.VOIDED.value:
                voided_on = row["voided_at"].date()
                if rng.random() >= REDECLARE_AFTER_VOID_SHARE or (
                    latest is not None and voided_on > latest
                ):
                    continue  # not declared after all: a later provider may declare it
                # Voided by mistake (or with the wrong date) and declared again.
                day = _soon_after(rng, voided_on, latest)
                statement = statements.first_due(day)
                if day > yesterday or statement is None:
                    continue
                yield self._row(period, declaration_type, day, statement, allow_void=False)
                previous = day
            declared.add(declaration_type.value)

    def _evidence(
        self, period: TrainingPeriodInfo, declaration_type: DeclarationType
    ) -> str | None:
        """Evidence as createDeclaration accepts it (rules/declarations.py, after the real
        service): none for started before the 2025 cohort; else one of the type's list,
        engagement for completion (the reduced kind on a reduced schedule)."""
        rng = self.rng
        participant_type = ParticipantType.MENTOR if period.is_mentor else ParticipantType.ECT
        if period.cohort >= DETAILED_EVIDENCE_FROM:
            allowed = detailed_evidence(participant_type, declaration_type)
        elif declaration_type is D.STARTED:
            return None
        else:
            allowed = SIMPLE_EVIDENCE
        if EvidenceType.SEVENTY_FIVE_PERCENT_ENGAGEMENT_MET in allowed:
            assert period.schedule is not None
            if "-reduced-" in period.schedule.identifier:
                return EvidenceType.SEVENTY_FIVE_PERCENT_ENGAGEMENT_MET_REDUCED.value
            if EvidenceType.ONE_TERM_INDUCTION in allowed and rng.random() < 0.02:
                return EvidenceType.ONE_TERM_INDUCTION.value
            return EvidenceType.SEVENTY_FIVE_PERCENT_ENGAGEMENT_MET.value
        weights = (60, 25, 10, 5)[: len(allowed)]
        return rng.choices(allowed, weights=weights)[0].value

    def _payment_status(self, period: TrainingPeriodInfo, statement: StatementInfo) -> str:
        if statement.status == StatementStatus.PAID.value:
            return PaymentStatus.PAID.value
        if statement.status == StatementStatus.PAYABLE.value:
            return PaymentStatus.PAYABLE.value
        # On an open statement: eligible once the participant is funding-eligible, else
        # submitted (no_payment).
        # Funding eligibility belongs to the participant (people.decide_funding).
        funding = self.world.funding.get(period.teacher_id)
        since = funding and (funding.mentor_since if period.is_mentor else funding.ect_since)
        eligible = since is not None
        return (PaymentStatus.ELIGIBLE if eligible else PaymentStatus.NO_PAYMENT).value

    def _row(
        self,
        period: TrainingPeriodInfo,
        declaration_type: DeclarationType,
        day: dt.date,
        statement: StatementInfo,
        allow_void: bool = True,
    ) -> dict[str, Any]:
        rng, world, today = self.rng, self.world, self.today
        declared_at = during_working_day(day, rng)
        payment_status = self._payment_status(period, statement)
        clawback_status = ClawbackStatus.NO_CLAWBACK.value
        clawback_statement = None
        voided_at = None
        roll = rng.random()
        if allow_void and roll < VOID_SHARE:
            # Voided before its statement was paid (from submitted, eligible or payable):
            # it stays on that statement as voided, whatever the statement's status now.
            last = min(add_days(statement.payment_date, -1), add_days(today, -1))
            if last > day:
                voided_on = add_days(day, rng.randrange(1, (last - day).days + 1))
                voided_at = during_working_day(voided_on, rng)
                payment_status = PaymentStatus.VOIDED.value
        elif payment_status == PaymentStatus.PAID.value and roll < VOID_SHARE + CLAWBACK_SHARE:
            # Paid, then voided: the money is recovered on a later output statement.
            voided_on = add_days(statement.payment_date, rng.randrange(1, 121))
            later = self.output[statement.contract.id].first_due(voided_on)
            if voided_on < today and later is not None:
                voided_at = during_working_day(voided_on, rng)
                clawback_statement = later
                clawback_status = (
                    ClawbackStatus.CLAWED_BACK
                    if later.status == StatementStatus.PAID.value
                    else ClawbackStatus.AWAITING_CLAWBACK
                ).value
        premium = sparsity = False
        cohort = world.contract_periods[period.cohort]
        if declaration_type is D.STARTED and cohort.uplift_fees_enabled:
            premium, sparsity = world.school(period.school_id).funding[period.cohort]
        updated = max(
            declared_at,
            voided_at or declared_at,
            self._statement_changed_at(statement, declared_at),
            self._statement_changed_at(clawback_statement, declared_at),
        )
        row = {
            "id": self.next_id,
            "api_id": uuid4_from(self.api_ids),
            "training_period_id": period.id,
            "teacher_id": period.teacher_id,
            "lead_provider_id": period.lead_provider_id,
            "participant_type": "mentor" if period.is_mentor else "ect",
            "delivery_partner_id": period.delivery_partner_id,
            "declaration_type": declaration_type.value,
            "declaration_date": declared_at,
            "evidence_type": self._evidence(period, declaration_type),
            "payment_status": payment_status,
            "clawback_status": clawback_status,
            "payment_statement_id": statement.id,
            "clawback_statement_id": clawback_statement.id if clawback_statement else None,
            "pupil_premium_uplift": premium,
            "sparsity_uplift": sparsity,
            "voided_at": voided_at,
            "created_at": declared_at,
            "updated_at": updated,
        }
        self.next_id += 1
        return row

    @staticmethod
    def _statement_changed_at(statement: StatementInfo | None, floor: dt.datetime) -> dt.datetime:
        """When a statement last moved its declarations on (payable after the deadline,
        paid when authorised); ``floor`` when it has not."""
        if statement is None:
            return floor
        if statement.marked_as_paid_at is not None:
            return max(floor, statement.marked_as_paid_at)
        if statement.status == StatementStatus.PAYABLE.value:
            payable_on = add_days(statement.deadline_date, 1)
            return max(floor, dt.datetime.combine(payable_on, dt.time(6, 0), tzinfo=dt.UTC))
        return floor


def _earliest_of(*days: dt.date | None) -> dt.date | None:
    known = [day for day in days if day is not None]
    return min(known) if known else None


def _soon_after(rng: random.Random, earliest: dt.date, latest: dt.date | None) -> dt.date:
    """A day from ``earliest``, within ``DECLARE_WITHIN_DAYS`` and not after ``latest``."""
    span = (
        DECLARE_WITHIN_DAYS
        if latest is None
        else min((latest - earliest).days, DECLARE_WITHIN_DAYS)
    )
    return add_days(earliest, rng.randrange(0, span + 1))


def declaration_rows(
    world: World, streams: Streams, output: dict[int, OutputStatements]
) -> Iterator[dict[str, Any]]:
    return Declarer(world, streams, output).rows()
