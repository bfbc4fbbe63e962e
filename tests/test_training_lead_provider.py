"""A training period's ``lead_provider_id`` is the provider of its school partnership or
expression of interest, and nothing can make it drift: the database (triggers, both
SQLite and PostgreSQL) refuses a write on either side of the relation that would. The
lead provider's visibility rules read that column (issue 11, "scope at scale"), so what
a provider sees is unchanged: the training in its partnerships or naming it in an
expression of interest (DOMAIN.md), as the tests here compute it from the source tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import Scope
from gateway.auth.viewer import Role, Viewer
from gateway.db import Database
from gateway.models import training as trm

pytestmark = pytest.mark.usefixtures("seeded_db")

tp = trm.TrainingPeriod
sp = trm.SchoolPartnership
lpdp = trm.LeadProviderDeliveryPartnership
alp = trm.ActiveLeadProvider


def _through_partnership() -> sa.Select[Any]:
    """(training period, provider) for training in a school partnership."""
    return (
        sa.select(tp.id, alp.lead_provider_id)
        .join(sp, sp.id == tp.school_partnership_id)
        .join(lpdp, lpdp.id == sp.lead_provider_delivery_partnership_id)
        .join(alp, alp.id == lpdp.active_lead_provider_id)
    )


def _through_interest() -> sa.Select[Any]:
    """(training period, provider) for training naming a provider in an expression of
    interest."""
    return sa.select(tp.id, alp.lead_provider_id).join(alp, alp.id == tp.expression_of_interest_id)


async def _source_pairs(s: AsyncSession) -> set[tuple[int, int]]:
    rows = await s.execute(sa.union(_through_partnership(), _through_interest()))
    return {(r[0], r[1]) for r in rows}


async def test_every_training_period_holds_the_provider_its_source_names(
    seeded_db: Database,
) -> None:
    """The seed's training and whatever the suite wrote before: one provider each, the
    one its partnership or expression of interest names; none for school-led training."""
    async with seeded_db.session() as s:
        held = {
            (r.id, r.lead_provider_id)
            for r in await s.execute(
                sa.select(tp.id, tp.lead_provider_id).where(tp.lead_provider_id.is_not(None))
            )
        }
        source = await _source_pairs(s)
        without = await s.scalar(
            sa.select(sa.func.count()).where(
                tp.school_partnership_id.is_(None), tp.expression_of_interest_id.is_(None)
            )
        )
        unset = await s.scalar(
            sa.select(sa.func.count()).where(
                tp.school_partnership_id.is_(None),
                tp.expression_of_interest_id.is_(None),
                tp.lead_provider_id.is_(None),
            )
        )
    assert source, "the seed has provider-led training"
    assert held == source
    assert without and unset == without, "school-led training has no provider"


async def test_a_provider_sees_the_training_its_partnerships_and_interests_hold(
    seeded_db: Database,
) -> None:
    """Visibility is what DOMAIN.md says, computed here from the source tables: the
    policy's reading of the column changes nothing, for every provider."""
    today = dt.date(2026, 11, 29)
    async with seeded_db.session() as s:
        providers = list(await s.scalars(sa.select(trm.LeadProvider.id)))
        source = await _source_pairs(s)
        assert len(providers) >= 2
        for provider in providers:
            viewer = Viewer(role=Role.LEAD_PROVIDER, subject="t", lead_provider_id=provider)
            seen = set(await s.scalars(Scope(viewer, today).ids(tp.id)))
            expected = {period for period, owner in source if owner == provider}
            assert seen == expected, f"provider {provider}"


