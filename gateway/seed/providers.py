"""Lead providers, delivery partners and who works with whom in each contract period."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

from gateway.seed.dates import add_days
from gateway.seed.names import DELIVERY_PARTNER_KINDS, PLACES
from gateway.seed.streams import Streams, WeightedChoice, stamp, uuid4_from
from gateway.seed.world import (
    ActiveLeadProviderInfo,
    DeliveryPartnerInfo,
    DeliveryPartnershipInfo,
    LeadProviderInfo,
    World,
)

LEAD_PROVIDERS: tuple[tuple[str, bool, float], ...] = (
    # (name, VAT registered, share of schools). The names are the real ECF lead
    # providers; the shares are our estimate. One provider is not VAT registered so that
    # both VAT rates (0.2 and 0) appear in the data; which one is our choice.
    ("Ambition Institute", True, 0.27),
    ("Teach First", True, 0.22),
    ("UCL Institute of Education", False, 0.17),
    ("Best Practice Network", True, 0.12),
    ("Education Development Trust", True, 0.11),
    ("National Institute of Teaching", True, 0.06),
    ("Capita", True, 0.05),
)

LEAD_PROVIDERS_ONBOARDED_ON = dt.date(2021, 3, 1)

DELIVERY_PARTNERS_AT_SCALE_1 = 200
"""Our estimate is 100-300 delivery partners in England."""

SECOND_PROVIDER_SHARE = 0.25
"""Share of delivery partners that also deliver for a second lead provider in a year."""

STAY_WITH_PROVIDER = 0.9
"""Chance a delivery partner keeps its main lead provider from one year to the next."""


def lead_provider_count(scale: float) -> int:
    # Never fewer than three, so even the smallest data set has competing providers.
    return min(len(LEAD_PROVIDERS), max(3, math.ceil(len(LEAD_PROVIDERS) * scale)))


def build_providers(world: World, streams: Streams) -> None:
    ids = streams.rng("providers/api-ids")
    for index, (name, vat, share) in enumerate(LEAD_PROVIDERS[: lead_provider_count(world.scale)]):
        world.lead_providers.append(
            LeadProviderInfo(
                id=index + 1,
                name=name,
                vat_registered=vat,
                api_id=uuid4_from(ids),
                market_share=share,
            )
        )
    alp_id = 0
    for year in world.years:
        for provider in world.lead_providers:
            alp_id += 1
            world.active_lead_providers[(provider.id, year)] = ActiveLeadProviderInfo(
                id=alp_id, lead_provider_id=provider.id, year=year
            )

    rng = streams.rng("providers/delivery-partners")
    count = max(4, round(DELIVERY_PARTNERS_AT_SCALE_1 * world.scale))
    names: dict[str, None] = {}  # an ordered set: iteration order must not depend on hashing
    while len(names) < count:
        names.setdefault(f"{rng.choice(PLACES)} {rng.choice(DELIVERY_PARTNER_KINDS)}")
    for index, name in enumerate(names):
        world.delivery_partners.append(
            DeliveryPartnerInfo(id=index + 1, name=name, api_id=uuid4_from(ids))
        )
    _build_delivery_partnerships(world, streams)


def _build_delivery_partnerships(world: World, streams: Streams) -> None:
    rng = streams.rng("providers/delivery-partnerships")
    choose_provider = WeightedChoice(
        [p.id for p in world.lead_providers], [p.market_share for p in world.lead_providers]
    )
    main_provider: dict[int, int] = {}
    for year in world.years:
        pairs: list[tuple[int, int]] = []  # (delivery partner, lead provider), in order
        for partner in world.delivery_partners:
            provider = main_provider.get(partner.id)
            if provider is None or rng.random() > STAY_WITH_PROVIDER:
                provider = choose_provider(rng)
            main_provider[partner.id] = provider
            pairs.append((partner.id, provider))
            if rng.random() < SECOND_PROVIDER_SHARE:
                second = choose_provider(rng)
                if second != provider:
                    pairs.append((partner.id, second))
        # Every active lead provider needs at least one delivery partner to work at all.
        for lead_provider in world.lead_providers:
            if all(lp != lead_provider.id for _, lp in pairs):
                partner_id = rng.choice(world.delivery_partners).id
                if (partner_id, lead_provider.id) not in pairs:
                    pairs.append((partner_id, lead_provider.id))
        for partner_id, provider_id in sorted(pairs):
            created = min(add_days(dt.date(year, 3, 15), rng.randrange(0, 75)), world.today)
            world.delivery_partnerships.append(
                DeliveryPartnershipInfo(
                    id=len(world.delivery_partnerships) + 1,
                    active_lead_provider_id=world.active_lead_providers[(provider_id, year)].id,
                    lead_provider_id=provider_id,
                    delivery_partner_id=partner_id,
                    year=year,
                    created_on=created,
                )
            )


def lead_provider_rows(world: World) -> Iterator[dict[str, Any]]:
    for provider in world.lead_providers:
        yield {
            "id": provider.id,
            "name": provider.name,
            "vat_registered": provider.vat_registered,
            "api_id": provider.api_id,
            "created_at": stamp(LEAD_PROVIDERS_ONBOARDED_ON, provider.id),
            "updated_at": stamp(LEAD_PROVIDERS_ONBOARDED_ON, provider.id),
        }


def active_lead_provider_rows(world: World) -> Iterator[dict[str, Any]]:
    for active in world.active_lead_providers.values():
        yield {
            "id": active.id,
            "lead_provider_id": active.lead_provider_id,
            "contract_period_year": active.year,
        }


def delivery_partner_rows(world: World) -> Iterator[dict[str, Any]]:
    first_seen: dict[int, dt.date] = {}
    for partnership in world.delivery_partnerships:
        first_seen.setdefault(partnership.delivery_partner_id, partnership.created_on)
    for partner in world.delivery_partners:
        created = first_seen.get(partner.id, LEAD_PROVIDERS_ONBOARDED_ON)
        yield {
            "id": partner.id,
            "name": partner.name,
            "api_id": partner.api_id,
            "created_at": stamp(created, partner.id),
            "updated_at": stamp(created, partner.id),
        }


def delivery_partnership_rows(world: World) -> Iterator[dict[str, Any]]:
    for partnership in world.delivery_partnerships:
        yield {
            "id": partnership.id,
            "active_lead_provider_id": partnership.active_lead_provider_id,
            "delivery_partner_id": partnership.delivery_partner_id,
            "created_at": stamp(partnership.created_on, partnership.id),
            "updated_at": stamp(partnership.created_on, partnership.id),
        }
