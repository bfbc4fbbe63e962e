"""Appropriate bodies' mutations: claim an ECT, record pass or fail, release, extend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.permission import BasePermission
from strawberry.types import Info

from gateway.auth.errors import ForbiddenError
from gateway.auth.viewer import Role
from gateway.models import inductions as im
from gateway.rules import inductions as rules
from gateway.schema.base import ctx
from gateway.schema.inductions import InductionExtension, InductionPeriod, TrainingProgramme
from gateway.schema.mutations.base import INPUT, UserError, node_id, perform
from gateway.teacher_records import LocalTeacherRecordSource


class AppropriateBodiesOnly(BasePermission):
    """Only an appropriate body user acts on inductions (DOMAIN.md)."""

    message = "Only an appropriate body user may do this."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if ctx(info).require_viewer().role is not Role.APPROPRIATE_BODY_USER:
            raise ForbiddenError(self.message)
        return True


def _mutation(description: str) -> Any:
    return strawberry.mutation(description=description, permission_classes=[AppropriateBodiesOnly])


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


@strawberry.input(description="Extend the induction of a teacher you supervise now.")
class AddInductionExtensionInput:
    teacher_id: relay.GlobalID = strawberry.field(description="The teacher (global id).")
    number_of_terms: Decimal = strawberry.field(
        description='Terms added, 0.1 to 16 with one decimal place (e.g. "1.5").'
    )


@strawberry.type(description="The induction period a mutation opened or closed.")
class InductionPeriodPayload:
    induction_period: InductionPeriod | None = strawberry.field(
        description="The period as it is now; null when userErrors says why not."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success."
    )


@strawberry.type(description="The extension a mutation added.")
class InductionExtensionPayload:
    induction_extension: InductionExtension | None = strawberry.field(
        description="The extension; null when userErrors says why not."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success."
    )


def _clock(info: Info) -> rules.Clock:
    c = ctx(info)
    return rules.Clock(today=c.today, now=c.now)


async def _close(
    info: Info, data: CloseInductionInput, outcome: im.InductionOutcome | None
) -> InductionPeriodPayload:
    c = ctx(info)

    async def action(session: AsyncSession) -> im.InductionPeriod:
        return await rules.close(
            session,
            c.require_viewer(),
            _clock(info),
            period_id=node_id(data.induction_period_id, "InductionPeriod", "inductionPeriodId"),
            finished_on=data.finished_on,
            number_of_terms=data.number_of_terms,
            outcome=outcome,
        )

    period, errors = await perform(c, action)
    return InductionPeriodPayload(
        induction_period=InductionPeriod.maybe(period), user_errors=errors
    )


@strawberry.type
class InductionMutations:
    @_mutation(
        "Claim an ECT for your appropriate body: opens an induction period. The teacher "
        "must have QTS, no induction outcome and no open induction with another body."
    )
    async def claim_ect(
        self, info: Info, input: Annotated[ClaimECTInput, INPUT]
    ) -> InductionPeriodPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> im.InductionPeriod:
            return await rules.claim(
                session,
                LocalTeacherRecordSource(session),
                c.require_viewer(),
                _clock(info),
                trn=input.trn,
                date_of_birth=input.date_of_birth,
                started_on=input.started_on,
                training_programme=input.training_programme,
            )

        period, errors = await perform(c, action)
        return InductionPeriodPayload(
            induction_period=InductionPeriod.maybe(period), user_errors=errors
        )

    @_mutation(
        "Record that the ECT passed induction: closes your period with the outcome, and "
        "finishes their open training and mentorships on the same day."
    )
    async def record_induction_pass(
        self, info: Info, input: Annotated[CloseInductionInput, INPUT]
    ) -> InductionPeriodPayload:
        return await _close(info, input, im.InductionOutcome.PASS)

    @_mutation(
        "Record that the ECT failed induction: closes your period with the outcome, and "
        "finishes their open training and mentorships on the same day."
    )
    async def record_induction_fail(
        self, info: Info, input: Annotated[CloseInductionInput, INPUT]
    ) -> InductionPeriodPayload:
        return await _close(info, input, im.InductionOutcome.FAIL)

    @_mutation(
        "Release the ECT: closes your period without an outcome (e.g. they moved to a "
        "school with another appropriate body), so another body can claim them."
    )
    async def release_ect(
        self, info: Info, input: Annotated[CloseInductionInput, INPUT]
    ) -> InductionPeriodPayload:
        return await _close(info, input, None)

    @_mutation("Extend the induction of a teacher whose induction you supervise now.")
    async def add_induction_extension(
        self, info: Info, input: Annotated[AddInductionExtensionInput, INPUT]
    ) -> InductionExtensionPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> im.InductionExtension:
            return await rules.add_extension(
                session,
                c.require_viewer(),
                _clock(info),
                teacher_id=node_id(input.teacher_id, "Teacher", "teacherId"),
                terms=input.number_of_terms,
            )

        extension, errors = await perform(c, action)
        return InductionExtensionPayload(
            induction_extension=InductionExtension.maybe(extension), user_errors=errors
        )
