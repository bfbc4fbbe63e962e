"""Appropriate bodies' mutations: claim an ECT, record pass or fail, release, extend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from gateway.models import inductions as im
from gateway.rules import inductions as rules
from gateway.schema.base import ctx
from gateway.schema.inductions import InductionExtension, InductionPeriod, TrainingProgramme
from gateway.schema.mutations.base import (
    Arg,
    Payload,
    mutation,
    node_id,
    perform,
    rule_clock,
)
from gateway.teacher_records import LocalTeacherRecordSource


@strawberry.input(description="Correct an induction period's dates or terms (DfE admin).")
class CorrectInductionPeriodInput:
    induction_period_id: relay.GlobalID = strawberry.field(description="The period.")
    expected_updated_at: dt.datetime = strawberry.field(
        description="The period's updatedAt as you read it; refused if it changed since."
    )
    started_on: dt.date | None = strawberry.field(
        default=None, description="The corrected first day; null keeps it."
    )
    finished_on: dt.date | None = strawberry.field(
        default=None, description="The corrected last day; null keeps it."
    )
    number_of_terms: Decimal | None = strawberry.field(
        default=None, description="The corrected terms (0 to 16, one decimal); null keeps it."
    )


@strawberry.input(description="An induction period as you read it (DfE admin).")
class InductionPeriodVersionInput:
    induction_period_id: relay.GlobalID = strawberry.field(description="The period.")
    expected_updated_at: dt.datetime = strawberry.field(
        description="The period's updatedAt as you read it; refused if it changed since."
    )


@strawberry.type(description="The induction period a mutation deleted.")
class DeleteInductionPeriodPayload(Payload):
    deleted_induction_period_id: relay.GlobalID | None = strawberry.field(
        description="The global id the period had; null when userErrors says why not."
    )


@strawberry.input(description="Claim an ECT: open an induction period with your body.")
class ClaimECTInput:
    trn: str = strawberry.field(description="The teacher's reference number (7 digits).")
    date_of_birth: dt.date = strawberry.field(
        description="The teacher's date of birth, to confirm the TRN (compared, never stored)."
    )
    started_on: dt.date = strawberry.field(
        description="First day of induction with you: not before QTS, not in the future, "
        "not before 1 September 2021."
    )
    training_programme: TrainingProgramme = strawberry.field(
        description="The training programme during this induction."
    )


@strawberry.input(description="Close an induction period you supervise.")
class CloseInductionInput:
    induction_period_id: relay.GlobalID = strawberry.field(
        description="Your open induction period (its global id)."
    )
    finished_on: dt.date = strawberry.field(
        description="Last day of the period: on or after its start, not in the future."
    )
    number_of_terms: Decimal = strawberry.field(
        description='Terms served in this period, 0 to 16 with one decimal place (e.g. "5.5").'
    )


@strawberry.input(description="Edit your open induction period.")
class UpdateInductionPeriodInput:
    induction_period_id: relay.GlobalID = strawberry.field(description="Your open period.")
    expected_updated_at: dt.datetime = strawberry.field(
        description="The period's updatedAt as you read it; refused if it changed since."
    )
    started_on: dt.date | None = strawberry.field(
        default=None,
        description="The corrected first day (not before QTS, not in the future); null keeps it.",
    )
    training_programme: TrainingProgramme | None = strawberry.field(
        default=None, description="The training programme now; null keeps it."
    )


@strawberry.input(description="Extend the induction of a teacher you supervise now.")
class AddInductionExtensionInput:
    teacher_id: relay.GlobalID = strawberry.field(description="The teacher (global id).")
    number_of_terms: Decimal = strawberry.field(
        description='Terms added, 0.1 to 16 with one decimal place (e.g. "1.5").'
    )


@strawberry.input(description="Change the terms of an extension (a teacher you supervise now).")
class UpdateInductionExtensionInput:
    induction_extension_id: relay.GlobalID = strawberry.field(description="The extension.")
    number_of_terms: Decimal = strawberry.field(
        description='Terms added, 0.1 to 16 with one decimal place (e.g. "1.5").'
    )


@strawberry.type(description="The induction period a mutation opened or closed.")
class InductionPeriodPayload(Payload):
    induction_period: InductionPeriod | None = strawberry.field(
        description="The period as it is now; null when userErrors says why not."
    )


@strawberry.type(description="The extension a mutation added.")
class InductionExtensionPayload(Payload):
    induction_extension: InductionExtension | None = strawberry.field(
        description="The extension; null when userErrors says why not."
    )


def _period_id(global_id: relay.GlobalID) -> int:
    return node_id(global_id, "InductionPeriod", "inductionPeriodId")


async def _period_change(
    info: Info, rule: Callable[..., Awaitable[im.InductionPeriod]], args: Callable[[], dict]
) -> InductionPeriodPayload:
    """Run ``rule(session, viewer, clock, **args())`` as one transaction. ``args`` is read
    inside it, so a bad id in the input is a user error like any other refusal."""
    c = ctx(info)

    async def action(session: AsyncSession) -> im.InductionPeriod:
        return await rule(session, c.require_viewer(), rule_clock(info), **args())

    period, errors = await perform(c, action)
    return InductionPeriodPayload(
        induction_period=InductionPeriod.maybe(period), user_errors=errors
    )


def _close(
    info: Info, data: CloseInductionInput, outcome: im.InductionOutcome | None
) -> Awaitable[InductionPeriodPayload]:
    return _period_change(
        info,
        rules.close,
        lambda: {
            "period_id": _period_id(data.induction_period_id),
            "finished_on": data.finished_on,
            "number_of_terms": data.number_of_terms,
            "outcome": outcome,
        },
    )


@strawberry.type
class InductionMutations:
    @mutation(
        "Claim an ECT for your appropriate body: opens an induction period. The teacher "
        "must have QTS, no induction outcome and no open induction with another body."
    )
    async def claim_ect(self, info: Info, input: Arg[ClaimECTInput]) -> InductionPeriodPayload:
        return await _period_change(
            info,
            lambda session, viewer, clock, **args: rules.claim(
                session, LocalTeacherRecordSource(session), viewer, clock, **args
            ),
            lambda: {
                "trn": input.trn,
                "date_of_birth": input.date_of_birth,
                "started_on": input.started_on,
                "training_programme": input.training_programme,
            },
        )

    @mutation(
        "Record that the ECT passed induction: closes your period with the outcome, and "
        "finishes their open training and mentorships on the same day."
    )
    async def record_induction_pass(
        self, info: Info, input: Arg[CloseInductionInput]
    ) -> InductionPeriodPayload:
        return await _close(info, input, im.InductionOutcome.PASS)

    @mutation(
        "Record that the ECT failed induction: closes your period with the outcome, and "
        "finishes their open training and mentorships on the same day."
    )
    async def record_induction_fail(
        self, info: Info, input: Arg[CloseInductionInput]
    ) -> InductionPeriodPayload:
        return await _close(info, input, im.InductionOutcome.FAIL)

    @mutation(
        "Release the ECT: closes your period without an outcome (e.g. they moved to a "
        "school with another appropriate body), so another body can claim them."
    )
    async def release_ect(
        self, info: Info, input: Arg[CloseInductionInput]
    ) -> InductionPeriodPayload:
        return await _close(info, input, None)

    @mutation(
        "Edit your open induction period: its start date or training programme. Refused "
        "when it changed since you read it (send its updatedAt)."
    )
    async def update_induction_period(
        self, info: Info, input: Arg[UpdateInductionPeriodInput]
    ) -> InductionPeriodPayload:
        return await _period_change(
            info,
            rules.update_open_period,
            lambda: {
                "period_id": _period_id(input.induction_period_id),
                "expected_updated_at": input.expected_updated_at,
                "started_on": input.started_on,
                "training_programme": input.training_programme,
            },
        )

    @mutation("Extend the induction of a teacher whose induction you supervise now.")
    async def add_induction_extension(
        self, info: Info, input: Arg[AddInductionExtensionInput]
    ) -> InductionExtensionPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> im.InductionExtension:
            return await rules.add_extension(
                session,
                c.require_viewer(),
                rule_clock(info),
                teacher_id=node_id(input.teacher_id, "Teacher", "teacherId"),
                terms=input.number_of_terms,
            )

        extension, errors = await perform(c, action)
        return InductionExtensionPayload(
            induction_extension=InductionExtension.maybe(extension), user_errors=errors
        )

    @mutation("Change the terms of an extension of a teacher you supervise now.")
    async def update_induction_extension(
        self, info: Info, input: Arg[UpdateInductionExtensionInput]
    ) -> InductionExtensionPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> im.InductionExtension:
            return await rules.update_extension(
                session,
                c.require_viewer(),
                rule_clock(info),
                extension_id=node_id(
                    input.induction_extension_id, "InductionExtension", "inductionExtensionId"
                ),
                terms=input.number_of_terms,
            )

        extension, errors = await perform(c, action)
        return InductionExtensionPayload(
            induction_extension=InductionExtension.maybe(extension), user_errors=errors
        )

    @mutation(
        "Correct an induction period's dates or terms (DfE admin). Periods of a teacher "
        "never overlap; the correction is recorded in the teacher's timeline."
    )
    async def correct_induction_period(
        self, info: Info, input: Arg[CorrectInductionPeriodInput]
    ) -> InductionPeriodPayload:
        return await _period_change(
            info,
            rules.correct,
            lambda: {
                "period_id": _period_id(input.induction_period_id),
                "expected_updated_at": input.expected_updated_at,
                "started_on": input.started_on,
                "finished_on": input.finished_on,
                "number_of_terms": input.number_of_terms,
            },
        )

    @mutation(
        "Reopen the teacher's latest, closed induction period (DfE admin): its finish, "
        "terms and outcome are cleared. Recorded in the teacher's timeline."
    )
    async def reopen_induction_period(
        self, info: Info, input: Arg[InductionPeriodVersionInput]
    ) -> InductionPeriodPayload:
        return await _period_change(
            info,
            rules.reopen,
            lambda: {
                "period_id": _period_id(input.induction_period_id),
                "expected_updated_at": input.expected_updated_at,
            },
        )

    @mutation(
        "Delete an induction period recorded in error (DfE admin). The teacher's timeline "
        "keeps what it held."
    )
    async def delete_induction_period(
        self, info: Info, input: Arg[InductionPeriodVersionInput]
    ) -> DeleteInductionPeriodPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> relay.GlobalID:
            await rules.delete(
                session,
                c.require_viewer(),
                rule_clock(info),
                period_id=_period_id(input.induction_period_id),
                expected_updated_at=input.expected_updated_at,
            )
            return input.induction_period_id

        deleted, errors = await perform(c, action)
        return DeleteInductionPeriodPayload(deleted_induction_period_id=deleted, user_errors=errors)
