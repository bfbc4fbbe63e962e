"""Contracts and their fee structures in the graph (finance and admin all; a lead
provider its own: ``policy.contracts``)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.loaders.base import ResultRow
from gateway.loaders.statements import (
    BandedFeeStructureByContract,
    BandsByFeeStructure,
    FlatRateFeeStructureByContract,
    contract_terms,
)
from gateway.models import payments as pm
from gateway.models import training as trm
from gateway.rules import payments as calculator
from gateway.schema.base import ModelNode, ctx, gql_enum
from gateway.schema.training import LeadProvider

ContractType = pm.ContractType
gql_enum(
    pm.ContractType,
    "ContractType",
    "How a contract pays.",
    {
        pm.ContractType.ECF: "ECTs and mentors are paid through the bands.",
        pm.ContractType.ITTECF_ECTP: "ECTs through the bands; mentors a flat fee per declaration.",
    },
)
Band = pm.Band
gql_enum(
    pm.Band,
    "Band",
    "A band of a banded fee structure; bands fill A to D.",
    {b: f"Band {b.value}." for b in pm.Band},
)


@strawberry.type(description="One band of a banded fee structure.")
class FeeBand:
    row: strawberry.Private[ResultRow]

    @strawberry.field(description="A, B, C or D: bands fill in that order.")
    def band(self) -> Band:
        return self.row.band

    @strawberry.field(description="How many participants the band holds (D takes any beyond).")
    def capacity(self) -> int:
        return self.row.capacity

    @strawberry.field(description="The fee per participant in the band, in pounds.")
    def fee_per_declaration(self) -> Decimal:
        return calculator.shown(self.row.fee_per_declaration)

    @strawberry.field(description="The share of the fee paid as output fees (0 to 1).")
    def output_fee_ratio(self) -> Decimal:
        return self.row.output_fee_ratio

    @strawberry.field(description="The share of the fee paid as the service fee (0 to 1).")
    def service_fee_ratio(self) -> Decimal:
        return self.row.service_fee_ratio


@strawberry.type(description="A contract's banded fee structure: bands A to D and its fees.")
class BandedFeeStructure:
    row: strawberry.Private[ResultRow]

    @strawberry.field(description="The participants the provider is contracted to recruit.")
    def recruitment_target(self) -> int:
        return self.row.recruitment_target

    @strawberry.field(
        description="The setup fee, in pounds, deducted from the service fee in proportion "
        "to how much of band A the recruitment target fills."
    )
    def setup_fee(self) -> Decimal:
        return calculator.shown(self.row.setup_fee)

    @strawberry.field(
        description="The monthly service fee the contract sets, in pounds, if it overrides "
        "the one derived from the bands."
    )
    def monthly_service_fee(self) -> Decimal | None:
        fee = self.row.monthly_service_fee
        return None if fee is None else calculator.shown(fee)

    @strawberry.field(
        description="The uplift fee per started declaration at a school with pupil premium "
        "or sparsity uplift, in pounds."
    )
    def uplift_fee_per_declaration(self) -> Decimal:
        return calculator.shown(self.row.uplift_fee_per_declaration)

    @strawberry.field(description="Bands A to D, in the order they fill.")
    async def bands(self, info: Info) -> list[FeeBand]:
        rows = await ctx(info).loaders.get(BandsByFeeStructure).load(self.row.id)
        order = {band: i for i, band in enumerate(pm.Band)}
        return [FeeBand(row=r) for r in sorted(rows, key=lambda r: order[r.band])]


@strawberry.type(description="Mentors' flat fee under an ittecf_ectp contract.")
class FlatRateFeeStructure:
    row: strawberry.Private[ResultRow]

    @strawberry.field(description="The mentors the provider is contracted to recruit.")
    def recruitment_target(self) -> int:
        return self.row.recruitment_target

    @strawberry.field(
        description="The fee per mentor, in pounds: half paid when they start, half when "
        "they complete."
    )
    def fee_per_declaration(self) -> Decimal:
        return calculator.shown(self.row.fee_per_declaration)


@strawberry.type(description="A lead provider's contract for one contract period.")
class Contract(ModelNode):
    model: ClassVar[type] = pm.Contract
    row: strawberry.Private[ResultRow]
    id: relay.NodeID[int]
    contract_type: ContractType = strawberry.field(description="How the contract pays.")

    @strawberry.field(description="The contract period (cohort year).")
    def cohort(self) -> int:
        return self.row.contract_period_year

    @strawberry.field(
        description="The VAT rate on statement totals: 0.20, or 0 for a provider not "
        "registered for VAT."
    )
    def vat_rate(self) -> Decimal:
        return self.row.vat_rate

    @strawberry.field(description="The lead provider contracted.")
    async def lead_provider(self, info: Info) -> LeadProvider | None:
        return LeadProvider.maybe(
            await ctx(info).loaders.load(trm.LeadProvider, self.row.lead_provider_id)
        )

    @strawberry.field(description="Bands and fees; null if the contract has none yet.")
    async def banded_fee_structure(self, info: Info) -> BandedFeeStructure | None:
        rows = await ctx(info).loaders.get(BandedFeeStructureByContract).load(self.row.id)
        return BandedFeeStructure(row=rows[0]) if rows else None

    @strawberry.field(description="Mentors' flat fee (ittecf_ectp contracts only), else null.")
    async def flat_rate_fee_structure(self, info: Info) -> FlatRateFeeStructure | None:
        rows = await ctx(info).loaders.get(FlatRateFeeStructureByContract).load(self.row.id)
        return FlatRateFeeStructure(row=rows[0]) if rows else None

    @strawberry.field(
        description="The service fee paid on each monthly statement, in pounds to the "
        "penny: the contract's override, else (Σ over bands filled up to the recruitment "
        "target of participants × fee × service fee ratio − setup fee × band A filled / "
        "band A capacity) / 29. Null if the contract has no bands."
    )
    async def monthly_service_fee(self, info: Info) -> Decimal | None:
        terms = await contract_terms(ctx(info).loaders, self.row)
        return None if terms is None else calculator.shown(calculator.service_fee(terms))
