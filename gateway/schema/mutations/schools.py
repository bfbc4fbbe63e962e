"""School users' mutations: register ECTs and mentors, assign mentors, report leavers,
name the induction tutor. Each acts on the caller's own school only; another school's
rows are NOT_FOUND, exactly as if absent."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from gateway.models import schools as sm
from gateway.rules import schools as rules
from gateway.rules.refusals import Refusal
from gateway.schema.base import ctx
from gateway.schema.inductions import TrainingProgramme
from gateway.schema.mutations.base import (
    Arg,
    Payload,
    mutation,
    node_id,
    perform,
    rule_clock,
)
from gateway.schema.schools import (
    ECTAtSchoolPeriod,
    MentorAtSchoolPeriod,
    MentorshipPeriod,
    School,
    WorkingPattern,
    _AtSchool,
)
from gateway.teacher_records import LocalTeacherRecordSource

# -- inputs -------------------------------------------------------------------------------


@strawberry.input(description="Register an early career teacher at your school.")
class RegisterECTInput:
    trn: str = strawberry.field(description="The teacher's reference number (7 digits).")
    date_of_birth: dt.date = strawberry.field(
        description="The teacher's date of birth, to confirm the TRN (compared, never stored)."
    )
    started_on: dt.date = strawberry.field(
        description="First day at your school as an ECT; decides the contract period."
    )
    email: str = strawberry.field(
        description="The teacher's email; not one another current teacher uses."
    )
    working_pattern: WorkingPattern = strawberry.field(description="Full or part time.")
    appropriate_body_id: relay.GlobalID = strawberry.field(
        description="The appropriate body you expect to supervise the induction (global "
        "id): a teaching school hub for a state-funded school; a national body or a hub "
        "for an independent school."
    )
    training_programme: TrainingProgramme = strawberry.field(
        description="Provider-led (with leadProviderId) or school-led (without)."
    )
    lead_provider_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The lead provider (global id): required for provider-led training, "
        "refused for school-led; it must be active in the start date's contract period.",
    )


@strawberry.input(description="Register a mentor at your school.")
class RegisterMentorInput:
    trn: str = strawberry.field(description="The teacher's reference number (7 digits).")
    date_of_birth: dt.date = strawberry.field(
        description="The teacher's date of birth, to confirm the TRN (compared, never stored)."
    )
    started_on: dt.date = strawberry.field(description="First day as a mentor at your school.")
    email: str = strawberry.field(
        description="The mentor's email; not one another current teacher uses."
    )


@strawberry.input(description="Have one of your mentors mentor one of your ECTs.")
class AssignMentorInput:
    ect_at_school_period_id: relay.GlobalID = strawberry.field(
        description="The ECT's period at your school (global id)."
    )
    mentor_at_school_period_id: relay.GlobalID = strawberry.field(
        description="The mentor's period at your school (global id)."
    )
    started_on: dt.date = strawberry.field(
        description="First day of the mentorship: inside both periods; the ECT's current "
        "mentorship finishes the day before."
    )


@strawberry.input(description="Report that a teacher leaves your school.")
class ReportLeavingInput:
    at_school_period_id: relay.GlobalID = strawberry.field(
        description="The ECT or mentor period at your school (global id)."
    )
    finished_on: dt.date = strawberry.field(
        description="Last day at your school: on or after the period's start (a future "
        "date reports a leaver in advance)."
    )


@strawberry.input(description="Name your school's induction tutor.")
class SetInductionTutorInput:
    name: str = strawberry.field(description="The induction tutor's full name.")
    email: str = strawberry.field(description="The induction tutor's email.")


@strawberry.input(description="Change a current ECT's details at your school.")
class ChangeECTDetailsInput:
    ect_at_school_period_id: relay.GlobalID = strawberry.field(
        description="The ECT's period at your school (global id)."
    )
    expected_updated_at: dt.datetime = strawberry.field(
        description="The period's updatedAt as you last read it; refused as STALE_UPDATE if it "
        "changed since."
    )
    email: str | None = strawberry.field(
        default=None, description="A new email; not one another current teacher uses."
    )
    working_pattern: WorkingPattern | None = strawberry.field(
        default=None, description="A new working pattern."
    )
    appropriate_body_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="A new reported appropriate body (global id), of the type your school "
        "must report.",
    )


# -- payloads -----------------------------------------------------------------------------


@strawberry.input(description="Change how a current ECT trains, from a date.")
class ChangeTrainingChoiceInput:
    ect_at_school_period_id: relay.GlobalID = strawberry.field(
        description="The ECT's period at your school (global id)."
    )
    started_on: dt.date = strawberry.field(
        description="First day of the new training: the current training finishes the day "
        "before. After the current training started, within the ECT's time at your school."
    )
    training_programme: TrainingProgramme = strawberry.field(
        description="Provider-led or school-led."
    )
    lead_provider_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The lead provider (global id): required for provider-led, refused for "
        "school-led.",
    )


@strawberry.type(description="The ECT period a mutation opened or changed.")
class ECTAtSchoolPeriodPayload(Payload):
    ect_at_school_period: ECTAtSchoolPeriod | None = strawberry.field(
        description="The period as it is now; null when userErrors says why not."
    )


@strawberry.type(description="The mentor period a mutation opened.")
class MentorAtSchoolPeriodPayload(Payload):
    mentor_at_school_period: MentorAtSchoolPeriod | None = strawberry.field(
        description="The period as it is now; null when userErrors says why not."
    )


@strawberry.type(description="The mentorship a mutation opened.")
class MentorshipPeriodPayload(Payload):
    mentorship_period: MentorshipPeriod | None = strawberry.field(
        description="The new mentorship; null when userErrors says why not."
    )


@strawberry.type(description="The ECT or mentor period a mutation finished.")
class AtSchoolPeriodPayload(Payload):
    at_school_period: _AtSchool | None = strawberry.field(
        description="The period as it is now; null when userErrors says why not."
    )


@strawberry.type(description="The school a mutation changed.")
class SchoolPayload(Payload):
    school: School | None = strawberry.field(
        description="The school as it is now; null when userErrors says why not."
    )


def _at_school_period(
    global_id: relay.GlobalID,
) -> tuple[type[sm.ECTAtSchoolPeriod] | type[sm.MentorAtSchoolPeriod], int]:
    models: dict[str, type[sm.ECTAtSchoolPeriod] | type[sm.MentorAtSchoolPeriod]] = {
        "ECTAtSchoolPeriod": sm.ECTAtSchoolPeriod,
        "MentorAtSchoolPeriod": sm.MentorAtSchoolPeriod,
    }
    model = models.get(global_id.type_name)
    if model is None or not global_id.node_id.isdigit():
        raise Refusal(
            "BAD_ID",
            "atSchoolPeriodId",
            "Expected the global id of an ECTAtSchoolPeriod or a MentorAtSchoolPeriod.",
        )
    return model, int(global_id.node_id)


@strawberry.type
class SchoolMutations:
    @mutation(
        "Register an ECT at your school: opens their ECT period and first training period "
        "(provider-led: an expression of interest naming the lead provider for the start "
        "date's contract period, on the standard schedule for the start month). The "
        "teacher needs QTS, no finished induction, no period at another school, and an "
        "email no other current teacher uses."
    )
    async def register_ect(
        self, info: Info, input: Arg[RegisterECTInput]
    ) -> ECTAtSchoolPeriodPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> sm.ECTAtSchoolPeriod:
            lead_provider = input.lead_provider_id
            return await rules.register_ect(
                session,
                LocalTeacherRecordSource(session),
                c.require_viewer(),
                rule_clock(info),
                trn=input.trn,
                date_of_birth=input.date_of_birth,
                started_on=input.started_on,
                email=input.email,
                working_pattern=input.working_pattern,
                appropriate_body_id=node_id(
                    input.appropriate_body_id, "AppropriateBody", "appropriateBodyId"
                ),
                training_programme=input.training_programme,
                lead_provider_id=(
                    None
                    if lead_provider is None
                    else node_id(lead_provider, "LeadProvider", "leadProviderId")
                ),
            )

        period, errors = await perform(c, action)
        return ECTAtSchoolPeriodPayload(
            ect_at_school_period=ECTAtSchoolPeriod.maybe(period), user_errors=errors
        )

    @mutation(
        "Register a mentor at your school: opens their mentor period (a mentor may be at "
        "several schools, once at each). Mentor training is chosen separately."
    )
    async def register_mentor(
        self, info: Info, input: Arg[RegisterMentorInput]
    ) -> MentorAtSchoolPeriodPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> sm.MentorAtSchoolPeriod:
            return await rules.register_mentor(
                session,
                LocalTeacherRecordSource(session),
                c.require_viewer(),
                rule_clock(info),
                trn=input.trn,
                date_of_birth=input.date_of_birth,
                started_on=input.started_on,
                email=input.email,
            )

        period, errors = await perform(c, action)
        return MentorAtSchoolPeriodPayload(
            mentor_at_school_period=MentorAtSchoolPeriod.maybe(period), user_errors=errors
        )

    @mutation(
        "Have one of your mentors mentor one of your ECTs from a date: the ECT's current "
        "mentorship finishes the day before. Nobody mentors themself."
    )
    async def assign_mentor(
        self, info: Info, input: Arg[AssignMentorInput]
    ) -> MentorshipPeriodPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> sm.MentorshipPeriod:
            return await rules.assign_mentor(
                session,
                c.require_viewer(),
                rule_clock(info),
                ect_period_id=node_id(
                    input.ect_at_school_period_id, "ECTAtSchoolPeriod", "ectAtSchoolPeriodId"
                ),
                mentor_period_id=node_id(
                    input.mentor_at_school_period_id,
                    "MentorAtSchoolPeriod",
                    "mentorAtSchoolPeriodId",
                ),
                started_on=input.started_on,
            )

        mentorship, errors = await perform(c, action)
        return MentorshipPeriodPayload(
            mentorship_period=MentorshipPeriod.maybe(mentorship), user_errors=errors
        )

    @mutation(
        "Report that an ECT or mentor leaves your school: the period, its training and its "
        "mentorships finish on that day."
    )
    async def report_leaving(
        self, info: Info, input: Arg[ReportLeavingInput]
    ) -> AtSchoolPeriodPayload:
        c = ctx(info)

        async def action(
            session: AsyncSession,
        ) -> sm.ECTAtSchoolPeriod | sm.MentorAtSchoolPeriod:
            model, period_id = _at_school_period(input.at_school_period_id)
            return await rules.report_leaving(
                session,
                c.require_viewer(),
                rule_clock(info),
                model=model,
                period_id=period_id,
                finished_on=input.finished_on,
            )

        period, errors = await perform(c, action)
        node: _AtSchool | None = None
        if isinstance(period, sm.ECTAtSchoolPeriod):
            node = ECTAtSchoolPeriod.from_row(period)
        elif isinstance(period, sm.MentorAtSchoolPeriod):
            node = MentorAtSchoolPeriod.from_row(period)
        return AtSchoolPeriodPayload(at_school_period=node, user_errors=errors)

    @mutation("Name your school's induction tutor (lead providers in partnership see them).")
    async def set_induction_tutor(
        self, info: Info, input: Arg[SetInductionTutorInput]
    ) -> SchoolPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> sm.School:
            return await rules.set_induction_tutor(
                session, c.require_viewer(), rule_clock(info), name=input.name, email=input.email
            )

        school, errors = await perform(c, action)
        return SchoolPayload(school=School.maybe(school), user_errors=errors)

    @mutation(
        "Change how a current ECT trains (programme, lead provider) from a date: the "
        "current training finishes the day before and the new one starts."
    )
    async def change_training_choice(
        self, info: Info, input: Arg[ChangeTrainingChoiceInput]
    ) -> ECTAtSchoolPeriodPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> sm.ECTAtSchoolPeriod:
            provider = input.lead_provider_id
            return await rules.change_training_choice(
                session,
                c.require_viewer(),
                rule_clock(info),
                period_id=node_id(
                    input.ect_at_school_period_id, "ECTAtSchoolPeriod", "ectAtSchoolPeriodId"
                ),
                started_on=input.started_on,
                training_programme=input.training_programme,
                lead_provider_id=(
                    None
                    if provider is None
                    else node_id(provider, "LeadProvider", "leadProviderId")
                ),
            )

        period, errors = await perform(c, action)
        return ECTAtSchoolPeriodPayload(
            ect_at_school_period=ECTAtSchoolPeriod.maybe(period), user_errors=errors
        )

    @mutation(
        "Change a current ECT's email, working pattern or reported appropriate body. "
        "Refused as STALE_UPDATE when the details changed after you read them."
    )
    async def change_ect_details(
        self, info: Info, input: Arg[ChangeECTDetailsInput]
    ) -> ECTAtSchoolPeriodPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> sm.ECTAtSchoolPeriod:
            body = input.appropriate_body_id
            return await rules.change_ect_details(
                session,
                c.require_viewer(),
                rule_clock(info),
                period_id=node_id(
                    input.ect_at_school_period_id, "ECTAtSchoolPeriod", "ectAtSchoolPeriodId"
                ),
                expected_updated_at=input.expected_updated_at,
                email=input.email,
                working_pattern=input.working_pattern,
                appropriate_body_id=(
                    None if body is None else node_id(body, "AppropriateBody", "appropriateBodyId")
                ),
            )

        period, errors = await perform(c, action)
        return ECTAtSchoolPeriodPayload(
            ect_at_school_period=ECTAtSchoolPeriod.maybe(period), user_errors=errors
        )
