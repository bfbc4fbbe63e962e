"""The database itself refuses rows that break the domain's invariants.

Each test writes inside one transaction that is rolled back; every refused insert runs
in a SAVEPOINT, because on PostgreSQL a failed statement aborts the whole transaction.
Each refusal must name the constraint, so a broken fixture row (a missing NOT NULL, a
bad foreign key) cannot pass for the rule under test; each test also inserts the valid
neighbour rows, so it fails if a constraint is broader than the rule.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db import Database, tables_of
from gateway.models.base import Base
from gateway.models.inductions import AppropriateBody, InductionPeriod
from gateway.models.payments import (
    BILLABLE_OR_PENDING,
    BandedFeeStructure,
    Contract,
    Declaration,
    FeeBand,
    Statement,
    StatementAdjustment,
)
from gateway.models.schools import (
    ECTAtSchoolPeriod,
    MentorAtSchoolPeriod,
    MentorshipPeriod,
    School,
)
from gateway.models.teachers import Teacher
from gateway.models.training import (
    ActiveLeadProvider,
    ContractPeriod,
    LeadProvider,
    Schedule,
    TrainingPeriod,
)
from gateway.settings import DOMAINS

DAY = dt.date(2024, 9, 2)
CLAWING_BACK = {"payment_status": "paid", "clawback_status": "awaiting_clawback"}
_numbers = itertools.count(1)


async def row_counts(db: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    for domain in DOMAINS:
        async with db.engine_for(domain).connect() as conn:
            for table in tables_of(domain):
                counts[table.name] = await conn.scalar(
                    sa.select(sa.func.count()).select_from(table)
                )
    return counts


@pytest.fixture
async def s(db: Database) -> AsyncIterator[AsyncSession]:
    """A session whose writes are all rolled back; the shared database is left as found."""
    before = await row_counts(db)
    async with db.sessionmaker() as session:
        yield session
        await session.rollback()
    assert await row_counts(db) == before


async def insert(s: AsyncSession, obj: Base) -> Any:
    s.add(obj)
    await s.flush()
    return obj


async def refuse(s: AsyncSession, obj: Base, constraint: str) -> None:
    """The database refuses ``obj`` naming ``constraint`` (a regex); the transaction goes on."""
    with pytest.raises(IntegrityError, match=constraint):
        async with s.begin_nested():
            await insert(s, obj)


def unique_index(name: str, table: str, *columns: str) -> str:
    """PostgreSQL names the violated index, SQLite the index's columns."""
    cols = ", ".join(f"{table}.{c}" for c in columns)
    return f'(?m)"{name}"|UNIQUE constraint failed: {re.escape(cols)}$'


async def shared(s: AsyncSession, kind: str) -> int:
    """The primary key of this test's one parent row of ``kind``, made on first use."""
    if kind not in s.info:
        s.info[kind] = sa.inspect(await insert(s, await row(s, kind))).identity[0]
    return s.info[kind]


