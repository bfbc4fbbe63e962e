"""The seed generator: deterministic, refuses a non-empty database, follows DOMAIN.md.

The rule checks query the seeded database (not the generator's own records), so they
also hold for whatever later code reads. The session's database is shared, so the module
seeds with ``reset=True`` and empties every table when it is done.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from gateway.db import Database
from gateway.models import Base
from gateway.seed import SeedRefused, seed_database
from gateway.seed.writer import clear_database

TODAY = dt.date(2026, 11, 29)
SCALE = 0.01
SEED = 424242
NOT_SEEDED = {"lead_provider_api_tokens", "events"}
FAR_FUTURE = dt.date(9999, 12, 31)


async def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every model table, ordered by primary key."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        async with db.engine_for(table.info["domain"]).connect() as conn:
            result = await conn.execute(sa.select(table).order_by(*table.primary_key.columns))
            tables[table.name] = [tuple(row) for row in result]
    return tables


async def fetch(db: Database, name: str) -> list[RowMapping]:
    table = Base.metadata.tables[name]
    async with db.engine_for(table.info["domain"]).connect() as conn:
        result = await conn.execute(sa.select(table).order_by(*table.primary_key.columns))
        return list(result.mappings())


async def scalar(db: Database, domain: str, query: sa.Select[Any]) -> Any:
    async with db.engine_for(domain).connect() as conn:
        return await conn.scalar(query)


@pytest.fixture(scope="module")
async def seeded(db: Database) -> AsyncIterator[tuple[dict[str, int], dict[str, list[Any]]]]:
    counts = await seed_database(db, scale=SCALE, seed=SEED, today=TODAY, reset=True)
    yield counts, await dump(db)
    await clear_database(db)


def by_id(rows: list[RowMapping]) -> dict[int, RowMapping]:
    return {row["id"]: row for row in rows}


# -- Determinism and refusal -------------------------------------------------------------


async def test_counts_cover_every_table_and_match_the_rows(seeded: Any) -> None:
    counts, snapshot = seeded
    assert set(counts) == set(Base.metadata.tables)
    for name, rows in snapshot.items():
        assert counts[name] == len(rows), name
        if name not in NOT_SEEDED:
            assert rows, f"{name} is empty"


async def test_same_seed_gives_identical_rows(db: Database, seeded: Any) -> None:
    _, snapshot = seeded
    await seed_database(db, scale=SCALE, seed=SEED, today=TODAY, reset=True)
    again = await dump(db)
    for name in snapshot:
        assert again[name] == snapshot[name], f"{name} differs between two identical seeds"


async def test_non_empty_database_is_refused_and_left_unchanged(db: Database, seeded: Any) -> None:
    before = await dump(db)
    with pytest.raises(SeedRefused) as refused:
        await seed_database(db, scale=SCALE, seed=SEED + 1, today=TODAY)
    message = str(refused.value)
    assert "\n" not in message and "not empty" in message and "--reset" in message
    assert await dump(db) == before


async def test_rows_added_after_seeding_get_fresh_ids(db: Database, seeded: Any) -> None:
    """Seeded rows carry explicit ids; PostgreSQL's sequences must have moved past them."""
    table = Base.metadata.tables["appropriate_bodies"]
    stamp = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    async with db.engine_for("inductions").begin() as conn:
        highest = await conn.scalar(sa.select(sa.func.max(table.c.id)))
        result = await conn.execute(
            table.insert().values(
                name="Added After Seeding Hub",
                type="teaching_school_hub",
                created_at=stamp,
                updated_at=stamp,
            )
        )
        assert result.inserted_primary_key[0] == highest + 1
        await conn.execute(table.delete().where(table.c.id == highest + 1))


# -- Reference data ----------------------------------------------------------------------


