"""Contracts of each active lead provider and their fee structures (money as Decimal)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from gateway.models.payments import Band, ContractType
from gateway.seed.cohorts import MENTOR_FUNDING_FROM
from gateway.seed.streams import Streams, stamp
from gateway.seed.world import ContractInfo, World

PENNY = Decimal("0.01")

ECTS_PER_YEAR_AT_SCALE_1 = 27_500
MENTORS_PER_YEAR_AT_SCALE_1 = 22_000
"""Recruitment targets are set from these expected numbers (our estimate)."""

BAND_CAPACITY_SHARE: dict[Band, Decimal] = {
    # Share of the recruitment target each band holds; together a little over the target
    # so that over-recruitment still lands in band D.
    Band.A: Decimal("0.25"),
    Band.B: Decimal("0.25"),
    Band.C: Decimal("0.25"),
    Band.D: Decimal("0.35"),
}

BAND_FEES: dict[ContractType, dict[Band, int]] = {
    # Fee per participant (£) in each band: cheaper as volume grows (our estimate).
    ContractType.ECF: {Band.A: 1400, Band.B: 1330, Band.C: 1260, Band.D: 1190},
    ContractType.ITTECF_ECTP: {Band.A: 1600, Band.B: 1520, Band.C: 1440, Band.D: 1360},
}

RATIOS: dict[ContractType, tuple[Decimal, Decimal]] = {
    # (output fee ratio, service fee ratio): they must sum to exactly 1.
    ContractType.ECF: (Decimal("0.6"), Decimal("0.4")),
    ContractType.ITTECF_ECTP: (Decimal("0.7"), Decimal("0.3")),
}

UPLIFT_FEE = Decimal("100.00")
MENTOR_FLAT_FEE = 1000
SETUP_FEE_SHARE = Decimal("0.04")
"""Set-up fee as a share of the contract's total service fees (our estimate)."""

MONTHLY_FEE_OVERRIDE_SHARE = 1 / 6
"""Share of contracts whose monthly service fee was negotiated rather than derived."""


def contract_type_for(year: int) -> ContractType:
    return ContractType.ITTECF_ECTP if year >= MENTOR_FUNDING_FROM else ContractType.ECF


def build_contracts(world: World, streams: Streams) -> None:
    rng = streams.rng("contracts")
    total_share = sum(p.market_share for p in world.lead_providers)
    providers = {p.id: p for p in world.lead_providers}
    structures: list[dict[str, Any]] = []
    bands: list[dict[str, Any]] = []
    flat_rates: list[dict[str, Any]] = []
    for (provider_id, year), active in world.active_lead_providers.items():
        provider = providers[provider_id]
        contract_type = contract_type_for(year)
        contract = ContractInfo(
            id=active.id,
            active_lead_provider_id=active.id,
            lead_provider_id=provider_id,
            year=year,
            contract_type=contract_type.value,
            vat_rate=Decimal("0.20") if provider.vat_registered else Decimal("0.00"),
        )
        world.contracts[(provider_id, year)] = contract
        share = provider.market_share / total_share
        ects = ECTS_PER_YEAR_AT_SCALE_1 * world.scale * share
        mentors = MENTORS_PER_YEAR_AT_SCALE_1 * world.scale * share
        # ECF contracts pay for ECTs and mentors alike through the bands; from 2025 the
        # bands are for ECTs and mentors are paid a flat rate.
        banded_target = round(
            (ects + mentors if contract_type is ContractType.ECF else ects) * 1.05
        )
        banded_target = max(banded_target, 10)
        output_ratio, service_ratio = RATIOS[contract_type]
        remaining = banded_target
        service_total = Decimal(0)
        structure_id = len(structures) + 1
        for band, capacity_share in BAND_CAPACITY_SHARE.items():
            capacity = max(1, int(banded_target * capacity_share))
            fee = Decimal(BAND_FEES[contract_type][band] + rng.randrange(-5, 6) * 10)
            service_total += min(capacity, remaining) * fee * service_ratio
            remaining = max(0, remaining - capacity)
            bands.append(
                {
                    "id": len(bands) + 1,
                    "banded_fee_structure_id": structure_id,
                    "band": band.value,
                    "capacity": capacity,
                    "fee_per_declaration": fee.quantize(PENNY),
                    "output_fee_ratio": output_ratio,
                    "service_fee_ratio": service_ratio,
                }
            )
        setup_fee = (service_total * SETUP_FEE_SHARE).quantize(Decimal(1))
        monthly = None
        if rng.random() < MONTHLY_FEE_OVERRIDE_SHARE:
            monthly = ((service_total - setup_fee) / 29 * Decimal("0.97")).quantize(PENNY)
        structures.append(
            {
                "id": structure_id,
                "contract_id": contract.id,
                "recruitment_target": banded_target,
                "setup_fee": setup_fee.quantize(PENNY),
                "monthly_service_fee": monthly,
                "uplift_fee_per_declaration": UPLIFT_FEE
                if world.contract_periods[year].uplift_fees_enabled
                else Decimal("0.00"),
            }
        )
        if contract_type is ContractType.ITTECF_ECTP:
            flat_rates.append(
                {
                    "id": len(flat_rates) + 1,
                    "contract_id": contract.id,
                    "recruitment_target": max(10, round(mentors * 1.05)),
                    "fee_per_declaration": Decimal(
                        MENTOR_FLAT_FEE + rng.randrange(-5, 6) * 10
                    ).quantize(PENNY),
                }
            )
    world.small_tables["banded_fee_structures"] = structures
    world.small_tables["fee_bands"] = bands
    world.small_tables["flat_rate_fee_structures"] = flat_rates


def contract_rows(world: World) -> Iterator[dict[str, Any]]:
    for contract in world.contracts.values():
        signed = min(dt.date(contract.year, 4, 1), world.today)
        yield {
            "id": contract.id,
            "active_lead_provider_id": contract.active_lead_provider_id,
            "lead_provider_id": contract.lead_provider_id,
            "contract_period_year": contract.year,
            "contract_type": contract.contract_type,
            "vat_rate": contract.vat_rate,
            "created_at": stamp(signed, contract.id),
            "updated_at": stamp(signed, contract.id),
        }
