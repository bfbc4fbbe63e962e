"""Migrations build the whole schema from empty, and it matches the models."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db import Database
from gateway.migrate import pending_changes, upgrade
from gateway.models import Base
from gateway.settings import Settings


async def test_migrated_database_matches_models(db: Database) -> None:
    assert await pending_changes(db) == {}


async def test_every_model_table_exists_after_migration(db: Database) -> None:
    async with db.engines[db.settings.database_url].connect() as conn:
        names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert set(Base.metadata.tables) <= names
    assert {f"alembic_version_{d}" for d in ("teachers", "payments")} <= names


async def test_upgrade_twice_is_a_no_op(db: Database) -> None:
    await upgrade(db)
    assert await pending_changes(db) == {}


async def test_a_domain_bound_to_its_own_database_gets_only_its_tables(tmp_path) -> None:
    main_url = f"sqlite+aiosqlite:///{tmp_path}/main.db"
    payments_url = f"sqlite+aiosqlite:///{tmp_path}/payments.db"
    settings = Settings(database_url=main_url, domain_urls={"payments": payments_url})
    database = Database(settings)
    try:
        await upgrade(database)
        assert await pending_changes(database) == {}
        async with database.engines[payments_url].connect() as conn:
            payments_tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        async with database.engines[main_url].connect() as conn:
            main_tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    finally:
        await database.dispose()
    assert "declarations" in payments_tables and "statements" in payments_tables
    assert "teachers" not in payments_tables
    assert "declarations" not in main_tables and "teachers" in main_tables


async def test_declarations_without_a_delivery_partner_take_their_partnerships_or_go(
    tmp_path,
) -> None:
    """payments_0004 on data the old seed made: a declaration on training that has a
    partnership now takes its delivery partner; one on an expression of interest only
    cannot satisfy the rule (the partner is required) and is removed."""
    import datetime as dt

    from gateway.migrate import _upgrade_domain
    from gateway.models import payments as pm
    from gateway.models import training as trm
    from gateway.models.inductions import TrainingProgramme
    from gateway.settings import DOMAINS

    database = Database(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/old.db"))
    try:
        for domain in DOMAINS:
            target = "payments_0003" if domain == "payments" else "head"
            async with database.engine_for(domain).begin() as conn:
                await conn.run_sync(_upgrade_domain, domain, target, lambda _: None)
        async with database.session() as s:
            s.add(trm.ContractPeriod(year=2024, started_on=dt.date(2024, 6, 1),
                                     finished_on=dt.date(2025, 5, 31)))  # fmt: skip
            provider, partner = trm.LeadProvider(name="P"), trm.DeliveryPartner(name="D")
            s.add_all([provider, partner])
            await s.flush()
            active = trm.ActiveLeadProvider(lead_provider_id=provider.id, contract_period_year=2024)
            s.add(active)
            await s.flush()
            lpdp = trm.LeadProviderDeliveryPartnership(
                active_lead_provider_id=active.id, delivery_partner_id=partner.id
            )
            schedule = trm.Schedule(contract_period_year=2024, identifier="ecf-standard-september")
            s.add_all([lpdp, schedule])
            await s.flush()
            partnership = trm.SchoolPartnership(
                school_id=1,
                lead_provider_delivery_partnership_id=lpdp.id,
                contract_period_year=2024,
            )
            s.add(partnership)
            await s.flush()
            common = {
                "started_on": dt.date(2024, 9, 1),
                "training_programme": TrainingProgramme.PROVIDER_LED,
                "schedule_id": schedule.id,
                "lead_provider_id": provider.id,
            }
            partnered = trm.TrainingPeriod(
                teacher_id=1, ect_at_school_period_id=1, school_partnership_id=partnership.id,
                **common,
            )  # fmt: skip
            interest = trm.TrainingPeriod(
                teacher_id=2, ect_at_school_period_id=2, expression_of_interest_id=active.id,
                **common,
            )  # fmt: skip
            s.add_all([partnered, interest])
            await s.flush()
            for period in (partnered, interest):
                s.add(
                    pm.Declaration(
                        training_period_id=period.id,
                        teacher_id=period.teacher_id,
                        lead_provider_id=provider.id,
                        participant_type=trm.ParticipantType.ECT,
                        delivery_partner_id=None,
                        declaration_type=trm.DeclarationType.STARTED,
                        declaration_date=dt.datetime(2024, 10, 1, 9, tzinfo=dt.UTC),
                    )
                )
            await s.commit()
        await upgrade(database)
        assert await pending_changes(database) == {}
        async with database.session() as s:
            rows = (
                await s.execute(
                    sa.select(pm.Declaration.teacher_id, pm.Declaration.delivery_partner_id)
                )
            ).all()
        assert [tuple(r) for r in rows] == [(1, partner.id)]
    finally:
        await database.dispose()
