"""Lead providers' mutations: withdraw, defer and resume a participant, change their
schedule, create a school partnership and change its delivery partner. Each acts on the
caller's own participants and partnerships only; anything else is NOT_FOUND, exactly as
if absent. Participants are named as the Lead Provider API names them: participant id
(the teacher's UUID) and participant type (its course identifier: ecf-induction is ECT,
ecf-mentor is MENTOR)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.rules import participants as rules
from gateway.rules import partnerships as partnership_rules
from gateway.schema.base import ctx
from gateway.schema.mutations.base import Arg, Payload, mutation, perform, rule_clock
from gateway.schema.teachers import Teacher
from gateway.schema.training import (
    DeferralReason,
    ParticipantType,
    SchoolPartnership,
    TrainingPeriod,
    WithdrawalReason,
)

PARTICIPANT_ID = "The participant id (the teacher's participantId, a UUID) of one of yours."
PARTICIPANT_TYPE = (
    "ECT (course identifier ecf-induction) or MENTOR (ecf-mentor): the action applies to "
    "the participant's latest training of that type with you."
)

# -- inputs -------------------------------------------------------------------------------


@strawberry.input(description="Withdraw one of your participants from training with you.")
class WithdrawParticipantInput:
    participant_id: uuid.UUID = strawberry.field(description=PARTICIPANT_ID)
    participant_type: ParticipantType = strawberry.field(description=PARTICIPANT_TYPE)
    reason: WithdrawalReason = strawberry.field(
        description="Why: MENTOR_NO_LONGER_BEING_MENTOR is for mentors only."
    )


@strawberry.input(description="Defer (pause) one of your participants' training.")
class DeferParticipantInput:
    participant_id: uuid.UUID = strawberry.field(description=PARTICIPANT_ID)
    participant_type: ParticipantType = strawberry.field(description=PARTICIPANT_TYPE)
    reason: DeferralReason = strawberry.field(description="Why the training pauses.")


@strawberry.input(description="Resume a withdrawn or deferred participant's training with you.")
class ResumeParticipantInput:
    participant_id: uuid.UUID = strawberry.field(description=PARTICIPANT_ID)
    participant_type: ParticipantType = strawberry.field(description=PARTICIPANT_TYPE)


@strawberry.input(description="Put one of your participants on another schedule.")
class ChangeParticipantScheduleInput:
    participant_id: uuid.UUID = strawberry.field(description=PARTICIPANT_ID)
    participant_type: ParticipantType = strawberry.field(description=PARTICIPANT_TYPE)
    schedule_identifier: str = strawberry.field(
        description="E.g. ecf-standard-january. ECTs are never on replacement schedules, "
        "mentors never on reduced ones."
    )
    cohort: int | None = strawberry.field(
        default=None,
        description="Move to this cohort (contract period year) too; you need a "
        "partnership with the participant's school in it. Default: the current cohort.",
    )


@strawberry.input(description="Partner with a school for a cohort.")
class CreatePartnershipInput:
    cohort: int = strawberry.field(
        description="The contract period year: started and open to partnerships."
    )
    school_urn: str = strawberry.field(description="The school's URN (6 digits); eligible.")
    delivery_partner_id: uuid.UUID = strawberry.field(
        description="The delivery partner's apiId: one working with you in that cohort."
    )


@strawberry.input(description="Change the delivery partner of one of your partnerships.")
class UpdatePartnershipInput:
    partnership_id: uuid.UUID = strawberry.field(description="The partnership's apiId.")
    delivery_partner_id: uuid.UUID = strawberry.field(
        description="The new delivery partner's apiId: one working with you in the "
        "partnership's cohort."
    )


# -- payloads -----------------------------------------------------------------------------


@strawberry.type(description="The participant a lead provider's mutation changed.")
class ParticipantPayload(Payload):
    teacher_id: strawberry.Private[int | None]
    training_period_id: strawberry.Private[int | None]

    @strawberry.field(description="The participant as it is now; null when userErrors says why.")
    async def participant(self, info: Info) -> Teacher | None:
        if self.teacher_id is None:
            return None
        return Teacher.maybe(await ctx(info).loaders.load(tm.Teacher, self.teacher_id))

    @strawberry.field(
        description="The training the mutation changed or opened (resume, and a schedule "
        "change of training under way, open a new one); null when userErrors says why."
    )
    async def training_period(self, info: Info) -> TrainingPeriod | None:
        if self.training_period_id is None:
            return None
        row = await ctx(info).loaders.load(trm.TrainingPeriod, self.training_period_id)
        if row is None:
            return None
        return (await TrainingPeriod.build(info, [row]))[0]


@strawberry.type(description="The school partnership a mutation made or changed.")
class SchoolPartnershipPayload(Payload):
    partnership_id: strawberry.Private[int | None]

    @strawberry.field(description="The partnership as it is now; null when userErrors says why.")
    async def school_partnership(self, info: Info) -> SchoolPartnership | None:
        if self.partnership_id is None:
            return None
        return SchoolPartnership.maybe(
            await ctx(info).loaders.load(trm.SchoolPartnership, self.partnership_id)
        )


@dataclass(frozen=True)
class _Changed:
    """Ids read inside the transaction (its objects expire when it commits)."""

    teacher_id: int
    training_period_id: int


_PARTICIPANT_TYPES = {
    ParticipantType.ECT: rules.ParticipantType.ECT,
    ParticipantType.MENTOR: rules.ParticipantType.MENTOR,
}


def _participant_type(value: ParticipantType) -> rules.ParticipantType:
    return _PARTICIPANT_TYPES[value]


def _participant_payload(changed: _Changed | None, errors: list) -> ParticipantPayload:
    return ParticipantPayload(
        teacher_id=changed.teacher_id if changed else None,
        training_period_id=changed.training_period_id if changed else None,
        user_errors=errors,
    )


@strawberry.type
class TrainingMutations:
    @mutation(
        "Withdraw one of your participants: their latest training with you closes today "
        "(withdrawn now, with the reason). Not if already withdrawn; a deferred "
        "participant may be withdrawn (the latest action wins)."
    )
    async def withdraw_participant(
        self, info: Info, input: Arg[WithdrawParticipantInput]
    ) -> ParticipantPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> _Changed:
            p = await rules.withdraw(
                session,
                c.require_viewer(),
                rule_clock(info),
                participant_id=input.participant_id,
                participant_type=_participant_type(input.participant_type),
                reason=input.reason,
            )
            return _Changed(p.teacher.id, p.training.id)

        changed, errors = await perform(c, action)
        return _participant_payload(changed, errors)

    @mutation(
        "Defer (pause) one of your participants' training: their latest training with you "
        "closes today (deferred now, with the reason). Not if withdrawn or deferred."
    )
    async def defer_participant(
        self, info: Info, input: Arg[DeferParticipantInput]
    ) -> ParticipantPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> _Changed:
            p = await rules.defer(
                session,
                c.require_viewer(),
                rule_clock(info),
                participant_id=input.participant_id,
                participant_type=_participant_type(input.participant_type),
                reason=input.reason,
            )
            return _Changed(p.teacher.id, p.training.id)

        changed, errors = await perform(c, action)
        return _participant_payload(changed, errors)

    @mutation(
        "Resume a withdrawn or deferred participant: new training with you from today, "
        "with the same partnership and schedule. Not the day training stopped, not if "
        "they train elsewhere now, not if they are no longer at the school."
    )
    async def resume_participant(
        self, info: Info, input: Arg[ResumeParticipantInput]
    ) -> ParticipantPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> _Changed:
            p, new = await rules.resume(
                session,
                c.require_viewer(),
                rule_clock(info),
                participant_id=input.participant_id,
                participant_type=_participant_type(input.participant_type),
            )
            return _Changed(p.teacher.id, new.id)

        changed, errors = await perform(c, action)
        return _participant_payload(changed, errors)

    @mutation(
        "Put one of your participants on another schedule (and cohort): training that "
        "has not started changes in place; training under way finishes yesterday and new "
        "training starts today."
    )
    async def change_participant_schedule(
        self, info: Info, input: Arg[ChangeParticipantScheduleInput]
    ) -> ParticipantPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> _Changed:
            p, training = await rules.change_schedule(
                session,
                c.require_viewer(),
                rule_clock(info),
                participant_id=input.participant_id,
                participant_type=_participant_type(input.participant_type),
                schedule_identifier=input.schedule_identifier,
                cohort=input.cohort,
            )
            return _Changed(p.teacher.id, training.id)

        changed, errors = await perform(c, action)
        return _participant_payload(changed, errors)

    @mutation(
        "Partner with an eligible school for a cohort that has started, through one of "
        "your delivery partners in that cohort. The school's training that named you in "
        "an expression of interest for that cohort joins the partnership."
    )
    async def create_partnership(
        self, info: Info, input: Arg[CreatePartnershipInput]
    ) -> SchoolPartnershipPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> int:
            partnership = await partnership_rules.create_partnership(
                session,
                c.require_viewer(),
                rule_clock(info),
                cohort=input.cohort,
                school_urn=input.school_urn,
                delivery_partner_id=input.delivery_partner_id,
            )
            return partnership.id

        partnership_id, errors = await perform(c, action)
        return SchoolPartnershipPayload(partnership_id=partnership_id, user_errors=errors)

    @mutation(
        "Change the delivery partner of one of your partnerships to another that works "
        "with you in its cohort."
    )
    async def update_partnership(
        self, info: Info, input: Arg[UpdatePartnershipInput]
    ) -> SchoolPartnershipPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> int:
            partnership = await partnership_rules.update_partnership(
                session,
                c.require_viewer(),
                rule_clock(info),
                partnership_id=input.partnership_id,
                delivery_partner_id=input.delivery_partner_id,
            )
            return partnership.id

        partnership_id, errors = await perform(c, action)
        return SchoolPartnershipPayload(partnership_id=partnership_id, user_errors=errors)