async def _other_provider_rows(s: AsyncSession) -> dict[str, Any]:
    """A provider-led training period in a partnership, and rows of another provider:
    its active lead provider (same cohort), delivery partnership and school partnership."""
    training = await s.scalar(
        sa.select(tp).where(tp.school_partnership_id.is_not(None)).order_by(tp.id).limit(1)
    )
    assert training is not None
    partnership = await s.get_one(sp, training.school_partnership_id)
    other = await s.scalar(
        sa.select(alp)
        .where(
            alp.contract_period_year == partnership.contract_period_year,
            alp.lead_provider_id != training.lead_provider_id,
        )
        .order_by(alp.id)
        .limit(1)
    )
    assert other is not None
    other_lpdp = await s.scalar(
        sa.select(lpdp).where(lpdp.active_lead_provider_id == other.id).order_by(lpdp.id).limit(1)
    )
    assert other_lpdp is not None
    other_partnership = await s.scalar(
        sa.select(sp)
        .where(sp.lead_provider_delivery_partnership_id == other_lpdp.id)
        .order_by(sp.id)
        .limit(1)
    )
    assert other_partnership is not None
    return {
        "training": training,
        "partnership": partnership,
        "other": other,
        "other_lpdp": other_lpdp,
        "other_partnership": other_partnership,
    }


Write = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]


async def _refused(db: Database, write: Write) -> str | None:
    """Why the database refuses ``write``, or None (rolled back either way)."""
    async with db.session() as s:
        rows = await _other_provider_rows(s)
        try:
            await write(s, rows)
            await s.flush()
        except IntegrityError as error:
            return str(error.orig)
        finally:
            await s.rollback()
    return None


async def _wrong_provider(s: AsyncSession, r: dict[str, Any]) -> None:
    r["training"].lead_provider_id = r["other"].lead_provider_id


async def _no_provider(s: AsyncSession, r: dict[str, Any]) -> None:
    r["training"].lead_provider_id = None


async def _moved_to_other_partnership(s: AsyncSession, r: dict[str, Any]) -> None:
    r["training"].school_partnership_id = r["other_partnership"].id


async def _interest_in_other_provider(s: AsyncSession, r: dict[str, Any]) -> None:
    r["training"].expression_of_interest_id = r["other"].id


async def _partnership_to_other_provider(s: AsyncSession, r: dict[str, Any]) -> None:
    r["partnership"].lead_provider_delivery_partnership_id = r["other_lpdp"].id


async def _delivery_partnership_to_other_provider(s: AsyncSession, r: dict[str, Any]) -> None:
    mine = await s.get_one(lpdp, r["partnership"].lead_provider_delivery_partnership_id)
    mine.active_lead_provider_id = r["other"].id


async def _active_provider_renamed(s: AsyncSession, r: dict[str, Any]) -> None:
    mine = await s.get_one(lpdp, r["partnership"].lead_provider_delivery_partnership_id)
    active = await s.get_one(alp, mine.active_lead_provider_id)
    newcomer = trm.LeadProvider(name="A provider with no contract yet")
    s.add(newcomer)
    await s.flush()
    active.lead_provider_id = newcomer.id


async def _new_training_without_provider(s: AsyncSession, r: dict[str, Any]) -> None:
    old = r["training"]
    s.add(
        tp(
            teacher_id=old.teacher_id,
            mentor_at_school_period_id=old.mentor_at_school_period_id,
            ect_at_school_period_id=old.ect_at_school_period_id,
            # Long before any training: nothing it could overlap.
            started_on=dt.date(2000, 1, 1),
            finished_on=dt.date(2000, 1, 2),
            training_programme=old.training_programme,
            school_partnership_id=old.school_partnership_id,
            schedule_id=old.schedule_id,
        )
    )


@pytest.mark.parametrize(
    "write",
    [
        _wrong_provider,
        _no_provider,
        _moved_to_other_partnership,
        _interest_in_other_provider,
        _partnership_to_other_provider,
        _delivery_partnership_to_other_provider,
        _active_provider_renamed,
        _new_training_without_provider,
    ],
)
async def test_the_database_refuses_a_write_that_would_drift(
    seeded_db: Database, write: Write
) -> None:
    refusal = await _refused(seeded_db, write)
    assert refusal is not None and "lead_provider_id must be the lead provider" in refusal


async def test_moving_training_with_its_provider_is_accepted(seeded_db: Database) -> None:
    """The guard refuses drift, not change: training moved to another provider's
    partnership with that provider named is a valid write."""

    async def moved(s: AsyncSession, r: dict[str, Any]) -> None:
        r["training"].school_partnership_id = r["other_partnership"].id
        r["training"].lead_provider_id = r["other"].lead_provider_id

    assert await _refused(seeded_db, moved) is None
