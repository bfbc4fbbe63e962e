"""Organisations found the ways people name them (number, global id, API id, name), and
the choices offered to newcomers have current data behind them (plain SQL decides)."""

from __future__ import annotations

import base64
import uuid

import pytest
import sqlalchemy as sa

from gateway.db import Database
from gateway.devdata import (
    NotFoundError,
    choices,
    find_appropriate_body,
    find_lead_provider,
    find_school,
)


def gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


async def test_every_way_of_naming_an_organisation(seeded_db: Database) -> None:
    async with seeded_db.session() as s:
        body_id, body = (
            await s.execute(sa.text("SELECT id, name FROM appropriate_bodies ORDER BY id DESC"))
        ).first()
        provider_id, provider, api_id = (
            await s.execute(sa.text("SELECT id, name, api_id FROM lead_providers ORDER BY id"))
        ).first()
        school_id, urn = (await s.execute(sa.text("SELECT id, urn FROM schools"))).first()

        for reference in (str(body_id), gid("AppropriateBody", body_id), body, body.lower()):
            assert await find_appropriate_body(s, reference) == body_id, reference
        api_text = str(uuid.UUID(str(api_id)))  # however the database returns it
        for reference in (str(provider_id), gid("LeadProvider", provider_id), api_text, provider):
            assert await find_lead_provider(s, reference) == provider_id, reference
        for reference in (urn, gid("School", school_id)):
            assert await find_school(s, reference) == urn, reference

        for bad in ("Nowhere", "0", gid("AppropriateBody", 10**6)):
            with pytest.raises(NotFoundError, match="gateway token --list"):
                await find_appropriate_body(s, bad)
        with pytest.raises(NotFoundError, match="global id of a School"):
            await find_lead_provider(s, gid("School", school_id))


async def test_choices_have_current_data(seeded_db: Database) -> None:
    async with seeded_db.session() as s:
        found = await choices(s, limit=3)
        assert found.schools and found.appropriate_bodies and found.lead_providers
        for school in found.schools:
            current = await s.scalar(
                sa.text(
                    "SELECT count(*) FROM ect_at_school_periods "
                    "WHERE school_id = :i AND finished_on IS NULL"
                ),
                {"i": school.id},
            )
            assert current == school.current > 0
        for body in found.appropriate_bodies:
            caseload = await s.scalar(
                sa.text(
                    "SELECT count(*) FROM induction_periods "
                    "WHERE appropriate_body_id = :i AND finished_on IS NULL"
                ),
                {"i": body.id},
            )
            assert caseload == body.current > 0
        # The largest current caseload comes first: a newcomer's first try shows most.
        counts = [b.current for b in found.appropriate_bodies]
        assert counts == sorted(counts, reverse=True)
        assert found.teacher_trn and found.statement_global_id
