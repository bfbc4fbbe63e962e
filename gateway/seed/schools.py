"""Schools in England (and a few that are not), with their funding flags per cohort."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

from gateway.models.schools import (
    INDEPENDENT_TYPES,
    STATE_FUNDED_TYPES,
    SchoolPhase,
    SchoolStatus,
    SchoolType,
)
from gateway.seed.appropriate_bodies import REGISTERED_ON
from gateway.seed.local_authorities import LOCAL_AUTHORITIES, NOT_IN_ENGLAND
from gateway.seed.names import (
    FIRST_NAMES,
    LAST_NAMES,
    PLACE_PREFIXES,
    PLACE_SUFFIXES,
    PLACES,
    SAINTS,
)
from gateway.seed.streams import Streams, WeightedChoice, stamp
from gateway.seed.world import SchoolInfo, World

SCHOOLS_AT_SCALE_1 = 24_000

T = SchoolType
TYPE_WEIGHTS: dict[SchoolType, float] = {
    # Shares of the register (our reading of GIAS: ~22,000 state-funded of ~24,000).
    T.COMMUNITY_SCHOOL: 0.27,
    T.ACADEMY_CONVERTER: 0.30,
    T.ACADEMY_SPONSOR_LED: 0.07,
    T.VOLUNTARY_AIDED_SCHOOL: 0.10,
    T.VOLUNTARY_CONTROLLED_SCHOOL: 0.08,
    T.FOUNDATION_SCHOOL: 0.03,
    T.FREE_SCHOOL: 0.025,
    T.COMMUNITY_SPECIAL_SCHOOL: 0.02,
    T.FOUNDATION_SPECIAL_SCHOOL: 0.002,
    T.ACADEMY_SPECIAL: 0.015,
    T.PUPIL_REFERRAL_UNIT: 0.008,
    T.LOCAL_AUTHORITY_NURSERY_SCHOOL: 0.015,
    T.CITY_TECHNOLOGY_COLLEGE: 0.0005,
    T.OTHER_INDEPENDENT_SCHOOL: 0.055,
    T.OTHER_INDEPENDENT_SPECIAL_SCHOOL: 0.02,
    T.FURTHER_EDUCATION: 0.005,
    T.WELSH_ESTABLISHMENT: 0.002,
    T.BRITISH_SCHOOL_OVERSEAS: 0.004,
}
NOT_IN_ENGLAND_TYPES = frozenset({T.WELSH_ESTABLISHMENT, T.BRITISH_SCHOOL_OVERSEAS})
SPECIAL_TYPES = frozenset(
    {
        T.COMMUNITY_SPECIAL_SCHOOL,
        T.FOUNDATION_SPECIAL_SCHOOL,
        T.ACADEMY_SPECIAL,
        T.PUPIL_REFERRAL_UNIT,
    }
)
CHURCH_TYPES = frozenset({T.VOLUNTARY_AIDED_SCHOOL, T.VOLUNTARY_CONTROLLED_SCHOOL})

STATUS_WEIGHTS: dict[SchoolStatus, float] = {
    SchoolStatus.OPEN: 0.975,
    SchoolStatus.CLOSED: 0.018,
    SchoolStatus.PROPOSED_TO_CLOSE: 0.004,
    SchoolStatus.PROPOSED_TO_OPEN: 0.003,
}
SECTION_41_SHARE = 0.12
"""Share of independent schools approved under section 41 (our estimate)."""

ECT_WEIGHT: dict[SchoolPhase, float] = {
    # How many ECTs a school takes relative to a primary: secondaries employ many more.
    SchoolPhase.PRIMARY: 1.0,
    SchoolPhase.SECONDARY: 4.0,
    SchoolPhase.ALL_THROUGH: 5.0,
    SchoolPhase.MIDDLE: 1.8,
    SchoolPhase.SIXTEEN_PLUS: 1.5,
    SchoolPhase.NURSERY: 0.2,
    SchoolPhase.NOT_APPLICABLE: 0.6,
}

HIGH_PUPIL_PREMIUM_SHARE = 0.18  # schools with 40%+ pupil premium pupils (our estimate)
SPARSE_SHARE = 0.12  # rural schools that qualify for the sparsity uplift (our estimate)
TUTOR_SHARE = 0.85  # schools that have named an induction tutor

OVERSEAS_CITIES = ("Madrid", "Brussels", "Dubai", "Singapore", "Hong Kong", "Lisbon", "Prague")

NAME_TEMPLATES: dict[SchoolPhase, tuple[str, ...]] = {
    SchoolPhase.PRIMARY: (
        "{place} Primary School", "{place} Primary Academy", "{place} Infant School",
        "{place} Junior School", "{place} Community Primary School",
        "{place} C of E Primary School",
    ),
    SchoolPhase.SECONDARY: (
        "{place} Academy", "{place} High School", "{place} School", "{place} Community College",
        "{place} Grammar School", "The {place} School",
    ),
    SchoolPhase.ALL_THROUGH: ("{place} All-Through School", "{place} Academy", "{place} School"),
    SchoolPhase.MIDDLE: ("{place} Middle School",),
    SchoolPhase.SIXTEEN_PLUS: ("{place} Sixth Form College", "{place} College"),
    SchoolPhase.NURSERY: ("{place} Nursery School",),
    SchoolPhase.NOT_APPLICABLE: ("{place} School", "{place} Academy", "{place} Learning Centre"),
}  # fmt: skip
CHURCH_TEMPLATES = (
    "{saint} Church of England Primary School",
    "{saint} Catholic Primary School",
    "{saint} C of E Primary School",
    "{saint} Catholic High School",
)
INDEPENDENT_TEMPLATES = (
    "{place} House School", "{place} Preparatory School", "{place} College", "{place} School",
)  # fmt: skip


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _place(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(PLACES)
    return rng.choice(PLACE_PREFIXES) + rng.choice(PLACE_SUFFIXES)


def _phase(rng: random.Random, school_type: SchoolType) -> SchoolPhase:
    if school_type is T.LOCAL_AUTHORITY_NURSERY_SCHOOL:
        return SchoolPhase.NURSERY
    if school_type in SPECIAL_TYPES:
        return SchoolPhase.NOT_APPLICABLE
    if school_type is T.FURTHER_EDUCATION:
        return SchoolPhase.SIXTEEN_PLUS
    if school_type in INDEPENDENT_TYPES:
        return rng.choices(
            (
                SchoolPhase.ALL_THROUGH,
                SchoolPhase.PRIMARY,
                SchoolPhase.SECONDARY,
                SchoolPhase.NOT_APPLICABLE,
            ),
            weights=(40, 25, 20, 15),
        )[0]
    if school_type in CHURCH_TYPES:
        return rng.choices((SchoolPhase.PRIMARY, SchoolPhase.SECONDARY), weights=(88, 12))[0]
    return rng.choices(
        (SchoolPhase.PRIMARY, SchoolPhase.SECONDARY, SchoolPhase.ALL_THROUGH, SchoolPhase.MIDDLE,
         SchoolPhase.SIXTEEN_PLUS),
        weights=(76, 19, 2, 1.5, 1.5),
    )[0]  # fmt: skip


def _name(rng: random.Random, school_type: SchoolType, phase: SchoolPhase) -> str:
    if school_type is T.BRITISH_SCHOOL_OVERSEAS:
        return f"British School of {rng.choice(OVERSEAS_CITIES)}"
    if school_type is T.WELSH_ESTABLISHMENT:
        return f"Ysgol {_place(rng)}"
    if school_type is T.FURTHER_EDUCATION:
        return f"{_place(rng)} College"
    if school_type in INDEPENDENT_TYPES:
        return rng.choice(INDEPENDENT_TEMPLATES).format(place=_place(rng))
    if school_type in CHURCH_TYPES and rng.random() < 0.7:
        templates = CHURCH_TEMPLATES[:3] if phase is SchoolPhase.PRIMARY else CHURCH_TEMPLATES[3:]
        return rng.choice(templates).format(saint=rng.choice(SAINTS))
    return rng.choice(NAME_TEMPLATES[phase]).format(place=_place(rng))


def build_schools(world: World, streams: Streams) -> None:
    rng = streams.rng("schools")
    count = max(20, round(SCHOOLS_AT_SCALE_1 * world.scale))
    urns = rng.sample(range(100_000, 100_000 + max(100_000, 3 * count)), count)
    choose_type = WeightedChoice(list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values()))
    choose_status = WeightedChoice(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))
    choose_authority = WeightedChoice(LOCAL_AUTHORITIES, [a.weight for a in LOCAL_AUTHORITIES])
    funding_rng = streams.rng("schools/funding")
    for index, urn in enumerate(urns):
        school_type = choose_type(rng)
        phase = _phase(rng, school_type)
        name = _name(rng, school_type, phase)
        in_england = school_type not in NOT_IN_ENGLAND_TYPES
        authority = choose_authority(rng) if in_england else NOT_IN_ENGLAND
        status = choose_status(rng)
        independent = school_type in INDEPENDENT_TYPES
        section_41 = independent and rng.random() < SECTION_41_SHARE
        state_funded = school_type in STATE_FUNDED_TYPES
        eligible = status is SchoolStatus.OPEN and in_england and (state_funded or section_41)
        domain = f"{slugify(name)[:40].strip('-')}.example.com"  # example.com: never deliverable
        tutor_name = tutor_email = None
        if status is SchoolStatus.OPEN and rng.random() < TUTOR_SHARE:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            tutor_name = f"{first} {last}"
            tutor_email = f"{slugify(first)}.{slugify(last)}@{domain}"
        school = SchoolInfo(
            id=index + 1,
            urn=str(urn),
            name=name,
            type=school_type.value,
            phase=phase.value,
            local_authority_code=authority.code,
            local_authority_name=authority.name,
            status=status.value,
            in_england=in_england,
            section_41_approved=section_41,
            state_funded=state_funded,
            eligible=eligible,
            email_domain=domain,
            induction_tutor_name=tutor_name,
            induction_tutor_email=tutor_email,
            home_hub_id=world.hub_for_authority.get(authority.code),
            ect_weight=ECT_WEIGHT[phase] * (0.8 if independent else 1.0),
        )
        # Uplifts follow the school's intake, which changes little from year to year;
        # only state-funded schools receive pupil premium.
        high_premium = state_funded and funding_rng.random() < HIGH_PUPIL_PREMIUM_SHARE
        sparse = in_england and funding_rng.random() < SPARSE_SHARE
        for year in world.years:
            premium = funding_rng.random() < (0.9 if high_premium else 0.03 if state_funded else 0)
            sparsity = funding_rng.random() < (0.95 if sparse else 0.01)
            school.funding[year] = (premium, sparsity)
        world.schools.append(school)


def school_rows(world: World) -> Iterator[dict[str, Any]]:
    for school in world.schools:
        yield {
            "id": school.id,
            "urn": school.urn,
            "name": school.name,
            "type": school.type,
            "phase": school.phase,
            "local_authority_code": school.local_authority_code,
            "local_authority_name": school.local_authority_name,
            "status": school.status,
            "in_england": school.in_england,
            "section_41_approved": school.section_41_approved,
            "induction_tutor_name": school.induction_tutor_name,
            "induction_tutor_email": school.induction_tutor_email,
            # Imported from the register when the service opened.
            "created_at": stamp(REGISTERED_ON, school.id),
            "updated_at": stamp(REGISTERED_ON, school.id),
        }


def school_funding_rows(world: World) -> Iterator[dict[str, Any]]:
    funding_id = 0
    for school in world.schools:
        for year, (premium, sparsity) in school.funding.items():
            funding_id += 1
            yield {
                "id": funding_id,
                "school_id": school.id,
                "contract_period_year": year,
                "pupil_premium_uplift": premium,
                "sparsity_uplift": sparsity,
            }
