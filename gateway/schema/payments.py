"""Payments in the graph: declarations and statements."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.loaders.base import ResultRow
from gateway.loaders.declarations import (
    DeclaredTraining,
    DeclaredTrainingById,
    MentorSpellsByECTPeriod,
    mentor_at,
)
from gateway.loaders.payments import AdjustmentsByStatement
from gateway.loaders.statements import StatementAmountsByStatement, StatementKey
from gateway.models import payments as pm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.rules import derived
from gateway.rules import payments as calculator
from gateway.schema.base import ModelNode, ctx, gql_enum
from gateway.schema.contracts import Band, Contract
from gateway.schema.training import DeliveryPartner, LeadProvider, TrainingPeriod

if TYPE_CHECKING:
    from gateway.schema.teachers import Teacher

DeclarationType = trm.DeclarationType
gql_enum(
    trm.DeclarationType,
    "DeclarationType",
    "The point of training declared, in order.",
    {
        t: {
            "started": "Training started.",
            "completed": "Training completed.",
        }.get(t.value, f"Milestone {t.value}.")
        for t in trm.DeclarationType
    },
)
DeclarationState = derived.DeclarationState
gql_enum(
    derived.DeclarationState,
    "DeclarationState",
    "The declaration's state, as lead providers see it.",
    {
        derived.DeclarationState.SUBMITTED: "Submitted; the participant is not yet eligible.",
        derived.DeclarationState.ELIGIBLE: "Eligible for payment on an open statement.",
        derived.DeclarationState.PAYABLE: "On a statement past its deadline, to be paid.",
        derived.DeclarationState.PAID: "Paid.",
        derived.DeclarationState.VOIDED: "Voided before payment.",
        derived.DeclarationState.AWAITING_CLAWBACK: "Voided after payment; to be clawed back.",
        derived.DeclarationState.CLAWED_BACK: "Voided after payment and clawed back.",
    },
)
StatementStatus = pm.StatementStatus
gql_enum(
    pm.StatementStatus,
    "StatementStatus",
    "Where a statement is in the payment cycle.",
    {
        pm.StatementStatus.OPEN: "Taking declarations until its deadline.",
        pm.StatementStatus.PAYABLE: "Past its deadline, awaiting authorisation.",
        pm.StatementStatus.PAID: "Payment authorised.",
    },
)
FeeType = pm.FeeType
gql_enum(
    pm.FeeType,
    "FeeType",
    "What a statement pays.",
    {
        pm.FeeType.OUTPUT: "Output fees for declarations, and the monthly service fee.",
        pm.FeeType.SERVICE: "The monthly service fee (and any adjustments); no declarations.",
    },
)


@strawberry.enum(description="The course a declaration is for (v3 `course_identifier`).")
class CourseIdentifier(enum.Enum):
    ECF_INDUCTION = strawberry.enum_value(
        "ecf-induction", description="ecf-induction: an ECT's training."
    )
    ECF_MENTOR = strawberry.enum_value("ecf-mentor", description="ecf-mentor: a mentor's training.")


@strawberry.enum(description="Why a declaration is ineligible for funding (v3).")
class IneligibleForFundingReason(enum.Enum):
    DUPLICATE_DECLARATION = strawberry.enum_value(
        "duplicate_declaration", description="Another declaration of the type already counts."
    )


@strawberry.type(
    description="A lead provider's claim that a participant reached a point of training."
)
class Declaration(ModelNode):
    model: ClassVar[type] = pm.Declaration
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    declaration_type: DeclarationType = strawberry.field(description="The point of training.")
    declaration_date: dt.datetime = strawberry.field(description="When the point was reached.")
    pupil_premium_uplift: bool = strawberry.field(
        description="Pupil premium uplift (started only)."
    )
    sparsity_uplift: bool = strawberry.field(description="Sparsity uplift (started only).")

    @strawberry.field(description="The declaration id used by the Lead Provider API.")
    def api_id(self) -> uuid.UUID:
        return self.row.api_id

    @strawberry.field(description="The evidence the lead provider holds, if given.")
    def evidence_type(self) -> str | None:
        return self.row.evidence_type.value if self.row.evidence_type else None

    @strawberry.field(description="Submitted, eligible, payable, paid, voided or clawback states.")
    def state(self) -> DeclarationState:
        return derived.declaration_state(self.row.payment_status, self.row.clawback_status)

    @strawberry.field(description="When the declaration was made.")
    def created_at(self) -> dt.datetime:
        return self.row.created_at

    @strawberry.field(description="When the declaration last changed.")
    def updated_at(self) -> dt.datetime:
        return self.row.updated_at

    async def _training(self, info: Info) -> DeclaredTraining | None:
        return await ctx(info).loaders.get(DeclaredTrainingById).load(self.row.training_period_id)

    @strawberry.field(
        description="ECF_INDUCTION for an ECT's training, ECF_MENTOR for a mentor's (v3 "
        "`course_identifier`: ecf-induction / ecf-mentor)."
    )
    async def course_identifier(self, info: Info) -> CourseIdentifier | None:
        training = await self._training(info)
        if training is None:
            return None
        if training.ect_at_school_period_id is None:
            return CourseIdentifier.ECF_MENTOR
        return CourseIdentifier.ECF_INDUCTION

    @strawberry.field(
        description="The contract period (cohort year) of the training declared against."
    )
    async def cohort(self, info: Info) -> int | None:
        training = await self._training(info)
        return training.cohort if training else None

    @strawberry.field(
        description="For an ECT's declaration: the participant id of their mentor at the "
        "declaration date (the mentorship covering it, else the nearest); null for a "
        "mentor's declaration or an ECT never mentored (v3 `mentor_id`)."
    )
    async def mentor_id(self, info: Info) -> uuid.UUID | None:
        training = await self._training(info)
        if training is None or training.ect_at_school_period_id is None:
            return None
        spells = (
            await ctx(info)
            .loaders.get(MentorSpellsByECTPeriod)
            .load(training.ect_at_school_period_id)
        )
        return mentor_at(spells, self.row.declaration_date.date())

    @strawberry.field(
        description="True when the declaration carries an uplift (pupil premium or "
        "sparsity), has been paid, and its contract period pays uplift fees (v3 "
        "`uplift_paid`; a clawback does not unset it, as in the real service)."
    )
    async def uplift_paid(self, info: Info) -> bool:
        """register-early-career-teachers ``Declaration#uplift_paid?``: paid and an
        uplift present; its validation allows uplifts only where the contract period
        enables uplift fees, which is checked here (issue 9, correction 4)."""
        r = self.row
        if r.payment_status != pm.PaymentStatus.PAID:
            return False
        if not (r.pupil_premium_uplift or r.sparsity_uplift):
            return False
        training = await self._training(info)
        if training is None or training.cohort is None:
            return False
        period = await ctx(info).loaders.load(trm.ContractPeriod, training.cohort)
        return bool(period and period.uplift_fees_enabled)

    @strawberry.field(
        description="Why the declaration is ineligible for funding (v3 "
        "`ineligible_for_funding_reason`). Always null here: a duplicate is refused when "
        "it is made, so no declaration is ever ineligible."
    )
    def ineligible_for_funding_reason(self) -> IneligibleForFundingReason | None:
        return None

    @strawberry.field(description="The name of the lead provider that declared (v3).")
    async def lead_provider_name(self, info: Info) -> str | None:
        provider = await ctx(info).loaders.load(trm.LeadProvider, self.row.lead_provider_id)
        return provider.name if provider else None

    @strawberry.field(description="The participant.")
    async def participant(
        self, info: Info
    ) -> Annotated[Teacher, strawberry.lazy("gateway.schema.teachers")] | None:
        from gateway.schema.teachers import Teacher

        return Teacher.maybe(await ctx(info).loaders.load(tm.Teacher, self.row.teacher_id))

    @strawberry.field(description="The training period (enrolment) declared against.")
    async def training_period(self, info: Info) -> TrainingPeriod | None:
        row = await ctx(info).loaders.load(trm.TrainingPeriod, self.row.training_period_id)
        return (await TrainingPeriod.build(info, [row]))[0] if row is not None else None

    @strawberry.field(description="The lead provider that declared.")
    async def lead_provider(self, info: Info) -> LeadProvider | None:
        return LeadProvider.maybe(
            await ctx(info).loaders.load(trm.LeadProvider, self.row.lead_provider_id)
        )

    @strawberry.field(description="The delivery partner at the time of declaring.")
    async def delivery_partner(self, info: Info) -> DeliveryPartner | None:
        return DeliveryPartner.maybe(
            await ctx(info).loaders.load(trm.DeliveryPartner, self.row.delivery_partner_id)
        )

    @strawberry.field(description="The statement that pays (or paid) it.")
    async def statement(self, info: Info) -> Statement | None:
        return Statement.maybe(
            await ctx(info).loaders.load(pm.Statement, self.row.payment_statement_id)
        )

    @strawberry.field(description="The statement that claws it back, if voided after payment.")
    async def clawback_statement(self, info: Info) -> Statement | None:
        return Statement.maybe(
            await ctx(info).loaders.load(pm.Statement, self.row.clawback_statement_id)
        )


@strawberry.type(description="A manual adjustment to a statement's total.")
class StatementAdjustment:
    row: strawberry.Private[ResultRow]

    @strawberry.field(
        description="The adjustment's global id (what removeStatementAdjustment takes)."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(relay.to_base64("StatementAdjustment", self.row.id)))

    @strawberry.field(description="Why the adjustment was made.")
    def description(self) -> str:
        return self.row.description

    @strawberry.field(description="Amount in pounds; negative reduces the payment.")
    def amount(self) -> Decimal:
        return self.row.amount


@strawberry.type(
    description="Declarations of one type in one band on a statement, and their output fees."
)
class StatementBandLine:
    line: strawberry.Private[calculator.BandLine]

    @strawberry.field(description="The point of training declared.")
    def declaration_type(self) -> DeclarationType:
        return self.line.declaration_type

    @strawberry.field(description="The band they fill (or are removed from, for refunds).")
    def band(self) -> Band:
        return self.line.band

    @strawberry.field(description="Declarations paid on this statement in this band.")
    def billable_count(self) -> int:
        return self.line.billable

    @strawberry.field(description="Declarations clawed back on this statement from this band.")
    def refunded_count(self) -> int:
        return self.line.refunded

    @strawberry.field(
        description="Output fee of one declaration: proportion of the type × band output "
        "fee ratio × band fee, in pounds to the penny."
    )
    def fee_per_declaration(self) -> Decimal:
        return calculator.shown(self.line.fee_per_declaration)

    @strawberry.field(description="Billable count × fee per declaration, to the penny.")
    def billable_amount(self) -> Decimal:
        return calculator.shown(self.line.billable * self.line.fee_per_declaration)

    @strawberry.field(description="Refunded count × fee per declaration, to the penny.")
    def refunded_amount(self) -> Decimal:
        return calculator.shown(self.line.refunded * self.line.fee_per_declaration)


@strawberry.type(description="Mentors' flat-rate declarations of one type on a statement.")
class StatementFlatRateLine:
    line: strawberry.Private[calculator.FlatRateLine]

    @strawberry.field(description="Started or completed.")
    def declaration_type(self) -> DeclarationType:
        return self.line.declaration_type

    @strawberry.field(description="Declarations paid on this statement.")
    def billable_count(self) -> int:
        return self.line.billable

    @strawberry.field(description="Declarations clawed back on this statement.")
    def refunded_count(self) -> int:
        return self.line.refunded

    @strawberry.field(description="Half the flat fee, in pounds to the penny.")
    def fee_per_declaration(self) -> Decimal:
        return calculator.shown(self.line.fee_per_declaration)

    @strawberry.field(description="Billable count × fee per declaration, to the penny.")
    def billable_amount(self) -> Decimal:
        return calculator.shown(self.line.billable * self.line.fee_per_declaration)

    @strawberry.field(description="Refunded count × fee per declaration, to the penny.")
    def refunded_amount(self) -> Decimal:
        return calculator.shown(self.line.refunded * self.line.fee_per_declaration)


@strawberry.type(description="A monthly financial statement for a lead provider and cohort.")
class Statement(ModelNode):
    model: ClassVar[type] = pm.Statement
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    month: int = strawberry.field(description="Statement month (1 to 12).")
    year: int = strawberry.field(description="Statement year.")
    deadline_date: dt.date = strawberry.field(
        description="Last day declarations count for it (v3 `cut_off_date`)."
    )
    payment_date: dt.date = strawberry.field(description="When it is paid.")
    status: StatementStatus = strawberry.field(description="Open, payable or paid.")
    fee_type: FeeType = strawberry.field(description="Output or service.")
    marked_as_paid_at: dt.datetime | None = strawberry.field(
        description="When payment was authorised."
    )

    @strawberry.field(description="The statement id used by the Lead Provider API.")
    def api_id(self) -> uuid.UUID:
        return self.row.api_id

    @strawberry.field(description="The contract period (cohort year).")
    def cohort(self) -> int:
        return self.row.contract_period_year

    @strawberry.field(
        description="True once DfE has paid the provider for it (v3 `paid`: status PAID)."
    )
    def paid(self) -> bool:
        return self.row.status == pm.StatementStatus.PAID

    @strawberry.field(description="When the statement was created.")
    def created_at(self) -> dt.datetime:
        return self.row.created_at

    @strawberry.field(description="When the statement last changed.")
    def updated_at(self) -> dt.datetime:
        return self.row.updated_at

    @strawberry.field(description="The lead provider paid.")
    async def lead_provider(self, info: Info) -> LeadProvider | None:
        return LeadProvider.maybe(
            await ctx(info).loaders.load(trm.LeadProvider, self.row.lead_provider_id)
        )

    @strawberry.field(description="Manual adjustments on the statement.")
    async def adjustments(self, info: Info) -> list[StatementAdjustment]:
        rows = await ctx(info).loaders.get(AdjustmentsByStatement).load(self.row.id)
        return [StatementAdjustment(row=r) for r in rows]

    @strawberry.field(
        description="Declarations paid (or to be paid) on this statement, a page at a time."
    )
    async def declarations(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="Page size.")] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor from pageInfo.endCursor.")
        ] = None,
    ) -> relay.Connection[Declaration]:
        from gateway.resolvers.payments import statement_declarations

        return await statement_declarations(ctx(info), self.row.id, first, after)

    # -- amounts: one calculation (gateway.rules.payments) per statement ---------------
    # Money is exact until shown: each figure is rounded to the penny on its own, from
    # the exact figures, so a total may differ by a penny from the sum of shown parts.

    async def _amounts(self, info: Info) -> calculator.StatementAmounts | None:
        key = StatementKey(id=self.row.id, contract_id=self.row.contract_id)
        return await ctx(info).loaders.get(StatementAmountsByStatement).load(key)

    @strawberry.field(description="The contract the statement pays under.")
    async def contract(self, info: Info) -> Contract | None:
        return Contract.maybe(await ctx(info).loaders.load(pm.Contract, self.row.contract_id))

    @strawberry.field(
        description="Banded declarations on this statement by declaration type and band: "
        "counts paid and clawed back, and their output fees (bands fill A to D per type "
        "across the contract's statements in payment order; refunds leave D to A). Empty "
        "if the contract has no bands."
    )
    async def band_lines(self, info: Info) -> list[StatementBandLine]:
        amounts = await self._amounts(info)
        return [StatementBandLine(line=x) for x in amounts.band_lines] if amounts else []

    @strawberry.field(
        description="Mentors' flat-rate declarations (ittecf_ectp contracts): started and "
        "completed, half the flat fee each."
    )
    async def flat_rate_lines(self, info: Info) -> list[StatementFlatRateLine]:
        amounts = await self._amounts(info)
        return [StatementFlatRateLine(line=x) for x in amounts.flat_rate_lines] if amounts else []

    @strawberry.field(
        description="Output fees of declarations paid on this statement (banded and flat "
        "rate), before clawbacks, in pounds to the penny; null if the contract has no bands."
    )
    async def output_fee(self, info: Info) -> Decimal | None:
        amounts = await self._amounts(info)
        return calculator.shown(amounts.output_fee) if amounts else None

    @strawberry.field(
        description="Output fees recovered on this statement for declarations voided after "
        "they were paid (a positive amount, deducted from the subtotal)."
    )
    async def clawbacks(self, info: Info) -> Decimal | None:
        amounts = await self._amounts(info)
        return calculator.shown(amounts.clawbacks) if amounts else None

    @strawberry.field(
        description="Started declarations paid here at schools with pupil premium or "
        "sparsity uplift (counted once with both); 0 where the contract period pays no "
        "uplift fees."
    )
    async def uplift_count(self, info: Info) -> int | None:
        amounts = await self._amounts(info)
        return amounts.uplift_count if amounts else None

    @strawberry.field(description="Uplifted started declarations clawed back here.")
    async def uplift_refunded_count(self, info: Info) -> int | None:
        amounts = await self._amounts(info)
        return amounts.uplift_refunded if amounts else None

    @strawberry.field(
        description="Uplift fees net of refunds: (uplift count − refunded) × the contract's "
        "uplift fee, to the penny."
    )
    async def uplift_amount(self, info: Info) -> Decimal | None:
        amounts = await self._amounts(info)
        return calculator.shown(amounts.uplift) if amounts else None

    @strawberry.field(
        description="The monthly service fee, paid on every statement (output and service): "
        "the contract's override, else derived from its bands (Contract.monthlyServiceFee)."
    )
    async def service_fee(self, info: Info) -> Decimal | None:
        amounts = await self._amounts(info)
        return calculator.shown(amounts.service_fee) if amounts else None

    @strawberry.field(description="The sum of finance's adjustments on this statement.")
    async def adjustments_total(self, info: Info) -> Decimal | None:
        amounts = await self._amounts(info)
        return calculator.shown(amounts.adjustments) if amounts else None

    @strawberry.field(
        description="Output fee − clawbacks + uplift + service fee + adjustments, before VAT."
    )
    async def subtotal(self, info: Info) -> Decimal | None:
        amounts = await self._amounts(info)
        return calculator.shown(amounts.subtotal) if amounts else None

    @strawberry.field(description="The contract's VAT rate (0.20, or 0 if not registered).")
    async def vat_rate(self, info: Info) -> Decimal | None:
        amounts = await self._amounts(info)
        return amounts.vat_rate if amounts else None

    @strawberry.field(description="VAT on the subtotal at the contract's rate, to the penny.")
    async def vat(self, info: Info) -> Decimal | None:
        amounts = await self._amounts(info)
        return calculator.shown(amounts.vat) if amounts else None

    @strawberry.field(description="Subtotal + VAT: what the statement pays, to the penny.")
    async def total(self, info: Info) -> Decimal | None:
        amounts = await self._amounts(info)
        return calculator.shown(amounts.total) if amounts else None
