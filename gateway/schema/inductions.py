"""Inductions in the graph: appropriate bodies, induction periods and extensions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.loaders.base import ResultRow
from gateway.models import inductions as im
from gateway.models import teachers as tm
from gateway.schema.base import Action, ModelNode, ctx, gql_enum
from gateway.schema.teachers import TRSInductionStatus

if TYPE_CHECKING:
    from gateway.schema.teachers import Teacher

AppropriateBodyType = im.AppropriateBodyType
gql_enum(
    im.AppropriateBodyType,
    "AppropriateBodyType",
    "The kind of appropriate body.",
    {
        im.AppropriateBodyType.LOCAL_AUTHORITY: "A local authority (legacy).",
        im.AppropriateBodyType.NATIONAL: "A national appropriate body.",
        im.AppropriateBodyType.TEACHING_SCHOOL_HUB: "A teaching school hub.",
    },
)
InductionOutcome = im.InductionOutcome
gql_enum(
    im.InductionOutcome,
    "InductionOutcome",
    "The outcome an appropriate body recorded.",
    {im.InductionOutcome.PASS: "Passed induction.", im.InductionOutcome.FAIL: "Failed induction."},
)
TrainingProgramme = im.TrainingProgramme
gql_enum(
    im.TrainingProgramme,
    "TrainingProgramme",
    "How the training is delivered.",
    {
        im.TrainingProgramme.PROVIDER_LED: "Delivered by a lead provider and delivery partner.",
        im.TrainingProgramme.SCHOOL_LED: "Designed and delivered by the school.",
    },
)


@strawberry.type(description="A body that supervises teachers' induction and records outcomes.")
class AppropriateBody(ModelNode):
    model: ClassVar[type] = im.AppropriateBody
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The appropriate body's name.")
    type: AppropriateBodyType = strawberry.field(description="The kind of appropriate body.")


@strawberry.type(description="A teacher's induction supervised by one appropriate body.")
class InductionPeriod(ModelNode):
    model: ClassVar[type] = im.InductionPeriod
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    started_on: dt.date = strawberry.field(description="First day of the period.")
    finished_on: dt.date | None = strawberry.field(description="Last day; null while open.")
    outcome: InductionOutcome | None = strawberry.field(
        description="Pass or fail; null while open or when released without an outcome."
    )
    training_programme: TrainingProgramme = strawberry.field(
        description="The training programme during this period."
    )

    @strawberry.field(description="Terms served in this period (one decimal place, 0 to 16).")
    def number_of_terms(self) -> Decimal | None:
        return self.row.number_of_terms

    @strawberry.field(description="True while the period is open.")
    def current(self) -> bool:
        return self.row.finished_on is None

    @strawberry.field(description="What you may do with this period, and whether each applies now.")
    def available_actions(self, info: Info) -> list[Action]:
        from gateway.rules.inductions import period_actions

        return Action.many(period_actions(ctx(info).require_viewer(), self.row))

    @strawberry.field(
        description="When the period last changed: send it back as expectedUpdatedAt when "
        "correcting the period, so a change made since you read it is not overwritten."
    )
    def updated_at(self) -> dt.datetime:
        value: dt.datetime = self.row.updated_at  # aware UTC (models.base.UTCDateTime)
        return value

    @strawberry.field(description="The teacher.")
    async def teacher(
        self, info: Info
    ) -> Annotated[Teacher, strawberry.lazy("gateway.schema.teachers")] | None:
        from gateway.schema.teachers import Teacher

        return Teacher.maybe(await ctx(info).loaders.load(tm.Teacher, self.row.teacher_id))

    @strawberry.field(description="The appropriate body supervising this period.")
    async def appropriate_body(self, info: Info) -> AppropriateBody | None:
        return AppropriateBody.maybe(
            await ctx(info).loaders.load(im.AppropriateBody, self.row.appropriate_body_id)
        )


@strawberry.type(description="An extension to a teacher's induction.")
class InductionExtension(ModelNode):
    model: ClassVar[type] = im.InductionExtension
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]

    @strawberry.field(description="Terms added (0.1 to 16).")
    def number_of_terms(self) -> Decimal:
        return Decimal(self.row.number_of_terms)

    @strawberry.field(description="When the extension was recorded.")
    def created_at(self) -> dt.datetime:
        return self.row.created_at


@strawberry.type(description="A teacher's record (TRS), found by TRN and date of birth.")
class TeacherRecord:
    trn: str = strawberry.field(description="Teacher reference number.")
    first_name: str = strawberry.field(description="First name in the record.")
    last_name: str = strawberry.field(description="Last name in the record.")
    qts_awarded_on: dt.date | None = strawberry.field(description="When QTS was awarded.")
    induction_status: TRSInductionStatus = strawberry.field(
        description="Induction status in the record."
    )


@strawberry.type(
    description="A teacher an appropriate body may claim: an ECT at a school that reported "
    "your body, with QTS, no outcome and no open induction. Claim them with claimEct."
)
class ClaimableTeacher:
    trn: str | None = strawberry.field(description="Teacher reference number.")
    full_name: str = strawberry.field(description="The name the school uses, else TRS's.")
    qts_awarded_on: dt.date | None = strawberry.field(description="When QTS was awarded.")

    @classmethod
    def from_row(cls, row: Any) -> ClaimableTeacher:
        return cls(
            trn=row.trn,
            full_name=tm.full_name(row.trs_first_name, row.trs_last_name, row.corrected_name),
            qts_awarded_on=row.trs_qts_awarded_on,
        )