async def test_contract_periods_and_their_flags(db: Database, seeded: Any) -> None:
    periods = await fetch(db, "contract_periods")
    assert [p["year"] for p in periods] == list(range(2021, TODAY.year + 1))
    for p in periods:
        year = p["year"]
        assert (p["started_on"], p["finished_on"]) == (
            dt.date(year, 6, 1),
            dt.date(year + 1, 5, 31),
        )
        assert (p["payments_frozen_at"] is not None) == (year in (2021, 2022))
        assert p["mentor_funding_enabled"] == (year >= 2025)
        assert p["uplift_fees_enabled"] == (2021 <= year <= 2024)


async def test_lead_providers_contracts_and_fee_structures(db: Database, seeded: Any) -> None:
    providers = by_id(await fetch(db, "lead_providers"))
    assert len(providers) >= 3
    actives = await fetch(db, "active_lead_providers")
    years = {p["year"] for p in await fetch(db, "contract_periods")}
    assert {(a["lead_provider_id"], a["contract_period_year"]) for a in actives} == {
        (lp, year) for lp in providers for year in years
    }
    contracts = await fetch(db, "contracts")
    assert sorted(c["active_lead_provider_id"] for c in contracts) == sorted(
        a["id"] for a in actives
    )
    banded = {s["contract_id"]: s for s in await fetch(db, "banded_fee_structures")}
    flat = {s["contract_id"] for s in await fetch(db, "flat_rate_fee_structures")}
    bands = defaultdict(list)
    for band in await fetch(db, "fee_bands"):
        assert band["output_fee_ratio"] + band["service_fee_ratio"] == Decimal(1)
        assert isinstance(band["fee_per_declaration"], Decimal)
        bands[band["banded_fee_structure_id"]].append(band["band"])
    for contract in contracts:
        vat = Decimal("0.2") if providers[contract["lead_provider_id"]]["vat_registered"] else 0
        assert contract["vat_rate"] == vat
        expected = "ecf" if contract["contract_period_year"] <= 2024 else "ittecf_ectp"
        assert contract["contract_type"] == expected
        assert sorted(bands[banded[contract["id"]]["id"]]) == ["A", "B", "C", "D"]
        assert (contract["id"] in flat) == (expected == "ittecf_ectp")


async def test_schedules_and_milestone_windows(db: Database, seeded: Any) -> None:
    schedules = await fetch(db, "schedules")
    per_year = Counter(s["contract_period_year"] for s in schedules)
    assert set(per_year.values()) == {12}
    milestones = await fetch(db, "milestones")
    assert Counter(m["schedule_id"] for m in milestones) == {s["id"]: 9 for s in schedules}
    by_schedule: dict[int, list[RowMapping]] = defaultdict(list)
    for m in milestones:
        assert m["milestone_date"] is None or m["milestone_date"] >= m["start_date"]
        by_schedule[m["schedule_id"]].append(m)
    month = {"september": 9, "january": 1, "april": 4}
    for schedule in schedules:
        started = next(m for m in by_schedule[schedule["id"]] if m["declaration_type"] == "started")
        assert started["start_date"].month == month[schedule["identifier"].rsplit("-", 1)[1]]
        assert started["start_date"] >= dt.date(schedule["contract_period_year"], 6, 1)


async def test_schools_urns_and_funding(db: Database, seeded: Any) -> None:
    schools = await fetch(db, "schools")
    urns = [s["urn"] for s in schools]
    assert len(set(urns)) == len(urns) and all(len(u) == 6 and u.isdigit() for u in urns)
    assert Counter(s["status"] for s in schools).most_common(1)[0][0] == "open"
    funding = await fetch(db, "school_funding")
    years = await scalar(
        db,
        "training",
        sa.select(sa.func.count()).select_from(Base.metadata.tables["contract_periods"]),
    )
    assert len(funding) == len(schools) * years


# -- People, periods and inductions ------------------------------------------------------