async def row(s: AsyncSession, kind: str, **values: Any) -> Any:
    """An unsaved valid ``kind`` row with ``values``; parents in its own domain are made.

    Ids that point into another domain are plain numbers, unique per row.
    """
    n = next(_numbers)
    model: type[Base]
    match kind:
        case "teacher":
            model, defaults = Teacher, {"trn": f"{n:07d}", "trs_first_name": "Ada"}
            defaults["trs_last_name"] = "Lovelace"
        case "school":
            model, defaults = School, {"urn": f"{n:06d}", "name": f"School {n}"}
            defaults |= {"type": "community_school", "phase": "primary", "status": "open"}
            defaults |= {"local_authority_code": 202, "local_authority_name": "Camden"}
        case "ect_period":
            model = ECTAtSchoolPeriod
            defaults = {"teacher_id": n, "school_id": await shared(s, "school")}
            defaults |= {"started_on": DAY, "working_pattern": "full_time"}
        case "mentor_period":
            model = MentorAtSchoolPeriod
            defaults = {"teacher_id": n, "school_id": await shared(s, "school"), "started_on": DAY}
        case "mentorship":
            model, defaults = MentorshipPeriod, {"started_on": DAY}
            defaults["ect_at_school_period_id"] = await shared(s, "ect_period")
            defaults["mentor_at_school_period_id"] = await shared(s, "mentor_period")
        case "appropriate_body":
            model, defaults = AppropriateBody, {"name": f"Body {n}", "type": "national"}
        case "induction":
            model, defaults = InductionPeriod, {"teacher_id": n, "started_on": DAY}
            defaults["appropriate_body_id"] = await shared(s, "appropriate_body")
            defaults["training_programme"] = "provider_led"
        case "contract_period":
            model, defaults = ContractPeriod, {"year": 2100 + n}
            defaults |= {"started_on": dt.date(2025, 6, 1), "finished_on": dt.date(2026, 5, 31)}
        case "lead_provider":
            model, defaults = LeadProvider, {"name": f"Provider {n}"}
        case "active_lead_provider":
            model, defaults = ActiveLeadProvider, {}
            defaults["lead_provider_id"] = await shared(s, "lead_provider")
            defaults["contract_period_year"] = await shared(s, "contract_period")
        case "schedule":
            model, defaults = Schedule, {"identifier": "ecf-standard-september"}
            defaults["contract_period_year"] = await shared(s, "contract_period")
        case "training_period":
            model = TrainingPeriod
            defaults = {"teacher_id": n, "ect_at_school_period_id": n, "started_on": DAY}
            defaults["training_programme"] = "provider_led"
            defaults["expression_of_interest_id"] = await shared(s, "active_lead_provider")
            defaults["schedule_id"] = await shared(s, "schedule")
            # The provider of its expression of interest; none without one (training_0005).
            interest = (
                "expression_of_interest_id" not in values
                or values["expression_of_interest_id"] is not None
            )
            defaults["lead_provider_id"] = await shared(s, "lead_provider") if interest else None
        case "contract":
            model, defaults = Contract, {"active_lead_provider_id": n, "lead_provider_id": n}
            defaults |= {"contract_period_year": 2025, "contract_type": "ecf"}
            defaults["vat_rate"] = Decimal("0.2")
        case "banded_fee_structure":
            model, defaults = BandedFeeStructure, {"recruitment_target": 1000}
            defaults |= {"setup_fee": Decimal(0), "uplift_fee_per_declaration": Decimal(100)}
            defaults["contract_id"] = await shared(s, "contract")
        case "fee_band":
            model, defaults = FeeBand, {"capacity": 500, "fee_per_declaration": Decimal(1000)}
            defaults["banded_fee_structure_id"] = await shared(s, "banded_fee_structure")
        case "statement":
            model, defaults = Statement, {"lead_provider_id": n, "contract_period_year": 2025}
            defaults |= {"year": 2025, "month": 1, "fee_type": "output"}
            defaults |= {
                "deadline_date": dt.date(2025, 1, 31),
                "payment_date": dt.date(2025, 2, 28),
            }
            defaults["contract_id"] = await shared(s, "contract")
        case "adjustment":
            model, defaults = StatementAdjustment, {"description": "Correction"}
            defaults["statement_id"] = await shared(s, "statement")
        case "declaration":
            model, defaults = Declaration, {"training_period_id": n, "teacher_id": n}
            defaults |= {"lead_provider_id": n, "declaration_type": "started"}
            defaults["delivery_partner_id"] = n
            defaults["participant_type"] = "ect"
            defaults["declaration_date"] = dt.datetime(2025, 1, 10, tzinfo=dt.UTC)
        case _:
            raise AssertionError(f"no row kind {kind!r}")
    return model(**(defaults | values))


