"""``seed_database``: generate the whole world, then write it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from gateway.db import Database
from gateway.seed import (
    appropriate_bodies,
    careers,
    cohorts,
    contracts,
    declarations,
    people,
    providers,
    schools,
    statements,
    training,
)
from gateway.seed.partnerships import school_partnership_rows
from gateway.seed.streams import Streams
from gateway.seed.world import World
from gateway.seed.writer import RowSource, refuse_unless_empty, write_tables

EARLIEST_TODAY = dt.date(2021, 9, 1)


def build_world(scale: float, seed: int, today: dt.date) -> tuple[World, dict[str, RowSource]]:
    """Generate everything in memory; return the world and a row source per table."""
    streams = Streams(seed)
    world = World(today=today, scale=scale, years=list(range(cohorts.FIRST_YEAR, today.year + 1)))
    cohorts.build_cohorts(world)
    providers.build_providers(world, streams)
    contracts.build_contracts(world, streams)
    appropriate_bodies.build_appropriate_bodies(world, streams)
    schools.build_schools(world, streams)
    careers.build_careers(world, streams)
    people.decide_funding(world, streams)
    training.build_training(world, streams)
    output = statements.build_statements(world, streams)

    def small(name: str) -> RowSource:
        return lambda: world.small_tables[name]

    sources: dict[str, RowSource] = {
        # teachers
        "teachers": lambda: people.teacher_rows(world),
        "teacher_records": lambda: people.teacher_record_rows(world),
        "teacher_id_changes": lambda: people.teacher_id_change_rows(world, streams),
        # schools
        "schools": lambda: schools.school_rows(world),
        "school_funding": lambda: schools.school_funding_rows(world),
        "ect_at_school_periods": lambda: careers.ect_period_rows(world),
        "mentor_at_school_periods": lambda: careers.mentor_period_rows(world),
        "mentorship_periods": lambda: careers.mentorship_rows(world),
        # inductions
        "appropriate_bodies": lambda: appropriate_bodies.appropriate_body_rows(world),
        "induction_periods": lambda: careers.induction_period_rows(world),
        "induction_extensions": lambda: careers.induction_extension_rows(world),
        # training
        "lead_providers": lambda: providers.lead_provider_rows(world),
        "delivery_partners": lambda: providers.delivery_partner_rows(world),
        "contract_periods": lambda: cohorts.contract_period_rows(world),
        "active_lead_providers": lambda: providers.active_lead_provider_rows(world),
        "lead_provider_delivery_partnerships": lambda: providers.delivery_partnership_rows(world),
        "school_partnerships": lambda: school_partnership_rows(world),
        "schedules": lambda: cohorts.schedule_rows(world),
        "milestones": lambda: cohorts.milestone_rows(world),
        "training_periods": lambda: training.training_period_rows(world),
        # payments
        "contracts": lambda: contracts.contract_rows(world),
        "banded_fee_structures": small("banded_fee_structures"),
        "fee_bands": small("fee_bands"),
        "flat_rate_fee_structures": small("flat_rate_fee_structures"),
        "statements": lambda: statements.statement_rows(world),
        "statement_adjustments": small("statement_adjustments"),
        # Declarations are made while they are written (about a million at scale 1).
        "declarations": lambda: declarations.declaration_rows(world, streams, output),
    }
    # Not seeded: lead_provider_api_tokens (secrets: made with ``gateway token``) and
    # events (the audit trail starts with the first real change).
    return world, sources


async def seed_database(
    db: Database,
    *,
    scale: float,
    seed: int,
    today: dt.date,
    reset: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write deterministic, realistic data; return the number of rows per table.

    The same ``(scale, seed, today)`` always gives the same rows, ids and timestamps
    included. Refuses (:class:`SeedRefused`, before writing anything) when the database
    already has data, unless ``reset`` asks to delete every row of every model table
    first. Expects a migrated database.
    """
    if not scale > 0:
        raise ValueError(f"scale must be more than 0, not {scale}")
    if today < EARLIEST_TODAY:
        raise ValueError(f"today must be on or after {EARLIEST_TODAY}: the service began then")
    say = progress or (lambda _line: None)
    if not reset:
        await refuse_unless_empty(db)
    say(f"generating data at scale {scale} with seed {seed} as of {today}")
    world, sources = build_world(scale, seed, today)
    say(
        f"generated {len(world.schools):,} schools, {len(world.teachers):,} teachers, "
        f"{len(world.training_periods):,} training periods"
    )
    return await write_tables(db, sources, reset=reset, progress=say)
