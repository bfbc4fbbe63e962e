"""School partnerships (school × lead provider–delivery partner, per cohort) and
expressions of interest for schools that have not partnered yet.

A school only partners in a cohort when someone there trains provider-led in it, and
usually stays with last year's lead provider and delivery partner. A few schools whose
first provider-led participant of the current cohort started in the last three months
have only expressed interest in a lead provider: no partnership exists yet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from gateway.seed.dates import add_days
from gateway.seed.streams import Streams, WeightedChoice, stamp, uuid4_from
from gateway.seed.world import (
    ActiveLeadProviderInfo,
    DeliveryPartnershipInfo,
    SchoolPartnershipInfo,
    World,
)

KEEP_PARTNERSHIP = 0.85
"""Chance a school keeps last cohort's lead provider and delivery partner (our estimate)."""
KEEP_LEAD_PROVIDER = 0.93
EXPRESSION_OF_INTEREST_SHARE = 0.06
EXPRESSION_OF_INTEREST_DAYS = 90

Arrangement = SchoolPartnershipInfo | ActiveLeadProviderInfo
"""How a school trains provider-led in a cohort: a partnership, or only an expression of
interest (the active lead provider it named)."""


def resolve_partnerships(
    world: World, streams: Streams, first_start: dict[tuple[int, int], dt.date]
) -> dict[tuple[int, int], Arrangement]:
    """Partnerships or expressions of interest for every (cohort, school) in ``first_start``,
    which maps each to the day its first provider-led participant started training."""
    rng = streams.rng("partnerships")
    api_ids = streams.rng("partnerships/api-ids")
    choose_provider = WeightedChoice(
        [p.id for p in world.lead_providers], [p.market_share for p in world.lead_providers]
    )
    by_pair: dict[tuple[int, int, int], DeliveryPartnershipInfo] = {}
    by_provider: dict[tuple[int, int], list[DeliveryPartnershipInfo]] = defaultdict(list)
    for known in world.delivery_partnerships:
        by_pair[(known.year, known.lead_provider_id, known.delivery_partner_id)] = known
        by_provider[(known.year, known.lead_provider_id)].append(known)

    previous: dict[int, DeliveryPartnershipInfo] = {}
    arrangements: dict[tuple[int, int], Arrangement] = {}
    recent = add_days(world.today, -EXPRESSION_OF_INTEREST_DAYS)
    for year, school_id in sorted(first_start):  # cohorts in order: continuity year to year
        started = first_start[(year, school_id)]
        last = previous.get(school_id)
        if (
            year == world.current_year
            and started >= recent
            and rng.random() < EXPRESSION_OF_INTEREST_SHARE
        ):
            provider = last.lead_provider_id if last is not None else choose_provider(rng)
            arrangements[(year, school_id)] = world.active_lead_providers[(provider, year)]
            continue
        lpdp: DeliveryPartnershipInfo | None = None
        if last is not None:
            roll = rng.random()
            if roll < KEEP_PARTNERSHIP:
                lpdp = by_pair.get((year, last.lead_provider_id, last.delivery_partner_id))
            if lpdp is None and roll < KEEP_LEAD_PROVIDER:
                options = by_provider.get((year, last.lead_provider_id))
                lpdp = rng.choice(options) if options else None
        if lpdp is None:
            lpdp = rng.choice(by_provider[(year, choose_provider(rng))])
        previous[school_id] = lpdp
        # Agreed before the first participant started, once the contract period had
        # started (a partnership needs a started contract period).
        agreed = max(
            world.contract_periods[year].started_on,
            lpdp.created_on,
            add_days(started, -rng.randrange(7, 100)),
        )
        partnership = SchoolPartnershipInfo(
            id=len(world.school_partnerships) + 1,
            api_id=uuid4_from(api_ids),
            school_id=school_id,
            delivery_partnership=lpdp,
            year=year,
            created_on=min(agreed, started),
        )
        world.school_partnerships.append(partnership)
        arrangements[(year, school_id)] = partnership
    return arrangements


def school_partnership_rows(world: World) -> Iterator[dict[str, Any]]:
    for partnership in world.school_partnerships:
        yield {
            "id": partnership.id,
            "api_id": partnership.api_id,
            "school_id": partnership.school_id,
            "lead_provider_delivery_partnership_id": partnership.delivery_partnership.id,
            "contract_period_year": partnership.year,
            "created_at": stamp(partnership.created_on, partnership.id),
            "updated_at": stamp(partnership.created_on, partnership.id),
        }