async def test_the_fee_type_is_finances_choice_not_the_months(s: AsyncSession) -> None:
    """DOMAIN.md: a statement's fee type is stored and set by finance; the real service
    has output statements in other months (October, for instance)."""
    for month, fee_type in ((10, "output"), (2, "output"), (1, "service"), (8, "service")):
        made = await insert(s, await row(s, "statement", month=month, fee_type=fee_type))
        assert (made.month, made.fee_type) == (month, fee_type)


async def test_a_teacher_has_at_most_one_open_ect_period_across_schools(s: AsyncSession) -> None:
    teacher = next(_numbers)
    finished = {"started_on": dt.date(2023, 9, 1), "finished_on": dt.date(2024, 7, 19)}
    await insert(s, await row(s, "ect_period", teacher_id=teacher, **finished))
    await insert(s, await row(s, "ect_period", teacher_id=teacher))
    await insert(s, await row(s, "ect_period"))  # another teacher, open at the same school
    other_school = (await insert(s, await row(s, "school"))).id
    second_open = await row(s, "ect_period", teacher_id=teacher, school_id=other_school)
    await refuse(
        s,
        second_open,
        unique_index(
            "uq_ect_at_school_periods_open_teacher", "ect_at_school_periods", "teacher_id"
        ),
    )


@pytest.mark.parametrize("second_outcome", ["pass", "fail"])
async def test_a_teacher_has_at_most_one_induction_outcome(
    s: AsyncSession, second_outcome: str
) -> None:
    teacher = next(_numbers)
    terms = {"teacher_id": teacher, "number_of_terms": Decimal("2.5")}
    released = {"started_on": dt.date(2022, 9, 1), "finished_on": dt.date(2023, 3, 31)}
    passed = {"started_on": dt.date(2023, 4, 17), "finished_on": dt.date(2024, 7, 19)}
    await insert(s, await row(s, "induction", **terms, **released))
    await insert(s, await row(s, "induction", **terms, **passed, outcome="pass"))
    # another teacher's outcome
    await insert(s, await row(s, "induction", outcome="pass", number_of_terms=Decimal(6), **passed))
    again = {"started_on": dt.date(2024, 9, 2), "finished_on": dt.date(2025, 7, 18)}
    await refuse(
        s,
        await row(s, "induction", **terms, **again, outcome=second_outcome),
        unique_index("uq_induction_periods_outcome_teacher", "induction_periods", "teacher_id"),
    )


@pytest.mark.parametrize("status", [str(st) for st in BILLABLE_OR_PENDING])
async def test_one_billable_declaration_per_teacher_participant_type_and_type(
    s: AsyncSession, status: str
) -> None:
    """Across training periods and providers (DOMAIN.md, "Lead providers"): voided and
    clawing-back ones do not count; the same type as a mentor or another type does not
    clash; another provider's on another training period does."""
    teacher = next(_numbers)
    same = {"teacher_id": teacher, "participant_type": "ect", "declaration_type": "started"}
    await insert(s, await row(s, "declaration", **same, payment_status="voided"))
    await insert(s, await row(s, "declaration", **same, **CLAWING_BACK))
    await insert(
        s,
        await row(s, "declaration", **same, **(CLAWING_BACK | {"clawback_status": "clawed_back"})),
    )
    await insert(s, await row(s, "declaration", **same, payment_status="eligible"))
    await insert(s, await row(s, "declaration", **(same | {"declaration_type": "retained-1"})))
    await insert(s, await row(s, "declaration", **(same | {"participant_type": "mentor"})))
    await insert(s, await row(s, "declaration", declaration_type="started"))  # another teacher
    elsewhere = {"training_period_id": next(_numbers), "lead_provider_id": next(_numbers)}
    await refuse(
        s,
        await row(s, "declaration", **same, **elsewhere, payment_status=status),
        unique_index(
            "uq_declarations_billable_teacher_type",
            "declarations",
            "teacher_id",
            "participant_type",
            "declaration_type",
        ),
    )


async def test_a_declaration_records_its_delivery_partner(s: AsyncSession) -> None:
    await refuse(
        s,
        await row(s, "declaration", delivery_partner_id=None),
        r"delivery_partner_id|NOT NULL constraint failed: declarations\.delivery_partner_id",
    )


