"""A statement's amounts read through the graph, against figures worked by hand.

A small contract is written straight into the seeded database (and removed after):
ECF, VAT 20%, contract period 2040 with uplift fees, recruitment target 3, setup fee
£290, uplift fee £100 and bands (output ratio 0.6, service ratio 0.4 each):

    A: 2 places at £1,000    B: 2 at £800    C: 2 at £600    D: 100 at £500

Fees per declaration (proportion × 0.6 × band fee):
    started (0.20): A £120, B £96, C £72        retained-1 (0.15): A £90

Service fee (DOMAIN.md): target 3 fills A (2) and 1 of B:
    (2 × 1,000 × 0.4 + 1 × 800 × 0.4 − 290 × 2/2) / 29 = (800 + 320 − 290) / 29
    = 830 / 29 = 28.6206896…  → shown £28.62 on every statement.

Statements of the contract, in payment order:

S1 output (paid 1 Feb 2040): three started ECT declarations paid (one with pupil
premium, one with both uplifts, one with none), plus one submitted (no_payment) and one
voided: neither is billable.
    started: places 0, 1 → A (2 × £120), place 2 → B (£96): output £336
    uplift: 2 (both flags count once) × £100 = £200
    subtotal = 336 + 200 + 830/29 = 564.6206896…  → £564.62
    VAT = 112.9241379…  → £112.92;  total = 677.5448275…  → £677.54

S2 service (paid 1 Mar 2040): no declarations.
    subtotal = 830/29 → £28.62; VAT 5.7241379… → £5.72; total 34.3448275… → £34.34

S3 output (paid 1 Apr 2040): two started paid (no uplift), one retained-1 paid, and
S1's pupil-premium started declaration clawed back; finance adjusted +£25.50.
    started: 3 places taken before; places 3 → B (£96), 4 → C (£72); the refund then
    leaves from the top, place 4 → C: C has 1 billable and 1 refunded.
    retained-1: place 0 → A (£90).
    output = 96 + 72 + 90 = £258; clawbacks = £72
    uplift = (0 − 1) × £100 = −£100
    subtotal = 258 − 72 − 100 + 830/29 + 25.50 = 140.1206896…  → £140.12
    VAT = 28.0241379…  → £28.02;  total = 168.1448275…  → £168.14
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from gateway.auth import api_tokens
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.models import payments as pm
from gateway.models import training as trm
from gateway.models.training import DeclarationType as T
from gateway.models.training import ParticipantType
from tests.graph import answer, callers, global_id, gql
from tests.test_statement_counts import count_statements

YEAR = 2040
TEACHERS = 9_400_000  # teacher ids no seeded teacher has (declarations only count them)


@dataclass(frozen=True)
class World:
    provider_id: int
    provider_token: str
    contract_id: int
    s1: int
    s2: int
    s3: int


AMOUNTS = """query($id: ID!) { node(id: $id) { ... on Statement { id feeType
    contract { id contractType vatRate monthlyServiceFee }
    bandLines { declarationType band billableCount refundedCount feePerDeclaration
        billableAmount refundedAmount }
    flatRateLines { declarationType billableCount }
    outputFee clawbacks upliftCount upliftRefundedCount upliftAmount serviceFee
    adjustmentsTotal subtotal vatRate vat total } } }"""


@pytest.fixture(scope="module")
async def world(seeded_db: Database) -> AsyncIterator[World]:
    async with seeded_db.session() as s:
        s.add(
            trm.ContractPeriod(
                year=YEAR,
                started_on=dt.date(YEAR, 6, 1),
                finished_on=dt.date(YEAR + 1, 5, 31),
                uplift_fees_enabled=True,
            )
        )
        provider = trm.LeadProvider(name="Hand-worked Payments Ltd")
        s.add(provider)
        await s.flush()
        active = trm.ActiveLeadProvider(lead_provider_id=provider.id, contract_period_year=YEAR)
        s.add(active)
        await s.flush()
        contract = pm.Contract(
            active_lead_provider_id=active.id,
            lead_provider_id=provider.id,
            contract_period_year=YEAR,
            contract_type=pm.ContractType.ECF,
            vat_rate=Decimal("0.2"),
        )
        s.add(contract)
        await s.flush()
        structure = pm.BandedFeeStructure(
            contract_id=contract.id,
            recruitment_target=3,
            setup_fee=Decimal("290"),
            monthly_service_fee=None,
            uplift_fee_per_declaration=Decimal("100"),
        )
        s.add(structure)
        await s.flush()
        for band, capacity, fee in (
            (pm.Band.A, 2, "1000"),
            (pm.Band.B, 2, "800"),
            (pm.Band.C, 2, "600"),
            (pm.Band.D, 100, "500"),
        ):
            s.add(
                pm.FeeBand(
                    banded_fee_structure_id=structure.id,
                    band=band,
                    capacity=capacity,
                    fee_per_declaration=Decimal(fee),
                    output_fee_ratio=Decimal("0.6"),
                    service_fee_ratio=Decimal("0.4"),
                )
            )
        statements = []
        # Created out of payment order, so that ids alone would order them wrongly.
        for month, fee_type, status in (
            (3, pm.FeeType.OUTPUT, pm.StatementStatus.OPEN),
            (1, pm.FeeType.OUTPUT, pm.StatementStatus.PAID),
            (2, pm.FeeType.SERVICE, pm.StatementStatus.PAID),
        ):
            statement = pm.Statement(
                contract_id=contract.id,
                lead_provider_id=provider.id,
                contract_period_year=YEAR,
                month=month,
                year=YEAR,
                deadline_date=dt.date(YEAR, month, 28),
                payment_date=dt.date(YEAR, month + 1, 1),
                status=status,
                fee_type=fee_type,
            )
            s.add(statement)
            statements.append(statement)
        await s.flush()
        s3, s1, s2 = (st.id for st in statements)

        teacher = iter(range(TEACHERS, TEACHERS + 100))

        def declaration(kind: T, statement: int, **kw: object) -> pm.Declaration:
            return pm.Declaration(
                training_period_id=next(teacher),
                teacher_id=next(teacher),
                lead_provider_id=provider.id,
                participant_type=ParticipantType.ECT,
                delivery_partner_id=1,
                declaration_type=kind,
                declaration_date=dt.datetime(YEAR, 1, 10, tzinfo=dt.UTC),
                payment_status=kw.pop("payment_status", pm.PaymentStatus.PAID),
                payment_statement_id=statement,
                **kw,
            )

        s.add_all(
            [
                # S1
                declaration(
                    T.STARTED,
                    s1,
                    pupil_premium_uplift=True,
                    clawback_status=pm.ClawbackStatus.AWAITING_CLAWBACK,
                    clawback_statement_id=s3,
                ),
                declaration(T.STARTED, s1, pupil_premium_uplift=True, sparsity_uplift=True),
                declaration(T.STARTED, s1),
                declaration(T.STARTED, s1, payment_status=pm.PaymentStatus.NO_PAYMENT),
                declaration(T.STARTED, s1, payment_status=pm.PaymentStatus.VOIDED),
                # S3
                declaration(T.STARTED, s3, payment_status=pm.PaymentStatus.ELIGIBLE),
                declaration(T.STARTED, s3, payment_status=pm.PaymentStatus.ELIGIBLE),
                declaration(T.RETAINED_1, s3, payment_status=pm.PaymentStatus.ELIGIBLE),
            ]
        )
        s.add(
            pm.StatementAdjustment(statement_id=s3, description="Late fee", amount=Decimal("25.50"))
        )
        await s.flush()
        token = await api_tokens.issue(s, provider.id, "tests")
        await s.commit()
        world = World(provider.id, token, contract.id, s1, s2, s3)
    yield world
    async with seeded_db.session() as s:
        ids = {"p": world.provider_id, "c": world.contract_id}
        for sql in (
            "DELETE FROM declarations WHERE lead_provider_id = :p",
            "DELETE FROM statement_adjustments WHERE statement_id IN "
            "(SELECT id FROM statements WHERE contract_id = :c)",
            "DELETE FROM statements WHERE contract_id = :c",
            "DELETE FROM fee_bands WHERE banded_fee_structure_id IN "
            "(SELECT id FROM banded_fee_structures WHERE contract_id = :c)",
            "DELETE FROM banded_fee_structures WHERE contract_id = :c",
            "DELETE FROM contracts WHERE id = :c",
            "DELETE FROM lead_provider_api_tokens WHERE lead_provider_id = :p",
            "DELETE FROM active_lead_providers WHERE lead_provider_id = :p",
            "DELETE FROM lead_providers WHERE id = :p",
        ):
            await s.execute(sa.text(sql), ids)
        await s.execute(sa.text("DELETE FROM contract_periods WHERE year = :y"), {"y": YEAR})
        await s.commit()


def finance_token(db: Database) -> str:
    return mint_development_token(db.settings, Role.FINANCE)


async def amounts(client, token: str, statement_id: int) -> dict | None:
    result = await gql(client, AMOUNTS, token, {"id": global_id("Statement", statement_id)})
    assert "errors" not in result, result["errors"]
    return result["data"]["node"]


def lines(statement: dict) -> set[tuple[str, str, int, int, str]]:
    return {
        (
            x["declarationType"],
            x["band"],
            x["billableCount"],
            x["refundedCount"],
            x["billableAmount"],
        )
        for x in statement["bandLines"]
    }


async def test_first_statement_fills_band_a_then_b_and_pays_uplift_once(
    client, seeded_db, world
) -> None:
    s1 = await amounts(client, finance_token(seeded_db), world.s1)
    assert s1 is not None
    # Submitted and voided declarations are not billable: 3 started, not 5.
    assert lines(s1) == {("STARTED", "A", 2, 0, "240.00"), ("STARTED", "B", 1, 0, "96.00")}
    assert s1["outputFee"] == "336.00"
    assert s1["clawbacks"] == "0.00"
    assert (s1["upliftCount"], s1["upliftAmount"]) == (2, "200.00")
    assert s1["serviceFee"] == "28.62"
    assert s1["adjustmentsTotal"] == "0.00"
    assert (s1["subtotal"], s1["vat"], s1["total"]) == ("564.62", "112.92", "677.54")
    assert s1["contract"]["monthlyServiceFee"] == "28.62"


async def test_service_statement_pays_the_service_fee_alone(client, seeded_db, world) -> None:
    s2 = await amounts(client, finance_token(seeded_db), world.s2)
    assert s2 is not None and s2["feeType"] == "SERVICE"
    assert s2["bandLines"] == [] and s2["outputFee"] == "0.00"
    assert (s2["serviceFee"], s2["subtotal"], s2["vat"], s2["total"]) == (
        "28.62",
        "28.62",
        "5.72",
        "34.34",
    )


async def test_later_statement_continues_the_bands_and_claws_back_from_the_top(
    client, seeded_db, world
) -> None:
    s3 = await amounts(client, finance_token(seeded_db), world.s3)
    assert s3 is not None
    assert lines(s3) == {
        ("STARTED", "B", 1, 0, "96.00"),
        ("STARTED", "C", 1, 1, "72.00"),
        ("RETAINED_1", "A", 1, 0, "90.00"),
    }
    refunded = [x for x in s3["bandLines"] if x["refundedCount"]]
    assert [(x["band"], x["refundedAmount"]) for x in refunded] == [("C", "72.00")]
    assert (s3["outputFee"], s3["clawbacks"]) == ("258.00", "72.00")
    assert (s3["upliftCount"], s3["upliftRefundedCount"], s3["upliftAmount"]) == (0, 1, "-100.00")
    assert s3["adjustmentsTotal"] == "25.50"
    assert (s3["subtotal"], s3["vatRate"], s3["vat"], s3["total"]) == (
        "140.12",
        "0.20",
        "28.02",
        "168.14",
    )


async def test_the_lead_provider_reads_the_figures_finance_reads(client, seeded_db, world) -> None:
    for statement in (world.s1, world.s3):
        as_finance = await amounts(client, finance_token(seeded_db), statement)
        as_provider = await amounts(client, world.provider_token, statement)
        assert as_provider == as_finance
    # Its service statements are not among its statements (it sees output statements),
    # yet they still count in the calendar the bands fill across.
    assert await amounts(client, world.provider_token, world.s2) is None


async def test_another_provider_sees_neither_the_statement_nor_the_contract(
    client, seeded_db, world
) -> None:
    other = next(c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER)
    assert other.org_id != world.provider_id
    for statement in (world.s1, world.s3):
        assert await amounts(client, other.token, statement) is None
    query = "query($id: ID!) { node(id: $id) { id } }"
    result = await gql(client, query, other.token, {"id": global_id("Contract", world.contract_id)})
    assert answer(result) == {"data": {"node": None}}
    listed = await gql(client, "query { contracts(cohorts: [2040]) { id } }", other.token)
    assert answer(listed) == {"data": {"contracts": []}}


async def test_contracts_list_the_terms_for_finance_and_their_own_provider(
    client, seeded_db, world
) -> None:
    query = """query { contracts(cohorts: [2040]) { id cohort contractType vatRate
        leadProvider { name } monthlyServiceFee
        bandedFeeStructure { recruitmentTarget setupFee monthlyServiceFee upliftFeePerDeclaration
            bands { band capacity feePerDeclaration } }
        flatRateFeeStructure { feePerDeclaration } } }"""
    as_finance = await gql(client, query, finance_token(seeded_db))
    as_provider = await gql(client, query, world.provider_token)
    assert answer(as_finance) == answer(as_provider)
    (contract,) = as_finance["data"]["contracts"]
    assert contract["id"] == global_id("Contract", world.contract_id)
    assert contract["leadProvider"]["name"] == "Hand-worked Payments Ltd"
    assert (contract["contractType"], contract["vatRate"]) == ("ECF", "0.20")
    structure = contract["bandedFeeStructure"]
    assert (structure["recruitmentTarget"], structure["setupFee"]) == (3, "290.00")
    assert structure["monthlyServiceFee"] is None
    assert [(b["band"], b["capacity"], b["feePerDeclaration"]) for b in structure["bands"]] == [
        ("A", 2, "1000.00"),
        ("B", 2, "800.00"),
        ("C", 2, "600.00"),
        ("D", 100, "500.00"),
    ]
    assert contract["flatRateFeeStructure"] is None


async def test_schools_and_appropriate_bodies_see_no_contracts(client, seeded_db, world) -> None:
    for caller in await callers(seeded_db):
        if caller.role in (Role.SCHOOL_USER, Role.APPROPRIATE_BODY_USER):
            result = await gql(client, "query { contracts { id } }", caller.token)
            assert answer(result) == {"data": {"contracts": []}}, caller.label


async def test_a_page_of_statements_costs_the_same_statements_however_many_declarations(
    client, seeded_db, world
) -> None:
    """Amounts are counted in SQL: the seeded statements (hundreds of declarations)
    cost no more SELECTs than one."""
    query = """query($first: Int!) { statements(first: $first) { edges { node { id
        bandLines { band billableCount } serviceFee total contract { id } } } } }"""
    token = finance_token(seeded_db)
    counts = {}
    for first in (1, 100):
        await gql(client, "{ viewer { authenticated } }", token)
        with count_statements(seeded_db) as statements:
            result = await gql(client, query, token, {"first": first})
        assert "errors" not in result, result
        assert len(result["data"]["statements"]["edges"]) == first
        counts[first] = len(statements)
        # Every seeded contract has bands: every statement has figures.
        assert all(e["node"]["total"] is not None for e in result["data"]["statements"]["edges"])
    async with seeded_db.session() as s:
        declarations = await s.scalar(
            sa.text("SELECT count(*) FROM declarations WHERE payment_statement_id IS NOT NULL")
        )
    assert declarations > 100
    # statements, contracts, banded structures, bands, flat-rate structures, contract
    # periods, the calendar, billable counts, refund counts, adjustments.
    assert counts[1] == counts[100] <= 10, counts


# A second provider, not registered for VAT, on an ittecf_ectp contract in 2040: band A
# 10 places at £1,000 (0.6 / 0.4), mentors' flat fee £600, the contract's monthly service
# fee £1,000 (an override), uplift fee £100. One output statement holds two ECTs'
# started, one at a sparsity-uplift school (band A: 0.2 × 0.6 × 1,000 = £120 each), two
# mentors' started and one mentor's completed (flat: 50% × £600 = £300 each, no bands).
#     output = 2 × 120 + 2 × 300 + 300 = £1,140
#     uplift: 1 × £100
#     subtotal = 1,140 + 100 + 1,000 = £2,240; VAT 0 → total £2,240.00


@pytest.fixture(scope="module")
async def flat_world(seeded_db: Database, world: World) -> AsyncIterator[tuple[str, int]]:
    async with seeded_db.session() as s:
        provider = trm.LeadProvider(name="Flat Rate Training Ltd", vat_registered=False)
        s.add(provider)
        await s.flush()
        active = trm.ActiveLeadProvider(lead_provider_id=provider.id, contract_period_year=YEAR)
        s.add(active)
        await s.flush()
        contract = pm.Contract(
            active_lead_provider_id=active.id,
            lead_provider_id=provider.id,
            contract_period_year=YEAR,
            contract_type=pm.ContractType.ITTECF_ECTP,
            vat_rate=Decimal("0"),
        )
        s.add(contract)
        await s.flush()
        structure = pm.BandedFeeStructure(
            contract_id=contract.id,
            recruitment_target=10,
            setup_fee=Decimal("0"),
            monthly_service_fee=Decimal("1000"),
            uplift_fee_per_declaration=Decimal("100"),
        )
        s.add(structure)
        s.add(
            pm.FlatRateFeeStructure(
                contract_id=contract.id, recruitment_target=5, fee_per_declaration=Decimal("600")
            )
        )
        await s.flush()
        s.add(
            pm.FeeBand(
                banded_fee_structure_id=structure.id,
                band=pm.Band.A,
                capacity=10,
                fee_per_declaration=Decimal("1000"),
                output_fee_ratio=Decimal("0.6"),
                service_fee_ratio=Decimal("0.4"),
            )
        )
        statement = pm.Statement(
            contract_id=contract.id,
            lead_provider_id=provider.id,
            contract_period_year=YEAR,
            month=1,
            year=YEAR,
            deadline_date=dt.date(YEAR, 1, 28),
            payment_date=dt.date(YEAR, 2, 1),
            fee_type=pm.FeeType.OUTPUT,
        )
        s.add(statement)
        await s.flush()
        teacher = iter(range(TEACHERS + 500, TEACHERS + 600))
        for kind, participant, uplift in (
            (T.STARTED, ParticipantType.ECT, False),
            (T.STARTED, ParticipantType.ECT, True),
            (T.STARTED, ParticipantType.MENTOR, False),
            (T.STARTED, ParticipantType.MENTOR, False),
            (T.COMPLETED, ParticipantType.MENTOR, False),
        ):
            s.add(
                pm.Declaration(
                    training_period_id=next(teacher),
                    teacher_id=next(teacher),
                    lead_provider_id=provider.id,
                    participant_type=participant,
                    delivery_partner_id=1,
                    declaration_type=kind,
                    declaration_date=dt.datetime(YEAR, 1, 10, tzinfo=dt.UTC),
                    payment_status=pm.PaymentStatus.ELIGIBLE,
                    payment_statement_id=statement.id,
                    sparsity_uplift=uplift,
                )
            )
        token = await api_tokens.issue(s, provider.id, "tests")
        await s.commit()
        provider_id, contract_id, statement_id = provider.id, contract.id, statement.id
    yield token, statement_id
    async with seeded_db.session() as s:
        ids = {"p": provider_id, "c": contract_id}
        for sql in (
            "DELETE FROM declarations WHERE lead_provider_id = :p",
            "DELETE FROM statements WHERE contract_id = :c",
            "DELETE FROM fee_bands WHERE banded_fee_structure_id IN "
            "(SELECT id FROM banded_fee_structures WHERE contract_id = :c)",
            "DELETE FROM banded_fee_structures WHERE contract_id = :c",
            "DELETE FROM flat_rate_fee_structures WHERE contract_id = :c",
            "DELETE FROM contracts WHERE id = :c",
            "DELETE FROM lead_provider_api_tokens WHERE lead_provider_id = :p",
            "DELETE FROM active_lead_providers WHERE lead_provider_id = :p",
            "DELETE FROM lead_providers WHERE id = :p",
        ):
            await s.execute(sa.text(sql), ids)
        await s.commit()


async def test_flat_rate_mentors_and_no_vat(client, seeded_db, flat_world) -> None:
    token, statement_id = flat_world
    statement = await amounts(client, finance_token(seeded_db), statement_id)
    assert statement is not None
    # Only the ECT goes through the bands; mentors are paid the flat fee.
    assert lines(statement) == {("STARTED", "A", 2, 0, "240.00")}
    flat = {(x["declarationType"], x["billableCount"]) for x in statement["flatRateLines"]}
    assert flat == {("STARTED", 2), ("COMPLETED", 1)}
    assert statement["outputFee"] == "1140.00"
    assert (statement["upliftCount"], statement["upliftAmount"]) == (1, "100.00")
    assert statement["serviceFee"] == "1000.00"
    assert (statement["subtotal"], statement["vatRate"], statement["vat"]) == (
        "2240.00",
        "0.00",
        "0.00",
    )
    assert statement["total"] == "2240.00"
    assert statement["contract"]["contractType"] == "ITTECF_ECTP"
    assert await amounts(client, token, statement_id) == statement
