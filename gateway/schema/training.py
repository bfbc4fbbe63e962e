"""Training in the graph: providers, cohorts, partnerships, schedules, training periods."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.loaders import enrolments
from gateway.loaders.base import ReadableContacts, ResultRow
from gateway.loaders.payments import DeclarationsByTrainingPeriod
from gateway.loaders.training import (
    CohortsByDeliveryPartner,
    CurrentTrainingByPartnership,
    PartnershipStamps,
)
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.rules import derived
from gateway.schema.base import ModelNode, ctx, gql_enum, selected_subfields, spelled_out
from gateway.schema.inductions import TrainingProgramme
from gateway.schema.schools import ParticipantStatus, WorkingPattern

if TYPE_CHECKING:
    from gateway.schema.payments import Declaration
    from gateway.schema.schools import School
    from gateway.schema.teachers import Teacher

TrainingStatus = derived.TrainingStatus
gql_enum(
    derived.TrainingStatus,
    "TrainingStatus",
    "Whether the participant is training, paused or stopped with this provider.",
    {
        derived.TrainingStatus.ACTIVE: "Training.",
        derived.TrainingStatus.DEFERRED: "Training paused (deferred) with a reason.",
        derived.TrainingStatus.WITHDRAWN: "Training stopped (withdrawn) with a reason.",
    },
)
WithdrawalReason = trm.WithdrawalReason
gql_enum(
    trm.WithdrawalReason,
    "WithdrawalReason",
    "Why a participant was withdrawn. The same list for ECTs and mentors, except "
    "MENTOR_NO_LONGER_BEING_MENTOR (mentors only).",
    spelled_out(trm.WithdrawalReason)
    | {
        trm.WithdrawalReason.MENTOR_NO_LONGER_BEING_MENTOR: "The mentor no longer mentors "
        "(mentors only: refused for an ECT)."
    },
)
DeferralReason = trm.DeferralReason
gql_enum(
    trm.DeferralReason,
    "DeferralReason",
    "Why a participant's training was deferred.",
    spelled_out(trm.DeferralReason),
)


MentorIneligibilityReason = tm.MentorIneligibilityReason
gql_enum(
    tm.MentorIneligibilityReason,
    "MentorIneligibilityReason",
    "Why a mentor's training is no longer funded.",
    {
        tm.MentorIneligibilityReason.COMPLETED_DECLARATION_RECEIVED: "A completed declaration "
        "was received for their mentor training.",
        tm.MentorIneligibilityReason.COMPLETED_DURING_EARLY_ROLL_OUT: "They completed mentor "
        "training during the early roll-out.",
        tm.MentorIneligibilityReason.STARTED_NOT_COMPLETED: "They started mentor training and "
        "did not complete it.",
    },
)


@strawberry.enum(description="Whether the participant trains as an ECT or as a mentor.")
class ParticipantType(enum.Enum):
    ECT = strawberry.enum_value("ect", description="An early career teacher.")
    MENTOR = strawberry.enum_value("mentor", description="A mentor.")


@strawberry.type(description="An organisation contracted to deliver provider-led training.")
class LeadProvider(ModelNode):
    model: ClassVar[type] = trm.LeadProvider
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The lead provider's name.")

    @strawberry.field(description="The lead provider's id in the Lead Provider API.")
    def api_id(self) -> uuid.UUID:
        return self.row.api_id


@strawberry.type(description="An organisation delivering training for lead providers.")
class DeliveryPartner(ModelNode):
    model: ClassVar[type] = trm.DeliveryPartner
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The delivery partner's name.")

    @strawberry.field(description="The delivery partner id used by the Lead Provider API.")
    def api_id(self) -> uuid.UUID:
        return self.row.api_id

    @strawberry.field(
        description="The cohorts in which it partners with a lead provider: for a lead "
        "provider, with you (the cohorts you may report school partnerships with it in, "
        "v3 `cohort`); for everyone else, with anyone. Oldest first."
    )
    async def cohorts(self, info: Info) -> list[int]:
        pairings = await ctx(info).loaders.get(CohortsByDeliveryPartner).load(self.row.id)
        return sorted({year for year, _ in pairings})

    @strawberry.field(description="When the delivery partner was created.")
    def created_at(self) -> dt.datetime:
        return self.row.created_at

    @strawberry.field(
        description="When the delivery partner or its cohorts (as `cohorts` lists them) "
        "last changed."
    )
    async def updated_at(self, info: Info) -> dt.datetime:
        pairings = await ctx(info).loaders.get(CohortsByDeliveryPartner).load(self.row.id)
        return max([self.row.updated_at, *(changed for _, changed in pairings)])


@strawberry.type(description="A cohort: the contract period that starts in June of `year`.")
class ContractPeriod:
    row: strawberry.Private[ResultRow]

    @strawberry.field(description="The year the contract period starts (the cohort).")
    def year(self) -> int:
        return self.row.year

    @strawberry.field(description="First day of the contract period.")
    def started_on(self) -> dt.date:
        return self.row.started_on

    @strawberry.field(description="Last day of the contract period.")
    def finished_on(self) -> dt.date:
        return self.row.finished_on

    @strawberry.field(description="When payments were frozen; null while declarations are open.")
    def payments_frozen_at(self) -> dt.datetime | None:
        return self.row.payments_frozen_at

    @strawberry.field(description="Mentors are funded in this contract period (2025 onwards).")
    def mentor_funding_enabled(self) -> bool:
        return self.row.mentor_funding_enabled

    @strawberry.field(description="Uplift fees are paid in this contract period (2021 to 2024).")
    def uplift_fees_enabled(self) -> bool:
        return self.row.uplift_fees_enabled


@strawberry.type(description="A schedule of declaration windows in one contract period.")
class Schedule:
    row: strawberry.Private[ResultRow]

    @strawberry.field(description="E.g. ecf-standard-september.")
    def identifier(self) -> str:
        return self.row.identifier

    @strawberry.field(description="The contract period (cohort year).")
    def cohort(self) -> int:
        return self.row.contract_period_year


@strawberry.type(
    description="A school working with a lead provider and delivery partner in a cohort."
)
class SchoolPartnership(ModelNode):
    model: ClassVar[type] = trm.SchoolPartnership
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]

    @strawberry.field(description="The partnership id used by the Lead Provider API.")
    def api_id(self) -> uuid.UUID:
        return self.row.api_id

    @strawberry.field(description="The contract period (cohort year).")
    def cohort(self) -> int:
        return self.row.contract_period_year

    @strawberry.field(description="When the partnership was made.")
    def created_at(self) -> dt.datetime:
        return self.row.created_at

    @strawberry.field(
        description="When anything the partnership shows last changed: the partnership, "
        "its school's induction tutor, its delivery partner, or its participants currently "
        "training (including a training period starting or ending as days pass). The "
        "stamp `updatedSince` compares with."
    )
    async def updated_at(self, info: Info) -> dt.datetime:
        computed = getattr(self.row, "api_updated_at", None)  # the list computes it
        if computed is None:
            c = ctx(info)
            computed = await c.loaders.get(PartnershipStamps, c.now).load(self.row.id)
        return computed or self.row.updated_at

    @strawberry.field(
        description="The school's induction tutor's name (v3 `induction_tutor_name`): the "
        "partnership's lead provider, the school and DfE admin; null for everyone else."
    )
    async def induction_tutor_name(self, info: Info) -> str | None:
        contact = await ctx(info).loaders.get(ReadableContacts, sm.School).load(self.row.school_id)
        return contact and contact.induction_tutor_name

    @strawberry.field(
        description="The school's induction tutor's email (v3 `induction_tutor_email`): the "
        "partnership's lead provider, the school and DfE admin; null for everyone else."
    )
    async def induction_tutor_email(self, info: Info) -> str | None:
        contact = await ctx(info).loaders.get(ReadableContacts, sm.School).load(self.row.school_id)
        return contact and contact.induction_tutor_email

    async def _training_now(self, info: Info) -> tuple[int, int]:
        c = ctx(info)
        return await c.loaders.get(CurrentTrainingByPartnership, c.today).load(self.row.id)

    @strawberry.field(
        description="How many participants (ECTs and mentors) train with this partnership "
        "today: started, not finished, neither withdrawn nor deferred (v3 "
        "`participants_currently_training`)."
    )
    async def participants_currently_training(self, info: Info) -> int:
        return sum(await self._training_now(info))

    @strawberry.field(description="Of participantsCurrentlyTraining, the ECTs.")
    async def ects_currently_training(self, info: Info) -> int:
        return (await self._training_now(info))[0]

    @strawberry.field(description="Of participantsCurrentlyTraining, the mentors.")
    async def mentors_currently_training(self, info: Info) -> int:
        return (await self._training_now(info))[1]

    @strawberry.field(description="The school.")
    async def school(
        self, info: Info
    ) -> Annotated[School, strawberry.lazy("gateway.schema.schools")] | None:
        from gateway.schema.schools import School

        return School.maybe(await ctx(info).loaders.load(sm.School, self.row.school_id))

    async def _lpdp(self, info: Info) -> ResultRow | None:
        return await ctx(info).loaders.load(
            trm.LeadProviderDeliveryPartnership, self.row.lead_provider_delivery_partnership_id
        )

    @strawberry.field(description="The delivery partner.")
    async def delivery_partner(self, info: Info) -> DeliveryPartner | None:
        lpdp = await self._lpdp(info)
        return DeliveryPartner.maybe(
            lpdp and await ctx(info).loaders.load(trm.DeliveryPartner, lpdp.delivery_partner_id)
        )

    @strawberry.field(description="The lead provider.")
    async def lead_provider(self, info: Info) -> LeadProvider | None:
        lpdp = await self._lpdp(info)
        alp = lpdp and await ctx(info).loaders.load(
            trm.ActiveLeadProvider, lpdp.active_lead_provider_id
        )
        return LeadProvider.maybe(
            alp and await ctx(info).loaders.load(trm.LeadProvider, alp.lead_provider_id)
        )


@strawberry.type(description="A withdrawal: when and why the lead provider stopped the training.")
class Withdrawal:
    reason: WithdrawalReason = strawberry.field(description="The reason the lead provider gave.")
    date: dt.datetime = strawberry.field(description="When the participant was withdrawn.")


@strawberry.type(description="A deferral: when and why the lead provider paused the training.")
class Deferral:
    reason: DeferralReason = strawberry.field(description="The reason the lead provider gave.")
    date: dt.datetime = strawberry.field(description="When the training was deferred.")


@strawberry.type(
    description="Training during one ECT or mentor period; for a lead provider, an enrolment."
)
class TrainingPeriod(ModelNode):
    """Built with ``build``: the related rows its fields read are gathered for the whole
    list first (gateway.loaders.enrolments), so those fields resolve synchronously."""

    model: ClassVar[type] = trm.TrainingPeriod
    row: strawberry.Private[ResultRow]
    facts: strawberry.Private[enrolments.EnrolmentFacts]
    id: relay.NodeID[int]
    started_on: dt.date = strawberry.field(description="First day of the training period.")
    finished_on: dt.date | None = strawberry.field(description="Last day; null while open.")
    training_programme: TrainingProgramme = strawberry.field(
        description="Provider-led or school-led."
    )

    @classmethod
    async def build(
        cls, info: Info, rows: Sequence[Any], *, everything: bool = False
    ) -> list[TrainingPeriod]:
        """TrainingPeriods for ``rows`` (the field ``info`` resolves returns them), with the
        facts its selection reads."""
        needs = enrolments.needs_for(None if everything else selected_subfields(info))
        facts = await enrolments.gather(ctx(info).loaders, rows, needs)
        return [cls.from_row(r, facts=f) for r, f in zip(rows, facts, strict=True)]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # as ModelNode.resolve_nodes
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TrainingPeriod | None]:
        rows = await cls.load_rows(info, node_ids, required)
        found = await cls.build(info, [r for r in rows if r is not None], everything=True)
        by_id = {node.row.id: node for node in found}
        return [by_id.get(r.id) if r is not None else None for r in rows]

    @property
    def is_ect(self) -> bool:
        return self.row.ect_at_school_period_id is not None

    @strawberry.field(
        description="The training record id used by the Lead Provider API: one per teacher "
        "and participant type, so it stays the same when a training period is replaced "
        "(resumed, moved to another provider or school)."
    )
    def training_record_id(self) -> uuid.UUID:
        teacher = self.facts.teacher
        if teacher is None:  # a visible training period's teacher is always visible
            raise LookupError(f"training period {self.row.id}: its teacher is not visible")
        return (
            teacher.api_ect_training_record_id
            if self.is_ect
            else teacher.api_mentor_training_record_id
        )

    @strawberry.field(description="ECT or mentor.")
    def participant_type(self) -> ParticipantType:
        return ParticipantType.ECT if self.is_ect else ParticipantType.MENTOR

    @strawberry.field(description="Active, deferred or withdrawn.")
    def training_status(self) -> TrainingStatus:
        return derived.training_status(self.row)

    # Shown as the training status says (as the real service's API does): a deferred
    # participant who was then withdrawn keeps the deferral in the database, but reads
    # withdrawn, with the withdrawal only.
    @strawberry.field(description="The withdrawal, while the training status is withdrawn.")
    def withdrawal(self) -> Withdrawal | None:
        r = self.row
        if derived.training_status(r) is not derived.TrainingStatus.WITHDRAWN:
            return None
        return Withdrawal(reason=r.withdrawal_reason, date=r.withdrawn_at)

    @strawberry.field(description="The deferral, while the training status is deferred.")
    def deferral(self) -> Deferral | None:
        r = self.row
        if derived.training_status(r) is not derived.TrainingStatus.DEFERRED:
            return None
        return Deferral(reason=r.deferral_reason, date=r.deferred_at)

    @strawberry.field(
        description="For an ECT: the participant id of their current (else latest) mentor."
    )
    def mentor_id(self) -> uuid.UUID | None:
        return self.facts.mentor_id

    @strawberry.field(
        description="Funding eligibility for this participant type: a stored fact, set once "
        "(an ECT with an ECT period and a started induction; a mentor unless recorded as "
        "ineligible) and never unset."
    )
    def eligible_for_funding(self) -> bool:
        teacher = self.facts.teacher
        if teacher is None:
            return False
        if self.is_ect:
            return teacher.ect_first_became_eligible_for_funding_at is not None
        return teacher.mentor_first_became_eligible_for_funding_at is not None

    def _uplifts_paid(self) -> bool:
        """Uplifts count only in contract periods with uplift fees (2021 to 2024)."""
        period = self.facts.contract_period
        return bool(period is not None and period.uplift_fees_enabled and self.facts.funding)

    @strawberry.field(
        description="The school has a pupil premium uplift in this cohort, and the cohort "
        "pays uplift fees (false otherwise)."
    )
    def pupil_premium_uplift(self) -> bool:
        return self._uplifts_paid() and bool(self.facts.funding.pupil_premium_uplift)

    @strawberry.field(
        description="The school has a sparsity uplift in this cohort, and the cohort pays "
        "uplift fees (false otherwise)."
    )
    def sparsity_uplift(self) -> bool:
        return self._uplifts_paid() and bool(self.facts.funding.sparsity_uplift)

    @strawberry.field(
        description="Active, joining, leaving or left, from this training period as of "
        "today: joining before it starts, leaving until its last day (a withdrawal or "
        "deferral closes it), left after; active once the teacher's induction finished "
        "with an outcome or their mentor funding ended."
    )
    def participant_status(self, info: Info) -> ParticipantStatus:
        teacher = self.facts.teacher
        return derived.enrolment_participant_status(
            self.row.started_on,
            self.row.finished_on,
            ctx(info).today,
            mentor_funding_ended=bool(
                teacher is not None and teacher.mentor_became_ineligible_for_funding_on
            ),
            induction_completed=derived.completed_induction(self.facts.induction) is not None,
        )

    @strawberry.field(
        description="The participant's email for this enrolment: only while you train them "
        "(an open training period with you); null otherwise."
    )
    def email(self) -> str | None:
        return self.facts.email.email if self.facts.email is not None else None

    @strawberry.field(description="For an ECT: full or part time at the school (null for mentors).")
    def working_pattern(self) -> WorkingPattern | None:
        at_school = self.facts.at_school
        if not self.is_ect or at_school is None:
            return None
        return at_school.working_pattern

    @strawberry.field(
        description="Start of the teacher's current (else latest) induction period; null "
        "before an appropriate body claims them."
    )
    def induction_start_date(self) -> dt.date | None:
        return derived.induction_start_date(self.facts.induction)

    @strawberry.field(
        description="When the teacher's induction finished with an outcome (v3 "
        "induction_end_date); null until then."
    )
    def induction_end_date(self) -> dt.date | None:
        completed = derived.completed_induction(self.facts.induction)
        return completed.finished_on if completed is not None else None

    @strawberry.field(
        description="Start of the teacher's first induction period (v3 "
        "overall_induction_start_date)."
    )
    def overall_induction_start_date(self) -> dt.date | None:
        return derived.overall_induction_start_date(self.facts.induction)

    @strawberry.field(
        description="For a mentor: when their mentor training stopped being funded (v3 "
        "mentor_funding_end_date); null for ECTs."
    )
    def mentor_funding_end_date(self) -> dt.date | None:
        teacher = self.facts.teacher
        if self.is_ect or teacher is None:
            return None
        return teacher.mentor_became_ineligible_for_funding_on

    @strawberry.field(description="For a mentor: why their training is no longer funded.")
    def mentor_ineligible_for_funding_reason(self) -> MentorIneligibilityReason | None:
        teacher = self.facts.teacher
        if self.is_ect or teacher is None:
            return None
        return teacher.mentor_became_ineligible_for_funding_reason

    @strawberry.field(
        description="The participant was moved to a new cohort after payments were frozen "
        "in their original one."
    )
    def cohort_changed_after_payments_frozen(self) -> bool:
        teacher = self.facts.teacher
        if teacher is None:
            return False
        year = (
            teacher.ect_payments_frozen_year if self.is_ect else teacher.mentor_payments_frozen_year
        )
        return year is not None

    @strawberry.field(description="The schedule's identifier, e.g. ecf-standard-september.")
    def schedule_identifier(self) -> str | None:
        return self.facts.schedule.identifier if self.facts.schedule is not None else None

    @strawberry.field(description="The delivery partner's API id (null until a partnership).")
    def delivery_partner_id(self) -> uuid.UUID | None:
        partner = self.facts.delivery_partner
        return partner.api_id if partner is not None else None

    @strawberry.field(description="The URN of the school where this training happens.")
    def school_urn(self) -> str | None:
        return self.facts.school.urn if self.facts.school is not None else None

    @strawberry.field(
        description="When the participant was registered at the school of this training "
        "(its ECT or mentor period was created)."
    )
    def created_at(self) -> dt.datetime | None:
        at_school = self.facts.at_school
        return at_school.created_at if at_school is not None else None

    @strawberry.field(description="When this training period last changed.")
    def updated_at(self) -> dt.datetime:
        return self.row.updated_at

    @strawberry.field(description="The school where this training happens.")
    def school(self) -> Annotated[School, strawberry.lazy("gateway.schema.schools")] | None:
        from gateway.schema.schools import School

        return School.maybe(self.facts.school)

    @strawberry.field(description="The school partnership (null for school-led training).")
    def school_partnership(self) -> SchoolPartnership | None:
        return SchoolPartnership.maybe(self.facts.partnership)

    @strawberry.field(
        description="The lead provider: the partnership's, else the one named in an "
        "expression of interest."
    )
    def lead_provider(self) -> LeadProvider | None:
        return LeadProvider.maybe(self.facts.lead_provider)

    @strawberry.field(description="The delivery partner (null until a partnership exists).")
    def delivery_partner(self) -> DeliveryPartner | None:
        return DeliveryPartner.maybe(self.facts.delivery_partner)

    @strawberry.field(description="The schedule (null for school-led training).")
    def schedule(self) -> Schedule | None:
        return Schedule(row=self.facts.schedule) if self.facts.schedule is not None else None

    @strawberry.field(description="The cohort (contract period year) of this training.")
    def cohort(self) -> int | None:
        return self.facts.cohort

    @strawberry.field(description="The participant.")
    async def teacher(
        self, info: Info
    ) -> Annotated[Teacher, strawberry.lazy("gateway.schema.teachers")] | None:
        from gateway.schema.teachers import Teacher

        return Teacher.maybe(await ctx(info).loaders.load(tm.Teacher, self.row.teacher_id))

    @strawberry.field(description="Declarations on this training you may see, oldest first.")
    async def declarations(
        self, info: Info
    ) -> list[Annotated[Declaration, strawberry.lazy("gateway.schema.payments")]]:
        from gateway.schema.payments import Declaration

        rows = await ctx(info).loaders.get(DeclarationsByTrainingPeriod).load(self.row.id)
        return Declaration.many(rows)