def ends(finished_on: dt.date, **more: Any) -> dict[str, Any]:
    return {"started_on": DAY, "finished_on": finished_on, **more}


def ratios(band: str, output: str, service: str) -> dict[str, Any]:
    return {
        "band": band,
        "output_fee_ratio": Decimal(output),
        "service_fee_ratio": Decimal(service),
    }


def dates(month: int, deadline: dt.date, payment: dt.date) -> dict[str, Any]:
    fee_type = "output" if month in (1, 4, 8, 11) else "service"
    return {
        "month": month,
        "deadline_date": deadline,
        "payment_date": payment,
        "fee_type": fee_type,
    }


def check(
    name: str, kind: str, valid: list[dict[str, Any]], bad: dict[str, Any], constraint: str
) -> Any:
    """``valid`` rows of ``kind`` are accepted, then ``bad`` is refused by CHECK ``constraint``."""
    return pytest.param(kind, valid, bad, constraint, id=name)


TERMS = {"number_of_terms": Decimal(3)}
ECT_ONLY = {"ect_at_school_period_id": 1, "mentor_at_school_period_id": None}
MENTOR_ONLY = {"ect_at_school_period_id": None, "mentor_at_school_period_id": 1}
SCHOOL_LED = {"training_programme": "school_led", "expression_of_interest_id": None}
SCHOOL_LED |= {"schedule_id": None}
FEB = dt.date(2025, 2, 28)
NOON = dt.datetime.combine(DAY, dt.time(12), tzinfo=dt.UTC)


def stopped_at(*, deferred: dt.datetime, withdrawn: dt.datetime) -> dict[str, Any]:
    return {
        "deferred_at": deferred,
        "deferral_reason": "career_break",
        "withdrawn_at": withdrawn,
        "withdrawal_reason": "other",
    }