async def test_teachers_trns_and_records(db: Database, seeded: Any) -> None:
    teachers = await fetch(db, "teachers")
    records = {r["trn"]: r for r in await fetch(db, "teacher_records")}
    trns = [t["trn"] for t in teachers if t["trn"] is not None]
    assert len(set(trns)) == len(trns)
    assert set(records) == set(trns)
    trnless = [t for t in teachers if t["trnless"]]
    assert 0 < len(trnless) < len(teachers) * 0.01
    assert all(t["trn"] is None for t in trnless)
    for teacher in teachers:
        if teacher["trn"] is None:
            continue
        record = records[teacher["trn"]]
        assert record["qts_awarded_on"] == teacher["trs_qts_awarded_on"]
        assert record["induction_status"] == teacher["trs_induction_status"]
        assert record["date_of_birth"] < teacher["trs_qts_awarded_on"]


async def test_ect_periods_never_overlap_and_start_after_qts(db: Database, seeded: Any) -> None:
    ects = Base.metadata.tables["ect_at_school_periods"]
    a, b = ects.alias("a"), ects.alias("b")
    overlapping = (
        sa.select(sa.func.count())
        .select_from(a.join(b, sa.and_(a.c.teacher_id == b.c.teacher_id, a.c.id < b.c.id)))
        .where(
            a.c.started_on <= sa.func.coalesce(b.c.finished_on, FAR_FUTURE),
            b.c.started_on <= sa.func.coalesce(a.c.finished_on, FAR_FUTURE),
        )
    )
    assert await scalar(db, "schools", overlapping) == 0
    teachers = by_id(await fetch(db, "teachers"))
    periods = await fetch(db, "ect_at_school_periods")
    assert sum(1 for p in periods if p["finished_on"] is None) > 0
    owners: dict[str, int] = {}
    for period in periods:
        assert teachers[period["teacher_id"]]["trs_qts_awarded_on"] < period["started_on"]
        assert period["started_on"] <= TODAY
        assert owners.setdefault(period["email"], period["teacher_id"]) == period["teacher_id"]
    for mentor in await fetch(db, "mentor_at_school_periods"):
        assert owners.setdefault(mentor["email"], mentor["teacher_id"]) == mentor["teacher_id"]
    moved = Counter(p["teacher_id"] for p in periods)
    assert any(n > 1 for n in moved.values()), "nobody moved school"


async def test_reported_appropriate_body_matches_school_type(db: Database, seeded: Any) -> None:
    bodies = by_id(await fetch(db, "appropriate_bodies"))
    types = Counter(b["type"] for b in bodies.values())
    assert types["national"] == 2 and types["teaching_school_hub"] >= 3
    assert types["local_authority"] >= 1
    schools = by_id(await fetch(db, "schools"))
    for period in await fetch(db, "ect_at_school_periods"):
        school = schools[period["school_id"]]
        body = bodies[period["school_reported_appropriate_body_id"]]["type"]
        if school["type"].startswith("other_independent"):
            assert body in ("national", "teaching_school_hub")
        else:
            assert body == "teaching_school_hub"


async def test_mentorships_sit_inside_both_periods(db: Database, seeded: Any) -> None:
    ects = by_id(await fetch(db, "ect_at_school_periods"))
    mentors = by_id(await fetch(db, "mentor_at_school_periods"))
    open_per_ect: Counter[int] = Counter()
    mentees: Counter[int] = Counter()
    for ship in await fetch(db, "mentorship_periods"):
        ect, mentor = (
            ects[ship["ect_at_school_period_id"]],
            mentors[ship["mentor_at_school_period_id"]],
        )
        assert ect["school_id"] == mentor["school_id"]
        assert ect["teacher_id"] != mentor["teacher_id"]
        end = ship["finished_on"] or FAR_FUTURE
        for period in (ect, mentor):
            assert period["started_on"] <= ship["started_on"]
            assert end <= (period["finished_on"] or FAR_FUTURE)
        open_per_ect[ect["id"]] += ship["finished_on"] is None
        mentees[mentor["id"]] += 1
    assert max(open_per_ect.values()) == 1
    assert max(mentees.values()) > 1, "no mentor has mentored several ECTs"
    former_ects = {e["teacher_id"] for e in ects.values()} & {
        m["teacher_id"] for m in mentors.values()
    }
    assert former_ects, "no former ECT has become a mentor"


