"""Appropriate bodies: teaching school hubs, the two national bodies, legacy local authorities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from gateway.models.inductions import AppropriateBodyType
from gateway.seed.local_authorities import LOCAL_AUTHORITIES
from gateway.seed.names import PLACES
from gateway.seed.streams import Streams, stamp
from gateway.seed.world import AppropriateBodyInfo, World

NATIONAL_BODIES = (
    "Independent Schools Teacher Induction Panel (ISTIP)",
    "National Teacher Accreditation (NTA)",
)
ISTIP = NATIONAL_BODIES[0]

HUBS_AT_SCALE_1 = 90
LOCAL_AUTHORITY_BODIES_AT_SCALE_1 = 8
"""Local authorities stopped being appropriate bodies in 2023; a few legacy ones remain."""

REGISTERED_ON = dt.date(2021, 4, 1)


def build_appropriate_bodies(world: World, streams: Streams) -> None:
    rng = streams.rng("appropriate-bodies")

    def add(name: str, body_type: AppropriateBodyType) -> int:
        body = AppropriateBodyInfo(
            id=len(world.appropriate_bodies) + 1, name=name, type=body_type.value
        )
        world.appropriate_bodies.append(body)
        return body.id

    for name in NATIONAL_BODIES:
        world.national_body_ids.append(add(name, AppropriateBodyType.NATIONAL))
    hub_count = max(3, round(HUBS_AT_SCALE_1 * world.scale))
    hub_places = sorted(rng.sample(PLACES, min(hub_count, len(PLACES))))
    for place in hub_places:
        world.hub_ids.append(
            add(f"{place} Teaching School Hub", AppropriateBodyType.TEACHING_SCHOOL_HUB)
        )
    authority_count = max(2, round(LOCAL_AUTHORITY_BODIES_AT_SCALE_1 * world.scale))
    for authority in rng.sample(LOCAL_AUTHORITIES, authority_count):
        world.local_authority_body_ids.append(
            add(f"{authority.name} Council", AppropriateBodyType.LOCAL_AUTHORITY)
        )
    # Hubs cover neighbouring local authorities: LOCAL_AUTHORITIES is ordered by region,
    # so consecutive authorities share a hub.
    for index, authority in enumerate(LOCAL_AUTHORITIES):
        hub_index = index * len(world.hub_ids) // len(LOCAL_AUTHORITIES)
        world.hub_for_authority[authority.code] = world.hub_ids[hub_index]


def appropriate_body_rows(world: World) -> Iterator[dict[str, Any]]:
    for body in world.appropriate_bodies:
        yield {
            "id": body.id,
            "name": body.name,
            "type": body.type,
            "created_at": stamp(REGISTERED_ON, body.id),
            "updated_at": stamp(REGISTERED_ON, body.id),
        }