CHECKS = [
    *(
        check(f"trn-{bad}", "teacher", [{"trn": "0123456"}], {"trn": bad}, "trn_seven_digits")
        for bad in ("123456", "123456A", "A123456")
    ),
    check(
        "trnless-unflagged",
        "teacher",
        [{"trn": None, "trnless": True}, {"trn": None, "trnless": True}],
        {"trn": None, "trnless": False},
        "trnless_flagged",
    ),
    check(
        "trnless-with-trn",
        "teacher",
        [{"trn": "1234567", "trnless": False}],
        {"trn": "7654321", "trnless": True},
        "trnless_flagged",
    ),
    *(
        check(f"urn-{bad}", "school", [{"urn": "012345"}], {"urn": bad}, "urn_six_digits")
        for bad in ("12345", "12345A")
    ),
    check(
        "induction-16.5-terms",
        "induction",
        [ends(DAY, number_of_terms=Decimal(16)), ends(DAY, number_of_terms=Decimal(0))],
        ends(DAY, number_of_terms=Decimal("16.5")),
        "number_of_terms_range",
    ),
    *(
        check(
            f"induction-terms-{bad}",
            "induction",
            [ends(DAY, number_of_terms=Decimal("2.5")), ends(DAY, number_of_terms=Decimal("1.1"))],
            ends(DAY, number_of_terms=Decimal(bad)),
            "number_of_terms_one_decimal",
        )
        for bad in ("2.55", "0.01")
    ),
    check(
        "induction-finished-without-terms",
        "induction",
        [{}, ends(DAY, **TERMS)],
        ends(DAY),
        "finished_needs_number_of_terms",
    ),
    *(
        check(
            f"fee-band-ratios-{output}+{service}",
            "fee_band",
            [ratios("A", "0.6", "0.4"), ratios("B", "0.65", "0.35"), ratios("C", "1", "0")],
            ratios("D", output, service),
            "ratios_sum_to_one",
        )
        for output, service in [("0.6", "0.5"), ("0.6", "0.3")]
    ),
    *(
        check(
            f"adjustment-{bad}",
            "adjustment",
            [{"amount": Decimal(a)} for a in ("1000000", "-1000000", "0.01", "-0.01")],
            {"amount": Decimal(bad)},
            "amount_range",
        )
        for bad in ("0", "1000000.01", "-1000000.01")
    ),
    *(
        check(
            f"statement-paid-{payment}",
            "statement",
            [dates(1, dt.date(2025, 1, 31), dt.date(2025, 2, 1))],
            dates(2, FEB, payment),
            "paid_after_deadline",
        )
        for payment in (FEB, FEB - dt.timedelta(days=1))
    ),
    check(
        "training-both-ect-and-mentor",
        "training_period",
        [ECT_ONLY, MENTOR_ONLY],
        {"ect_at_school_period_id": 1, "mentor_at_school_period_id": 2},
        "ect_or_mentor",
    ),
    check(
        "training-neither-ect-nor-mentor",
        "training_period",
        [ECT_ONLY, MENTOR_ONLY],
        {"ect_at_school_period_id": None, "mentor_at_school_period_id": None},
        "ect_or_mentor",
    ),
    check(
        "training-mentor-school-led",
        "training_period",
        [MENTOR_ONLY, ECT_ONLY | SCHOOL_LED],
        MENTOR_ONLY | SCHOOL_LED,
        "mentors_provider_led",
    ),
    *(
        check(
            f"declaration-{clawback}-when-{status}",
            "declaration",
            [CLAWING_BACK, CLAWING_BACK | {"clawback_status": "clawed_back"}],
            {"payment_status": status, "clawback_status": clawback},
            "clawback_only_if_paid",
        )
        for status, clawback in [
            ("eligible", "awaiting_clawback"),
            ("payable", "clawed_back"),
            ("voided", "awaiting_clawback"),
        ]
    ),
    *(
        check(
            f"declaration-{uplift}-on-{kind}",
            "declaration",
            [{"pupil_premium_uplift": True}, {"sparsity_uplift": True}, {"declaration_type": kind}],
            {"declaration_type": kind, uplift: True},
            "uplifts_on_started_only",
        )
        for kind, uplift in [
            ("retained-1", "pupil_premium_uplift"),
            ("completed", "sparsity_uplift"),
        ]
    ),
    *(
        check(
            f"{kind}-finished-before-started",
            kind,
            [ends(DAY, **extra)],
            ends(DAY - dt.timedelta(days=1), **extra),
            "finished_after_started",
        )
        for kind, extra in [
            ("ect_period", {}),
            ("mentor_period", {}),
            ("mentorship", {}),
            ("induction", TERMS),
            ("training_period", {}),
        ]
    ),
    check(
        # A deferred participant may be withdrawn (both kept, the latest wins); a
        # withdrawn one is never deferred afterwards.
        "training-deferred-after-withdrawal",
        "training_period",
        [
            ends(DAY, **stopped_at(deferred=NOON, withdrawn=NOON + dt.timedelta(days=3))),
            ends(DAY, **stopped_at(deferred=NOON, withdrawn=NOON)),
        ],
        ends(DAY, **stopped_at(withdrawn=NOON, deferred=NOON + dt.timedelta(days=3))),
        "withdrawn_after_deferral",
    ),
    check(
        "contract-period-finished-on-start",
        "contract_period",
        [ends(DAY + dt.timedelta(days=1))],
        ends(DAY),
        "finishes_after_start",
    ),
]


@pytest.mark.parametrize(("kind", "valid", "bad", "constraint"), CHECKS)
async def test_database_refuses_a_row_breaking_a_check(
    s: AsyncSession, kind: str, valid: list[dict[str, Any]], bad: dict[str, Any], constraint: str
) -> None:
    for values in valid:
        await insert(s, await row(s, kind, **values))
    refused = await row(s, kind, **bad)
    await refuse(s, refused, f"ck_{refused.__tablename__}_{constraint}")