async def test_induction_periods(db: Database, seeded: Any) -> None:
    inductions = Base.metadata.tables["induction_periods"]
    outcomes = (
        sa.select(inductions.c.teacher_id)
        .where(inductions.c.outcome.is_not(None))
        .group_by(inductions.c.teacher_id)
        .having(sa.func.count() > 1)
    )
    async with db.engine_for("inductions").connect() as conn:
        assert (await conn.execute(outcomes)).all() == []
    a, b = inductions.alias("a"), inductions.alias("b")
    overlapping = (
        sa.select(sa.func.count())
        .select_from(a.join(b, sa.and_(a.c.teacher_id == b.c.teacher_id, a.c.id < b.c.id)))
        .where(
            a.c.started_on <= sa.func.coalesce(b.c.finished_on, FAR_FUTURE),
            b.c.started_on <= sa.func.coalesce(a.c.finished_on, FAR_FUTURE),
        )
    )
    assert await scalar(db, "inductions", overlapping) == 0

    teachers = by_id(await fetch(db, "teachers"))
    periods = await fetch(db, "induction_periods")
    per_teacher: dict[int, list[RowMapping]] = defaultdict(list)
    for period in periods:
        teacher = teachers[period["teacher_id"]]
        assert period["started_on"] >= max(teacher["trs_qts_awarded_on"], dt.date(2021, 9, 1))
        assert period["started_on"] <= TODAY
        if period["finished_on"] is not None:
            assert period["number_of_terms"] is not None
        per_teacher[period["teacher_id"]].append(period)
    statuses = Counter()
    for teacher_id, own in per_teacher.items():
        outcome = next((p["outcome"] for p in own if p["outcome"]), None)
        expected = {"pass": "Passed", "fail": "Failed", None: "InProgress"}[outcome]
        assert teachers[teacher_id]["trs_induction_status"] == expected
        statuses[expected] += 1
    assert statuses["Passed"] and statuses["Failed"] and statuses["InProgress"]
    # Released by one body and claimed by another.
    assert any(len({p["appropriate_body_id"] for p in own}) > 1 for own in per_teacher.values())
    extended = {e["teacher_id"] for e in await fetch(db, "induction_extensions")}
    assert extended and extended <= set(per_teacher)


# -- Training --------------------------------------------------------------------------


async def test_training_periods_and_schedules(db: Database, seeded: Any) -> None:
    schedules = by_id(await fetch(db, "schedules"))
    partnerships = by_id(await fetch(db, "school_partnerships"))
    lpdps = by_id(await fetch(db, "lead_provider_delivery_partnerships"))
    actives = by_id(await fetch(db, "active_lead_providers"))
    ects = by_id(await fetch(db, "ect_at_school_periods"))
    mentors = by_id(await fetch(db, "mentor_at_school_periods"))
    for partnership in partnerships.values():
        year = actives[
            lpdps[partnership["lead_provider_delivery_partnership_id"]]["active_lead_provider_id"]
        ]
        assert partnership["contract_period_year"] == year["contract_period_year"]
    covered: set[tuple[str, int]] = set()
    kinds: Counter[str] = Counter()
    for tp in await fetch(db, "training_periods"):
        mentor = tp["mentor_at_school_period_id"] is not None
        period = (
            mentors[tp["mentor_at_school_period_id"]]
            if mentor
            else ects[tp["ect_at_school_period_id"]]
        )
        covered.add(("mentor" if mentor else "ect", period["id"]))
        assert tp["teacher_id"] == period["teacher_id"]
        assert period["started_on"] <= tp["started_on"]
        assert (tp["finished_on"] or FAR_FUTURE) <= (period["finished_on"] or FAR_FUTURE)
        if tp["training_programme"] == "school_led":
            assert not mentor
            assert tp["schedule_id"] is None
            kinds["school_led"] += 1
            continue
        schedule = schedules[tp["schedule_id"]]
        identifier = schedule["identifier"]
        assert "-reduced-" not in identifier if mentor else "-replacement-" not in identifier
        if tp["school_partnership_id"] is not None:
            year = partnerships[tp["school_partnership_id"]]["contract_period_year"]
            kinds["partnership"] += 1
        else:
            year = actives[tp["expression_of_interest_id"]]["contract_period_year"]
            kinds["expression_of_interest"] += 1
        assert schedule["contract_period_year"] == year
        if tp["withdrawn_at"] is not None or tp["deferred_at"] is not None:
            assert tp["finished_on"] is not None
            kinds["withdrawn" if tp["withdrawn_at"] else "deferred"] += 1
    assert covered == {("ect", i) for i in ects} | {("mentor", i) for i in mentors}
    assert all(
        kinds[k]
        for k in ("school_led", "partnership", "expression_of_interest", "withdrawn", "deferred")
    ), kinds


