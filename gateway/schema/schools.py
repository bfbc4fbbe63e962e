"""Schools in the graph: the school and the periods teachers spend there."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.loaders.base import ReadableContacts, ResultRow, RowsByKey
from gateway.loaders.schools import (
    ECTPeriodsBySchool,
    MentorPeriodsBySchool,
    MentorshipsByECTPeriod,
    MentorshipsByMentorPeriod,
)
from gateway.loaders.training import (
    PartnershipsBySchool,
    TrainingByECTPeriod,
    TrainingByMentorPeriod,
)
from gateway.models import inductions as im
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.rules import derived
from gateway.schema.base import Action, ModelNode, ctx, gql_enum, spelled_out

if TYPE_CHECKING:
    from gateway.schema.inductions import AppropriateBody
    from gateway.schema.teachers import Teacher
    from gateway.schema.training import SchoolPartnership, TrainingPeriod

SchoolType = sm.SchoolType
gql_enum(
    sm.SchoolType,
    "SchoolType",
    "Establishment type, as Get Information About Schools names it.",
    spelled_out(sm.SchoolType),
)
SchoolPhase = sm.SchoolPhase
gql_enum(
    sm.SchoolPhase,
    "SchoolPhase",
    "Phase of education.",
    spelled_out(sm.SchoolPhase, " phase."),
)
SchoolStatus = sm.SchoolStatus
gql_enum(
    sm.SchoolStatus,
    "SchoolStatus",
    "Whether the school is open.",
    {
        sm.SchoolStatus.OPEN: "Open.",
        sm.SchoolStatus.CLOSED: "Closed.",
        sm.SchoolStatus.PROPOSED_TO_CLOSE: "Open, but proposed to close.",
        sm.SchoolStatus.PROPOSED_TO_OPEN: "Not yet open.",
    },
)
WorkingPattern = sm.WorkingPattern
gql_enum(
    sm.WorkingPattern,
    "WorkingPattern",
    "How much the teacher works.",
    {sm.WorkingPattern.PART_TIME: "Part time.", sm.WorkingPattern.FULL_TIME: "Full time."},
)
ParticipantStatus = derived.ParticipantStatus
gql_enum(
    derived.ParticipantStatus,
    "ParticipantStatus",
    "Where the teacher stands at the school today.",
    {
        derived.ParticipantStatus.ACTIVE: "At the school now, with no end date.",
        derived.ParticipantStatus.JOINING: "Starts at the school in the future.",
        derived.ParticipantStatus.LEAVING: "At the school now, with an end date.",
        derived.ParticipantStatus.LEFT: "Has left the school.",
    },
)


@strawberry.enum(description="The induction programme a school offers in a cohort (v3).")
class InductionProgrammeChoice(enum.Enum):
    PROVIDER_LED = strawberry.enum_value(
        "provider_led", description="provider_led: some of its participants train with a provider."
    )
    SCHOOL_LED = strawberry.enum_value(
        "school_led", description="school_led: its ECTs in the cohort train school-led only."
    )
    NOT_YET_KNOWN = strawberry.enum_value(
        "not_yet_known", description="not_yet_known: nobody at the school trains in the cohort."
    )


CurrentArg = Annotated[
    bool | None,
    strawberry.argument(description="True: only open periods; false: only finished; null: all."),
]


@strawberry.type(description="A school in England (or a British school overseas) in GIAS.")
class School(ModelNode):
    model: ClassVar[type] = sm.School
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    urn: str = strawberry.field(description="Unique reference number: 6 digits.")
    name: str = strawberry.field(description="The school's name.")
    type: SchoolType = strawberry.field(description="Establishment type.")
    phase: SchoolPhase = strawberry.field(description="Phase of education.")
    status: SchoolStatus = strawberry.field(description="Open, closed or proposed to change.")
    local_authority_name: str = strawberry.field(description="The local authority.")
    in_england: bool = strawberry.field(description="True when the school is in England.")
    section_41_approved: bool = strawberry.field(
        description="Independent special school approved under section 41."
    )

    @strawberry.field(description="State-funded establishment type.")
    def state_funded(self) -> bool:
        return sm.is_state_funded(self.row.type)

    @strawberry.field(
        description="Eligible for funded training: open, in England, and state-funded or "
        "independent with section 41 approval."
    )
    def eligible(self) -> bool:
        r = self.row
        return sm.is_eligible(r.status, r.in_england, r.type, r.section_41_approved)

    @strawberry.field(
        description="The induction tutor's email: the school itself, lead providers in "
        "partnership with it, and DfE admin; null for everyone else."
    )
    async def induction_tutor_email(self, info: Info) -> str | None:
        contact = await ctx(info).loaders.get(ReadableContacts, sm.School).load(self.row.id)
        return contact and contact.induction_tutor_email

    @strawberry.field(
        description="The induction tutor's name: the school itself, lead providers in "
        "partnership with it, and DfE admin; null for everyone else."
    )
    async def induction_tutor_name(self, info: Info) -> str | None:
        contact = await ctx(info).loaders.get(ReadableContacts, sm.School).load(self.row.id)
        return contact and contact.induction_tutor_name

    @strawberry.field(description="ECT periods at this school you may see, oldest first.")
    async def ect_at_school_periods(
        self, info: Info, current: CurrentArg = None
    ) -> list[ECTAtSchoolPeriod]:
        loader = ctx(info).loaders.get(ECTPeriodsBySchool, current)
        return ECTAtSchoolPeriod.many(await loader.load(self.row.id))

    @strawberry.field(description="Mentor periods at this school you may see, oldest first.")
    async def mentor_at_school_periods(
        self, info: Info, current: CurrentArg = None
    ) -> list[MentorAtSchoolPeriod]:
        loader = ctx(info).loaders.get(MentorPeriodsBySchool, current)
        return MentorAtSchoolPeriod.many(await loader.load(self.row.id))

    @strawberry.field(description="The school's partnerships you may see, by contract period.")
    async def partnerships(
        self,
        info: Info,
        cohort: Annotated[
            int | None, strawberry.argument(description="Only this contract period (year).")
        ] = None,
    ) -> list[Annotated[SchoolPartnership, strawberry.lazy("gateway.schema.training")]]:
        from gateway.schema.training import SchoolPartnership

        loader = ctx(info).loaders.get(PartnershipsBySchool, cohort)
        return SchoolPartnership.many(await loader.load(self.row.id))


@strawberry.interface(
    name="AtSchoolPeriod", description="A period a teacher spends at a school in one role."
)
class _AtSchool(ModelNode):
    # The loaders of the rows that point at this kind of period.
    _mentorships: ClassVar[type[RowsByKey]]
    _training: ClassVar[type[RowsByKey]]
    started_on: dt.date = strawberry.field(description="First day at the school in this role.")
    finished_on: dt.date | None = strawberry.field(description="Last day; null while open.")

    @strawberry.field(description="The teacher.")
    async def teacher(
        self, info: Info
    ) -> Annotated[Teacher, strawberry.lazy("gateway.schema.teachers")] | None:
        from gateway.schema.teachers import Teacher

        return Teacher.maybe(await ctx(info).loaders.load(tm.Teacher, self.row.teacher_id))

    @strawberry.field(description="The school.")
    async def school(self, info: Info) -> School | None:
        return School.maybe(await ctx(info).loaders.load(sm.School, self.row.school_id))

    @strawberry.field(description="Active, joining, leaving or left, as of today.")
    def participant_status(self, info: Info) -> ParticipantStatus:
        return derived.participant_status(
            self.row.started_on, self.row.finished_on, ctx(info).today
        )

    @strawberry.field(
        description="Contact email: the employing school while the period lasts, the "
        "appropriate body supervising the ECT now, the lead provider training the teacher "
        "now, and DfE admin; null for everyone else (finance included)."
    )
    async def email(self, info: Info) -> str | None:
        contact = await ctx(info).loaders.get(ReadableContacts, self.model).load(self.row.id)
        return contact and contact.email

    @strawberry.field(description="What you may do with this period, and whether each applies now.")
    def available_actions(self, info: Info) -> list[Action]:
        from gateway.rules.schools import at_school_actions

        c = ctx(info)
        ect = isinstance(self, ECTAtSchoolPeriod)
        return Action.many(at_school_actions(c.require_viewer(), self.row, ect, c.today))

    @strawberry.field(
        description="Mentorships this period is part of (an ECT's mentors, or a mentor's "
        "ECTs), oldest first."
    )
    async def mentorship_periods(self, info: Info) -> list[MentorshipPeriod]:
        loader = ctx(info).loaders.get(type(self)._mentorships)
        return MentorshipPeriod.many(await loader.load(self.row.id))

    @strawberry.field(description="Training during this period, oldest first.")
    async def training_periods(
        self, info: Info
    ) -> list[Annotated[TrainingPeriod, strawberry.lazy("gateway.schema.training")]]:
        from gateway.schema.training import TrainingPeriod

        rows = await ctx(info).loaders.get(type(self)._training).load(self.row.id)
        return await TrainingPeriod.build(info, rows)


@strawberry.type(description="An early career teacher employed at a school for a period.")
class ECTAtSchoolPeriod(_AtSchool):
    model: ClassVar[type] = sm.ECTAtSchoolPeriod
    _mentorships: ClassVar[type[RowsByKey]] = MentorshipsByECTPeriod
    _training: ClassVar[type[RowsByKey]] = TrainingByECTPeriod
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    working_pattern: WorkingPattern = strawberry.field(description="Full or part time.")

    @strawberry.field(
        description="When this period last changed: send it back as expectedUpdatedAt to "
        "changeEctDetails, which refuses a change made on stale details."
    )
    def updated_at(self) -> dt.datetime:
        return self.row.updated_at

    @strawberry.field(description="The appropriate body the school expects to supervise.")
    async def school_reported_appropriate_body(
        self, info: Info
    ) -> Annotated[AppropriateBody, strawberry.lazy("gateway.schema.inductions")] | None:
        from gateway.schema.inductions import AppropriateBody

        return AppropriateBody.maybe(
            await ctx(info).loaders.load(
                im.AppropriateBody, self.row.school_reported_appropriate_body_id
            )
        )


@strawberry.type(description="A mentor at a school for a period (a mentor may be at several).")
class MentorAtSchoolPeriod(_AtSchool):
    model: ClassVar[type] = sm.MentorAtSchoolPeriod
    _mentorships: ClassVar[type[RowsByKey]] = MentorshipsByMentorPeriod
    _training: ClassVar[type[RowsByKey]] = TrainingByMentorPeriod
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]


@strawberry.type(description="An ECT mentored by a mentor at the same school for a period.")
class MentorshipPeriod(ModelNode):
    model: ClassVar[type] = sm.MentorshipPeriod
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    started_on: dt.date = strawberry.field(description="First day of the mentorship.")
    finished_on: dt.date | None = strawberry.field(description="Last day; null while open.")

    @strawberry.field(description="The mentored ECT's period at the school.")
    async def mentee(self, info: Info) -> ECTAtSchoolPeriod | None:
        return ECTAtSchoolPeriod.maybe(
            await ctx(info).loaders.load(sm.ECTAtSchoolPeriod, self.row.ect_at_school_period_id)
        )

    @strawberry.field(description="The mentor's period at the school.")
    async def mentor(self, info: Info) -> MentorAtSchoolPeriod | None:
        return MentorAtSchoolPeriod.maybe(
            await ctx(info).loaders.load(
                sm.MentorAtSchoolPeriod, self.row.mentor_at_school_period_id
            )
        )


@strawberry.type(
    description="A school in one cohort, as a lead provider looks for schools to partner with "
    "(v3 GET /schools with its cohort filter)."
)
class SchoolInCohort:
    row: strawberry.Private[ResultRow]
    cohort: int = strawberry.field(description="The contract period (cohort year).")

    @classmethod
    def build(cls, row: ResultRow, cohort: int) -> SchoolInCohort:
        return cls(row=row, cohort=cohort)

    @strawberry.field(description="The school (its urn, name, induction tutor…).")
    def school(self) -> School:
        return School.from_row(self.row)

    @strawberry.field(description="The school's URN (v3 `urn`).")
    def urn(self) -> str:
        return self.row.urn

    @strawberry.field(description="The school's name (v3 `name`).")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(
        description="The school has a partnership in this cohort, with any lead provider "
        "(v3 `in_partnership`)."
    )
    def in_partnership(self) -> bool:
        return bool(self.row.in_partnership)

    @strawberry.field(
        description="What the school's participants in this cohort do: PROVIDER_LED when a "
        "mentor trains in it or one of its ECTs has provider-led training, SCHOOL_LED when "
        "its ECTs in it train school-led only, NOT_YET_KNOWN when nobody trains in it (v3 "
        "`induction_programme_choice`)."
    )
    def induction_programme_choice(self) -> InductionProgrammeChoice:
        return InductionProgrammeChoice(self.row.induction_programme_choice)

    @strawberry.field(
        description="For a lead provider: a participant at the school was registered with "
        "you for this cohort (an expression of interest naming you, or training in your "
        "partnership); it stays true once true (v3 `expression_of_interest`). Null for "
        "everyone else."
    )
    def expression_of_interest(self) -> bool | None:
        value = self.row.expression_of_interest
        return None if value is None else bool(value)

    @strawberry.field(description="When the school record was created (v3 `created_at`).")
    def created_at(self) -> dt.datetime:
        return self.row.created_at

    @strawberry.field(
        description="The latest change of the school, its partnerships or the training at "
        "it: the stamp `updatedSince` compares with (v3 `updated_at`)."
    )
    def updated_at(self) -> dt.datetime:
        return self.row.api_updated_at


@strawberry.type(description="A school in a cohort, with the cursor to page on from it.")
class SchoolInCohortEdge:
    cursor: str = strawberry.field(description="Pass as `after` to page on from here.")
    node: SchoolInCohort = strawberry.field(description="The school in the cohort.")


@strawberry.type(description="A page of schools in a cohort.")
class SchoolInCohortConnection:
    page_info: relay.PageInfo = strawberry.field(description="Where the page ends.")
    edges: list[SchoolInCohortEdge] = strawberry.field(description="The page's schools.")
