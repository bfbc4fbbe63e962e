"""Teachers in the graph: the teacher, their derived statuses and their periods."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, ClassVar

import sqlalchemy as sa
import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.errors import BadUserInput, NotFound
from gateway.loaders.audit import EventsByTeacher
from gateway.loaders.base import ResultRow
from gateway.loaders.inductions import (
    ExtensionsByTeacher,
    InductionFactsByTeacher,
    InductionPeriodsByTeacher,
)
from gateway.loaders.schools import ECTPeriodsByTeacher, MentorPeriodsByTeacher
from gateway.loaders.teachers import IdChangesByTeacher
from gateway.loaders.training import TrainingByTeacher
from gateway.loaders.transfers import TransfersByTeacher
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.rules import derived
from gateway.rules.transfers import Transfer
from gateway.schema.base import ModelNode, ctx, gql_enum

if TYPE_CHECKING:
    from gateway.schema.audit import Event
    from gateway.schema.inductions import InductionExtension, InductionPeriod
    from gateway.schema.schools import ECTAtSchoolPeriod, MentorAtSchoolPeriod
    from gateway.schema.training import TrainingPeriod
    from gateway.schema.transfers import ParticipantTransfer

TRSInductionStatus = tm.TRSInductionStatus
gql_enum(
    tm.TRSInductionStatus,
    "TRSInductionStatus",
    "Induction status as the Teaching Record System holds it.",
    {
        tm.TRSInductionStatus.NONE: "No induction recorded.",
        tm.TRSInductionStatus.REQUIRED_TO_COMPLETE: "Must complete induction.",
        tm.TRSInductionStatus.IN_PROGRESS: "Induction under way.",
        tm.TRSInductionStatus.PASSED: "Passed induction.",
        tm.TRSInductionStatus.FAILED: "Failed induction.",
        tm.TRSInductionStatus.EXEMPT: "Exempt from induction.",
    },
)

InductionStatus = derived.InductionStatus
gql_enum(
    derived.InductionStatus,
    "InductionStatus",
    "Where the teacher's induction stands, derived from their induction periods.",
    {
        derived.InductionStatus.NOT_STARTED: "No appropriate body has claimed the teacher yet.",
        derived.InductionStatus.IN_PROGRESS: "An induction period is open.",
        derived.InductionStatus.PAUSED: "Claimed before, released, no period open now.",
        derived.InductionStatus.PASSED: "An appropriate body recorded a pass.",
        derived.InductionStatus.FAILED: "An appropriate body recorded a fail.",
        derived.InductionStatus.EXEMPT: "Exempt according to the Teaching Record System.",
    },
)


@strawberry.type(description="A teacher: an early career teacher, a mentor, or both over time.")
class Teacher(ModelNode):
    model: ClassVar[type] = tm.Teacher
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    trn: str | None = strawberry.field(
        description="Teacher reference number: 7 digits; null for a flagged trnless teacher."
    )
    trnless: bool = strawberry.field(description="True when the teacher has no TRN yet.")
    trs_first_name: str = strawberry.field(description="First name held by the TRS.")
    trs_last_name: str = strawberry.field(description="Last name held by the TRS.")
    corrected_name: str | None = strawberry.field(description="Full name as corrected by a school.")

    @strawberry.field(description="The lead providers' participant id (a UUID that never changes).")
    def participant_id(self) -> uuid.UUID:
        return self.row.api_id

    @strawberry.field(description="The name to show: the corrected name, else the TRS names.")
    def full_name(self) -> str:
        r = self.row
        return tm.full_name(r.trs_first_name, r.trs_last_name, r.corrected_name)

    @strawberry.field(description="Date qualified teacher status was awarded (TRS).")
    def qts_awarded_on(self) -> dt.date | None:
        return self.row.trs_qts_awarded_on

    @strawberry.field(description="Induction status as held by the Teaching Record System.")
    def trs_induction_status(self) -> TRSInductionStatus:
        return self.row.trs_induction_status

    @strawberry.field(description="When anything a lead provider sees about the teacher changed.")
    def updated_at(self) -> dt.datetime:
        return self.row.api_updated_at

    @strawberry.field(description="Induction status derived from the induction periods.")
    async def induction_status(self, info: Info) -> InductionStatus:
        periods = await _induction_facts(info, self.row.id)
        return derived.induction_status(periods, self.row.trs_induction_status)

    @strawberry.field(
        description="Eligible for funding as an ECT: the stored fact, set once (the first "
        "day an ECT period and a started induction period meet) and never unset. Lead "
        "providers read eligibility per participant type on each enrolment "
        "(`enrolments { eligibleForFunding }`), as v3 does."
    )
    def eligible_for_funding(self) -> bool:
        return self.row.ect_first_became_eligible_for_funding_at is not None

    @strawberry.field(
        description="Participant ids that were replaced by this one (duplicates merged), "
        "oldest first: follow `fromParticipantId` to this teacher."
    )
    async def participant_id_changes(self, info: Info) -> list[ParticipantIdChange]:
        rows = await ctx(info).loaders.get(IdChangesByTeacher).load(self.row.id)
        return [ParticipantIdChange(row=r) for r in rows]

    @strawberry.field(description="The teacher's ECT periods at schools you may see, oldest first.")
    async def ect_at_school_periods(
        self, info: Info
    ) -> list[Annotated[ECTAtSchoolPeriod, strawberry.lazy("gateway.schema.schools")]]:
        from gateway.schema.schools import ECTAtSchoolPeriod

        rows = await ctx(info).loaders.get(ECTPeriodsByTeacher).load(self.row.id)
        return ECTAtSchoolPeriod.many(rows)

    @strawberry.field(description="The teacher's mentor periods at schools you may see.")
    async def mentor_at_school_periods(
        self, info: Info
    ) -> list[Annotated[MentorAtSchoolPeriod, strawberry.lazy("gateway.schema.schools")]]:
        from gateway.schema.schools import MentorAtSchoolPeriod

        rows = await ctx(info).loaders.get(MentorPeriodsByTeacher).load(self.row.id)
        return MentorAtSchoolPeriod.many(rows)

    @strawberry.field(description="The teacher's induction periods, oldest first.")
    async def induction_periods(
        self, info: Info
    ) -> list[Annotated[InductionPeriod, strawberry.lazy("gateway.schema.inductions")]]:
        from gateway.schema.inductions import InductionPeriod

        rows = await ctx(info).loaders.get(InductionPeriodsByTeacher).load(self.row.id)
        return InductionPeriod.many(rows)

    @strawberry.field(description="Extensions to the teacher's induction.")
    async def induction_extensions(
        self, info: Info
    ) -> list[Annotated[InductionExtension, strawberry.lazy("gateway.schema.inductions")]]:
        from gateway.schema.inductions import InductionExtension

        rows = await ctx(info).loaders.get(ExtensionsByTeacher).load(self.row.id)
        return InductionExtension.many(rows)

    @strawberry.field(
        description="The enrolments, as Lead Provider API v3 gives them: the latest ECT and "
        "the latest mentor training period you may see (for a lead provider: with it), ECT "
        "first. With `includeHistory: true`, every training period you may see, oldest "
        "first (the same as `trainingPeriods`)."
    )
    async def enrolments(
        self,
        info: Info,
        include_history: Annotated[
            bool,
            strawberry.argument(
                description="Every training period, not only the latest of each type."
            ),
        ] = False,
    ) -> list[Annotated[TrainingPeriod, strawberry.lazy("gateway.schema.training")]]:
        from gateway.schema.training import TrainingPeriod

        rows = await ctx(info).loaders.get(TrainingByTeacher).load(self.row.id)
        if not include_history:
            rows = latest_of_each_type(rows)
        return await TrainingPeriod.build(info, rows)

    @strawberry.field(
        description="Training periods you may see (for a lead provider: all its training "
        "periods with the teacher, which `enrolments` narrows to the latest of each type), "
        "oldest first."
    )
    async def training_periods(
        self, info: Info
    ) -> list[Annotated[TrainingPeriod, strawberry.lazy("gateway.schema.training")]]:
        from gateway.schema.training import TrainingPeriod

        rows = await ctx(info).loaders.get(TrainingByTeacher).load(self.row.id)
        return await TrainingPeriod.build(info, rows)

    @strawberry.field(
        description="Lead providers: the participant's transfers that concern you (you "
        "trained them where they left or train them where they joined), ECT ones first, "
        "as v3's /participants/ecf/transfers gives them. Empty for everyone else."
    )
    async def transfers(
        self, info: Info
    ) -> list[Annotated[ParticipantTransfer, strawberry.lazy("gateway.schema.transfers")]]:
        from gateway.schema.transfers import ParticipantTransfer, TransferSide

        c = ctx(info)
        found = await c.loaders.get(TransfersByTeacher, c.today).load(self.row.id)
        if not found:
            return []
        names = {
            row.id: row.name
            for row in await c.loaders.by_id(trm.LeadProvider).load_many(
                sorted({p for t in found for p in _providers(t)})
            )
            if row is not None
        }
        r = self.row
        return [
            ParticipantTransfer(
                training_record_id=(
                    r.api_ect_training_record_id if t.is_ect else r.api_mentor_training_record_id
                ),
                participant_type="ect" if t.is_ect else "mentor",
                transfer_type=t.type,
                status=t.status,
                leaving=TransferSide(
                    school_urn=t.leaving_school.school_urn,
                    provider=names.get(t.leaving.lead_provider_id or 0),
                    date=t.leaving.finished_on,
                ),
                joining=(
                    TransferSide(
                        school_urn=t.joining_school.school_urn,
                        provider=names.get(t.joining.lead_provider_id or 0),
                        date=t.joining.started_on,
                    )
                    if t.joining is not None and t.joining_school is not None
                    else None
                ),
                updated_at=t.updated_at,
            )
            for t in found
        ]

    @strawberry.field(
        description="The teacher's timeline, oldest first: every change for DfE admin; for a "
        "school or appropriate body, the changes it made itself."
    )
    async def events(
        self, info: Info
    ) -> list[Annotated[Event, strawberry.lazy("gateway.schema.audit")]]:
        from gateway.schema.audit import Event

        rows = await ctx(info).loaders.get(EventsByTeacher).load(self.row.id)
        return [Event.from_row(r) for r in rows]


@strawberry.type(description="A participant id that was replaced by another (duplicates merged).")
class ParticipantIdChange:
    row: strawberry.Private[ResultRow]

    @strawberry.field(description="The old participant id.")
    def from_participant_id(self) -> uuid.UUID:
        return self.row.api_from_teacher_id

    @strawberry.field(description="The participant id to use now.")
    def to_participant_id(self) -> uuid.UUID:
        return self.row.api_to_teacher_id

    @strawberry.field(description="When the change was made.")
    def changed_at(self) -> dt.datetime:
        return self.row.created_at


def _providers(transfer: Transfer) -> list[int]:
    sides = [transfer.leaving, transfer.joining]
    return [t.lead_provider_id for t in sides if t is not None and t.lead_provider_id is not None]


@strawberry.type(
    description="A mentor of your ECTs whom you do not train (v3 /unfunded-mentors): they "
    "train with another provider, or not at all. Name, TRN and ids only: their email is "
    "for the provider that trains them."
)
class UnfundedMentor(ModelNode):
    """Read under ``policy.unfunded_mentors``, not the teachers rule: the provider does
    not see these teachers as participants."""

    model: ClassVar[type] = tm.Teacher
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]

    @classmethod
    async def load_rows(
        cls, info: Info, node_ids: Iterable[str], required: bool
    ) -> list[ResultRow | None]:
        try:
            ids = [int(i) for i in node_ids]
        except ValueError:
            raise BadUserInput("UnfundedMentor ids are integers inside the global ID.") from None
        c = ctx(info)
        stmt = c.scope.unfunded_mentors(*sa.inspect(tm.Teacher).columns).where(
            tm.Teacher.id.in_(set(ids))
        )
        found = {r.id: r for r in await c.loaders.fetch(stmt)}
        if required and any(i not in found for i in ids):
            raise NotFound("No UnfundedMentor with that id is visible to you.")
        return [found.get(i) for i in ids]

    @strawberry.field(description="The mentor's participant id.")
    def participant_id(self) -> uuid.UUID:
        return self.row.api_id

    @strawberry.field(description="The name to show.")
    def full_name(self) -> str:
        r = self.row
        return tm.full_name(r.trs_first_name, r.trs_last_name, r.corrected_name)

    @strawberry.field(description="Teacher reference number (null for a trnless teacher).")
    def trn(self) -> str | None:
        return self.row.trn

    @strawberry.field(description="When the teacher was registered.")
    def created_at(self) -> dt.datetime:
        return self.row.created_at

    @strawberry.field(description="When anything a lead provider sees about them changed.")
    def updated_at(self) -> dt.datetime:
        return self.row.api_updated_at


def latest_of_each_type(rows: Sequence[ResultRow]) -> list[ResultRow]:
    """The latest ECT and the latest mentor training period (by start, then id), ECT
    first: the real service's ``latest_ect_training_period`` and
    ``latest_mentor_training_period`` per lead provider (rows are already scoped)."""
    latest: dict[bool, ResultRow] = {}
    for row in rows:
        is_ect = row.ect_at_school_period_id is not None
        current = latest.get(is_ect)
        if current is None or (row.started_on, row.id) > (current.started_on, current.id):
            latest[is_ect] = row
    return [latest[k] for k in (True, False) if k in latest]


def _induction_facts(info: Info, teacher_id: int) -> Awaitable[list[ResultRow]]:
    """Induction periods read only to derive statuses (see policy.induction_facts).

    Returns the loader's future itself, so gathering it with others starts no task."""
    return ctx(info).loaders.get(InductionFactsByTeacher).load(teacher_id)