# -- Statements and declarations -----------------------------------------------------------


async def test_one_statement_per_contract_per_month(db: Database, seeded: Any) -> None:
    statements = Base.metadata.tables["statements"]
    duplicates = (
        sa.select(statements.c.contract_id)
        .group_by(statements.c.contract_id, statements.c.year, statements.c.month)
        .having(sa.func.count() > 1)
    )
    async with db.engine_for("payments").connect() as conn:
        assert (await conn.execute(duplicates)).all() == []
    months: dict[int, list[int]] = defaultdict(list)
    for s in await fetch(db, "statements"):
        months[s["contract_id"]].append(s["year"] * 12 + s["month"] - 1)
        assert s["deadline_date"] == dt.date(s["year"], s["month"], 1) - dt.timedelta(days=1)
        assert s["payment_date"] == dt.date(s["year"], s["month"], 25)
        expected = (
            "paid"
            if s["payment_date"] < TODAY
            else "payable"
            if s["deadline_date"] < TODAY
            else "open"
        )
        assert s["status"] == expected
        assert s["fee_type"] == ("output" if s["month"] in (1, 4, 8, 11) else "service")
    contracts = by_id(await fetch(db, "contracts"))
    assert set(months) == set(contracts)
    for contract_id, indexes in months.items():
        indexes.sort()
        assert indexes == list(range(indexes[0], indexes[-1] + 1)), "a month is missing"
        assert indexes[0] == contracts[contract_id]["contract_period_year"] * 12 + 5
    for adjustment in await fetch(db, "statement_adjustments"):
        assert isinstance(adjustment["amount"], Decimal)
        assert adjustment["amount"] != 0 and abs(adjustment["amount"]) <= 1_000_000


async def test_declarations_follow_the_rules(db: Database, seeded: Any) -> None:
    declarations = await fetch(db, "declarations")
    training = by_id(await fetch(db, "training_periods"))
    windows = {
        (m["schedule_id"], m["declaration_type"]): (m["start_date"], m["milestone_date"])
        for m in await fetch(db, "milestones")
    }
    partnerships = by_id(await fetch(db, "school_partnerships"))
    lpdps = by_id(await fetch(db, "lead_provider_delivery_partnerships"))
    actives = by_id(await fetch(db, "active_lead_providers"))
    periods = {p["year"]: p for p in await fetch(db, "contract_periods")}
    statements = by_id(await fetch(db, "statements"))
    contracts = {
        (c["lead_provider_id"], c["contract_period_year"]): c for c in await fetch(db, "contracts")
    }
    schedules = by_id(await fetch(db, "schedules"))
    output = defaultdict(list)
    for s in sorted(statements.values(), key=lambda s: s["deadline_date"]):
        if s["fee_type"] == "output":
            output[s["contract_id"]].append(s)
    order = ["started", "retained-1", "retained-2", "retained-3", "retained-4", "completed",
             "extended-1", "extended-2", "extended-3"]  # fmt: skip
    # One that is or will be paid per teacher, participant type and declaration type.
    billable: Counter[tuple[int, str, str]] = Counter()
    last_date: dict[int, dt.datetime] = {}
    states: Counter[str] = Counter()
    tomorrow = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    for d in declarations:
        tp = training[d["training_period_id"]]
        assert tp["training_programme"] == "provider_led"
        # Declared only on training with a partnership: the delivery partner is required.
        assert tp["school_partnership_id"] is not None
        lpdp = lpdps[
            partnerships[tp["school_partnership_id"]]["lead_provider_delivery_partnership_id"]
        ]
        lead_provider = actives[lpdp["active_lead_provider_id"]]["lead_provider_id"]
        assert d["delivery_partner_id"] == lpdp["delivery_partner_id"]
        assert (d["lead_provider_id"], d["teacher_id"]) == (lead_provider, tp["teacher_id"])
        # Inside the milestone window, not in the future, not after a withdrawal.
        day = d["declaration_date"].date()
        start, end = windows[(tp["schedule_id"], d["declaration_type"])]
        assert start <= day and (end is None or day <= end), d["declaration_type"]
        assert d["declaration_date"] < tomorrow
        assert day >= tp["started_on"]
        assert tp["withdrawn_at"] is None or d["declaration_date"] <= tp["withdrawn_at"]
        # In order within a training period.
        assert last_date.get(tp["id"], d["declaration_date"]) <= d["declaration_date"]
        last_date[tp["id"]] = d["declaration_date"]
        cohort = periods[schedules[tp["schedule_id"]]["contract_period_year"]]
        if tp["mentor_at_school_period_id"] is not None and cohort["mentor_funding_enabled"]:
            assert d["declaration_type"] in ("started", "completed")
        if d["declaration_type"] != "started" or not cohort["uplift_fees_enabled"]:
            assert not d["pupil_premium_uplift"] and not d["sparsity_uplift"]
        assert d["declaration_type"] in order
        # Evidence as the real service asks it: none for started before the 2025 cohort,
        # one of three simple kinds for the other types; from 2025 always, and an
        # engagement kind for completion.
        evidence = d["evidence_type"]
        if cohort["year"] < 2025:
            simple = {"training-event-attended", "self-study-material-completed", "other"}
            assert evidence is None if d["declaration_type"] == "started" else evidence in simple
        else:
            assert evidence is not None
            if d["declaration_type"] == "completed":
                assert evidence.startswith("75-percent") or evidence == "one-term-induction"
        # On the first output statement of its contract due on or after its date.
        contract = contracts[(lead_provider, cohort["year"])]
        statement = statements[d["payment_statement_id"]]
        assert statement["contract_id"] == contract["id"]
        due = [s for s in output[contract["id"]] if s["deadline_date"] >= day]
        assert due and due[0]["id"] == statement["id"]
        status = d["payment_status"]
        states[status if d["clawback_status"] == "no_clawback" else d["clawback_status"]] += 1
        if status == "voided":
            assert d["voided_at"] is not None
            assert d["voided_at"].date() < statement["payment_date"]
        else:
            expected = {
                "paid": {"paid"},
                "payable": {"payable"},
                "open": {"eligible", "no_payment"},
            }
            assert status in expected[statement["status"]]
        if d["clawback_status"] != "no_clawback":
            assert status == "paid"
            clawback = statements[d["clawback_statement_id"]]
            assert clawback["fee_type"] == "output" and clawback["contract_id"] == contract["id"]
            assert clawback["deadline_date"] > statement["payment_date"]
            assert (d["clawback_status"] == "clawed_back") == (clawback["status"] == "paid")
        elif status != "voided":
            billable[(d["teacher_id"], d["participant_type"], d["declaration_type"])] += 1
        if cohort["payments_frozen_at"] is not None:
            assert d["declaration_date"] < cohort["payments_frozen_at"]
    assert max(billable.values()) == 1
    assert all(states[s] for s in ("paid", "eligible", "voided", "clawed_back")), states
