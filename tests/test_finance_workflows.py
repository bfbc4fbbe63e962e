"""DfE finance's workflow through the graph, with a real finance token (DOMAIN.md,
"Finance" and "Payments"; issue 10's finance mutations): statements made payable after
their deadline, payment authorised, adjustments added and removed, declarations voided.

Each test makes its own statements (in calendar years no seed uses, so the seeded
statements other tests rely on are never changed) and its own participants (the helpers
of ``tests/test_declarations.py``). Statements a test leaves open have their deadline
in the past or are service statements, so no later declaration lands on them. Finance
acts through a client whose clock the test sets: the deadline rules depend on the date.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from gateway.app import create_app
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.models import audit as am
from gateway.models import payments as pm
from gateway.models.training import DeclarationType, ParticipantType
from tests.conftest import SEED_TODAY
from tests.graph import call, global_id
from tests.test_declarations import (
    Participant,
    create,
    declare,
    inside,
    participant,
)

FINANCE_OPS = Path(__file__).parent.parent / "operations" / "finance"
LP_OPS = Path(__file__).parent.parent / "operations" / "lead_provider"
MARK_PAYABLE = (FINANCE_OPS / "MarkStatementPayable.graphql").read_text()
AUTHORISE = (FINANCE_OPS / "AuthoriseStatementPayment.graphql").read_text()
ADD_ADJUSTMENT = (FINANCE_OPS / "AddStatementAdjustment.graphql").read_text()
REMOVE_ADJUSTMENT = (FINANCE_OPS / "RemoveStatementAdjustment.graphql").read_text()
FINANCE_VOID = (FINANCE_OPS / "VoidDeclaration.graphql").read_text()
LP_VOID = (LP_OPS / "VoidDeclaration.graphql").read_text()
LP_DECLARATIONS = (LP_OPS / "Declarations.graphql").read_text()
NOON = dt.datetime.combine(SEED_TODAY, dt.time(12), tzinfo=dt.UTC)
UNKNOWN_DECLARATION = "00000000-0000-4000-8000-00000000f1a0"

# Statement calendar slots no seed uses: (year, month), one per statement made here.
_slots = ((2090 + n // 12, n % 12 + 1) for n in itertools.count())


class SetClock:
    """A clock the test sets: finance acts on the days the rules are about."""

    def __init__(self, instant: dt.datetime) -> None:
        self.instant = instant

    def now(self) -> dt.datetime:
        return self.instant

    def at(self, day: dt.date, minutes: int = 0) -> dt.datetime:
        self.instant = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC) + dt.timedelta(
            minutes=minutes
        )
        return self.instant


@dataclass
class Clients:
    finance: httpx.AsyncClient
    finance_clock: SetClock
    provider: httpx.AsyncClient
    provider_clock: SetClock
    token: str


@pytest.fixture(scope="module")
async def clients(seeded_db: Database) -> AsyncIterator[Clients]:
    finance_clock, provider_clock = SetClock(NOON), SetClock(NOON)
    finance_app = create_app(seeded_db.settings, database=seeded_db, clock=finance_clock)
    provider_app = create_app(seeded_db.settings, database=seeded_db, clock=provider_clock)
    base = "http://gateway.test"
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=finance_app), base_url=base) as f,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=provider_app), base_url=base) as p,
    ):
        yield Clients(
            f,
            finance_clock,
            p,
            provider_clock,
            mint_development_token(seeded_db.settings, Role.FINANCE),
        )


# -- building what a test needs -----------------------------------------------------------


async def statement(
    db: Database,
    p: Participant,
    *,
    deadline: dt.date,
    status: pm.StatementStatus = pm.StatementStatus.OPEN,
    fee_type: pm.FeeType = pm.FeeType.OUTPUT,
) -> int:
    """A statement of the participant's provider and cohort, on an unused calendar slot."""
    year, month = next(_slots)
    async with db.session() as s:
        contract_id = await s.scalar(
            sa.select(pm.Contract.id).where(
                pm.Contract.lead_provider_id == p.lead_provider_id,
                pm.Contract.contract_period_year == p.cohort,
            )
        )
        assert contract_id is not None, "the seed gives every provider a contract per cohort"
        row = pm.Statement(
            contract_id=contract_id,
            lead_provider_id=p.lead_provider_id,
            contract_period_year=p.cohort,
            month=month,
            year=year,
            deadline_date=deadline,
            payment_date=deadline + dt.timedelta(days=25),
            status=status,
            fee_type=fee_type,
            created_at=NOON - dt.timedelta(days=90),
            updated_at=NOON - dt.timedelta(days=90),
        )
        s.add(row)
        await s.commit()
        return row.id


async def declaration(
    db: Database,
    p: Participant,
    kind: DeclarationType,
    on: int,
    status: pm.PaymentStatus,
    *,
    clawback: tuple[pm.ClawbackStatus, int] | None = None,
) -> int:
    """A declaration as it stands after earlier steps, written directly: the steps that
    lead to it are tested elsewhere; here it is what finance acts on."""
    async with db.session() as s:
        delivery_partner_id = await s.scalar(
            sa.text(
                "SELECT l.delivery_partner_id FROM training_periods t "
                "JOIN school_partnerships sp ON sp.id = t.school_partnership_id "
                "JOIN lead_provider_delivery_partnerships l "
                "ON l.id = sp.lead_provider_delivery_partnership_id WHERE t.id = :t"
            ),
            {"t": p.training_period_id},
        )
        row = pm.Declaration(
            training_period_id=p.training_period_id,
            teacher_id=p.teacher_id,
            lead_provider_id=p.lead_provider_id,
            participant_type=ParticipantType.ECT,
            delivery_partner_id=delivery_partner_id,
            declaration_type=kind,
            declaration_date=dt.datetime(p.cohort, 10, 1, 9, tzinfo=dt.UTC),
            payment_status=status,
            clawback_status=clawback[0] if clawback else pm.ClawbackStatus.NO_CLAWBACK,
            clawback_statement_id=clawback[1] if clawback else None,
            payment_statement_id=on,
            created_at=NOON - dt.timedelta(days=30),
            updated_at=NOON - dt.timedelta(days=30),
        )
        s.add(row)
        await s.commit()
        return row.id


async def statement_row(db: Database, statement_id: int) -> pm.Statement:
    async with db.session() as s:
        return await s.get_one(pm.Statement, statement_id)


async def declaration_rows(db: Database, *ids: int) -> dict[int, pm.Declaration]:
    async with db.session() as s:
        rows = await s.scalars(sa.select(pm.Declaration).where(pm.Declaration.id.in_(ids)))
        return {r.id: r for r in rows}


async def events(db: Database, event_type: str, **where: int) -> list[am.Event]:
    async with db.session() as s:
        stmt = sa.select(am.Event).where(am.Event.event_type == event_type)
        for column, value in where.items():
            stmt = stmt.where(getattr(am.Event, column) == value)
        return list((await s.scalars(stmt.order_by(am.Event.id))).all())


async def written(db: Database) -> tuple[Any, ...]:
    """Everything a finance mutation could change: a refusal moves none of it."""
    queries = (
        "SELECT count(*), max(updated_at) FROM statements",
        "SELECT count(*), sum(CASE WHEN status = 'paid' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status = 'payable' THEN 1 ELSE 0 END) FROM statements",
        "SELECT count(*), max(updated_at) FROM declarations",
        "SELECT count(*), sum(amount) FROM statement_adjustments",
        "SELECT count(*) FROM events",
    )
    async with db.session() as s:
        return tuple([tuple((await s.execute(sa.text(sql))).one()) for sql in queries])


async def finance(c: Clients, document: str, name: str, data: dict[str, Any]) -> dict[str, Any]:
    result = await call(c.finance, c.token, document, {"input": data})
    assert "errors" not in result, result
    return result["data"][name]


async def refused(
    db: Database, c: Clients, document: str, name: str, data: dict[str, Any]
) -> tuple[str, list[str] | None, str]:
    """Call, expecting one user error: (code, field, message); nothing written."""
    before = await written(db)
    payload = await finance(c, document, name, data)
    assert await written(db) == before
    assert all(v is None for k, v in payload.items() if k != "userErrors"), payload
    (error,) = payload["userErrors"]
    return error["code"], error["field"], error["message"]


def sid(statement_id: int) -> dict[str, str]:
    return {"statementId": global_id("Statement", statement_id)}


# -- marking payable ----------------------------------------------------------------------


async def test_a_statement_becomes_payable_after_its_deadline(seeded_db, clients) -> None:
    db, c = seeded_db, clients
    p = await participant(db)
    deadline = SEED_TODAY - dt.timedelta(days=3)
    st = await statement(db, p, deadline=deadline)
    other = await statement(db, p, deadline=deadline)
    eligible = await declaration(db, p, DeclarationType.STARTED, st, pm.PaymentStatus.ELIGIBLE)
    submitted = await declaration(
        db, p, DeclarationType.RETAINED_1, st, pm.PaymentStatus.NO_PAYMENT
    )
    voided = await declaration(db, p, DeclarationType.RETAINED_2, st, pm.PaymentStatus.VOIDED)
    elsewhere = await declaration(
        db, p, DeclarationType.RETAINED_3, other, pm.PaymentStatus.ELIGIBLE
    )
    before = await declaration_rows(db, submitted, voided, elsewhere)

    # On its deadline day it still takes declarations: refused, nothing written.
    c.finance_clock.at(deadline)
    code, field, message = await refused(db, c, MARK_PAYABLE, "markStatementPayable", sid(st))
    assert (code, field) == ("DEADLINE_NOT_PASSED", ["input", "statementId"])
    assert deadline.isoformat() in message

    # The day after: payable, and so is its eligible declaration; nothing else moves.
    now = c.finance_clock.at(deadline + dt.timedelta(days=1))
    payload = await finance(c, MARK_PAYABLE, "markStatementPayable", sid(st))
    assert payload["userErrors"] == []
    assert payload["statement"]["status"] == "PAYABLE"
    assert payload["statement"]["updatedAt"] == now.isoformat()
    assert payload["statement"]["markedAsPaidAt"] is None
    after = await declaration_rows(db, eligible, submitted, voided, elsewhere)
    assert after[eligible].payment_status is pm.PaymentStatus.PAYABLE
    assert after[eligible].updated_at == now
    for unchanged in (submitted, voided, elsewhere):
        assert after[unchanged].payment_status is before[unchanged].payment_status
        assert after[unchanged].updated_at == before[unchanged].updated_at
    assert (await statement_row(db, other)).status is pm.StatementStatus.OPEN

    # Audited as finance: the statement, and the declaration that changed.
    (event,) = await events(db, "statement_marked_payable", statement_id=st)
    assert event.author_type is am.AuthorType.FINANCE
    assert event.modifications["status"] == ["open", "payable"]
    (made,) = await events(db, "declaration_marked_payable", statement_id=st)
    assert made.declaration_id == eligible and made.teacher_id == p.teacher_id

    # Only once: it is no longer open.
    code, field, _ = await refused(db, c, MARK_PAYABLE, "markStatementPayable", sid(st))
    assert (code, field) == ("STATEMENT_NOT_OPEN", ["input", "statementId"])


async def test_marking_payable_refusals(seeded_db, clients) -> None:
    db, c = seeded_db, clients
    p = await participant(db)
    c.finance_clock.at(SEED_TODAY)
    paid = await statement(
        db, p, deadline=SEED_TODAY - dt.timedelta(days=60), status=pm.StatementStatus.PAID
    )
    # A service statement, so that an open one with a later deadline takes no declaration.
    later = await statement(
        db, p, deadline=SEED_TODAY + dt.timedelta(days=5), fee_type=pm.FeeType.SERVICE
    )
    cases = [
        (sid(999_999_999), "NOT_FOUND"),
        ({"statementId": global_id("Teacher", p.teacher_id)}, "BAD_ID"),
        (sid(paid), "STATEMENT_NOT_OPEN"),
        (sid(later), "DEADLINE_NOT_PASSED"),
    ]
    for data, expected in cases:
        code, field, _ = await refused(db, c, MARK_PAYABLE, "markStatementPayable", data)
        assert (code, field) == (expected, ["input", "statementId"]), data


# -- authorising payment ------------------------------------------------------------------


async def test_authorising_payment_pays_and_claws_back(seeded_db, clients) -> None:
    db, c = seeded_db, clients
    p = await participant(db)
    earlier = await statement(
        db, p, deadline=SEED_TODAY - dt.timedelta(days=120), status=pm.StatementStatus.PAID
    )
    st = await statement(
        db, p, deadline=SEED_TODAY - dt.timedelta(days=2), status=pm.StatementStatus.PAYABLE
    )
    payable = await declaration(db, p, DeclarationType.RETAINED_1, st, pm.PaymentStatus.PAYABLE)
    submitted = await declaration(
        db, p, DeclarationType.RETAINED_2, st, pm.PaymentStatus.NO_PAYMENT
    )
    # Paid on an earlier statement, voided since: this statement claws it back.
    clawed = await declaration(
        db,
        p,
        DeclarationType.STARTED,
        earlier,
        pm.PaymentStatus.PAID,
        clawback=(pm.ClawbackStatus.AWAITING_CLAWBACK, st),
    )
    before = await declaration_rows(db, submitted)

    # The payment date has not come (it is 25 days after the deadline): finance may
    # authorise all the same, as the real service lets them.
    now = c.finance_clock.at(SEED_TODAY, minutes=7)
    payload = await finance(c, AUTHORISE, "authoriseStatementPayment", sid(st))
    assert payload["userErrors"] == []
    assert payload["statement"]["status"] == "PAID"
    assert payload["statement"]["markedAsPaidAt"] == now.isoformat()
    assert payload["statement"]["updatedAt"] == now.isoformat()
    after = await declaration_rows(db, payable, submitted, clawed)
    assert after[payable].payment_status is pm.PaymentStatus.PAID
    assert after[payable].updated_at == now
    assert after[clawed].payment_status is pm.PaymentStatus.PAID
    assert after[clawed].clawback_status is pm.ClawbackStatus.CLAWED_BACK
    assert after[clawed].payment_statement_id == earlier
    assert after[clawed].updated_at == now
    assert after[submitted].payment_status is pm.PaymentStatus.NO_PAYMENT
    assert after[submitted].updated_at == before[submitted].updated_at

    (event,) = await events(db, "statement_authorised_for_payment", statement_id=st)
    assert event.author_type is am.AuthorType.FINANCE
    assert event.modifications["status"] == ["payable", "paid"]
    assert [e.declaration_id for e in await events(db, "declaration_paid", statement_id=st)] == [
        payable
    ]
    assert [
        e.declaration_id for e in await events(db, "declaration_clawed_back", statement_id=st)
    ] == [clawed]

    # Once only.
    code, field, _ = await refused(db, c, AUTHORISE, "authoriseStatementPayment", sid(st))
    assert (code, field) == ("STATEMENT_ALREADY_PAID", ["input", "statementId"])


async def test_authorising_payment_refusals(seeded_db, clients) -> None:
    db, c = seeded_db, clients
    p = await participant(db)
    c.finance_clock.at(SEED_TODAY)
    past = SEED_TODAY - dt.timedelta(days=10)
    still_open = await statement(db, p, deadline=past)
    await declaration(db, p, DeclarationType.STARTED, still_open, pm.PaymentStatus.ELIGIBLE)
    service = await statement(
        db, p, deadline=past, status=pm.StatementStatus.PAYABLE, fee_type=pm.FeeType.SERVICE
    )
    empty = await statement(db, p, deadline=past, status=pm.StatementStatus.PAYABLE)
    cases = [
        (sid(999_999_999), "NOT_FOUND"),
        (sid(still_open), "STATEMENT_NOT_PAYABLE"),
        (sid(service), "NOT_OUTPUT_STATEMENT"),
        (sid(empty), "NOTHING_TO_PAY"),
    ]
    for data, expected in cases:
        code, field, _ = await refused(db, c, AUTHORISE, "authoriseStatementPayment", data)
        assert (code, field) == (expected, ["input", "statementId"]), data


# -- adjustments --------------------------------------------------------------------------


async def test_adjustments_are_added_and_removed_before_payment(seeded_db, clients) -> None:
    db, c = seeded_db, clients
    p = await participant(db)
    st = await statement(db, p, deadline=SEED_TODAY - dt.timedelta(days=1))

    added = []
    for minute, amount in enumerate(("1000000", "-1000000.00", "0.01", "-12.5")):
        now = c.finance_clock.at(SEED_TODAY, minutes=minute)
        payload = await finance(
            c,
            ADD_ADJUSTMENT,
            "addStatementAdjustment",
            sid(st) | {"description": f"  Correction {minute}  ", "amount": amount},
        )
        assert payload["userErrors"] == [], amount
        assert Decimal(payload["adjustment"]["amount"]) == Decimal(amount)
        assert payload["adjustment"]["description"] == f"Correction {minute}"
        assert payload["statement"]["updatedAt"] == now.isoformat()
        added.append(payload["adjustment"])
    listed = payload["statement"]["adjustments"]
    assert sorted(a["id"] for a in listed) == sorted(a["id"] for a in added)
    (first, *_) = await events(db, "statement_adjustment_added", statement_id=st)
    assert first.author_type is am.AuthorType.FINANCE
    assert first.modifications == {
        "description": [None, "Correction 0"],
        "amount": [None, "1000000"],
    }

    now = c.finance_clock.at(SEED_TODAY, minutes=30)
    removed = await finance(
        c, REMOVE_ADJUSTMENT, "removeStatementAdjustment", {"adjustmentId": added[0]["id"]}
    )
    assert removed["userErrors"] == []
    assert removed["statement"]["updatedAt"] == now.isoformat()
    assert {a["id"] for a in removed["statement"]["adjustments"]} == {a["id"] for a in added[1:]}
    (gone,) = await events(db, "statement_adjustment_removed", statement_id=st)
    assert gone.modifications == {
        "description": ["Correction 0", None],
        "amount": ["1000000", None],
    }
    # Removed already: not found.
    code, field, _ = await refused(
        db, c, REMOVE_ADJUSTMENT, "removeStatementAdjustment", {"adjustmentId": added[0]["id"]}
    )
    assert (code, field) == ("NOT_FOUND", ["input", "adjustmentId"])


async def test_adjustment_refusals(seeded_db, clients) -> None:
    db, c = seeded_db, clients
    p = await participant(db)
    c.finance_clock.at(SEED_TODAY)
    st = await statement(db, p, deadline=SEED_TODAY - dt.timedelta(days=1))
    paid = await statement(
        db, p, deadline=SEED_TODAY - dt.timedelta(days=40), status=pm.StatementStatus.PAID
    )
    service = await statement(
        db, p, deadline=SEED_TODAY - dt.timedelta(days=1), fee_type=pm.FeeType.SERVICE
    )
    ok = {"description": "Late evidence", "amount": "100.00"}
    cases = [
        (sid(st) | ok | {"amount": "0"}, ("AMOUNT_ZERO", "amount")),
        (sid(st) | ok | {"amount": "-0.00"}, ("AMOUNT_ZERO", "amount")),
        (sid(st) | ok | {"amount": "1000000.01"}, ("AMOUNT_OUT_OF_RANGE", "amount")),
        (sid(st) | ok | {"amount": "-1000000.01"}, ("AMOUNT_OUT_OF_RANGE", "amount")),
        (sid(st) | ok | {"amount": "1E+7"}, ("AMOUNT_OUT_OF_RANGE", "amount")),
        (sid(st) | ok | {"amount": "12.345"}, ("AMOUNT_TOO_PRECISE", "amount")),
        (sid(st) | ok | {"amount": "NaN"}, ("INVALID_AMOUNT", "amount")),
        (sid(st) | ok | {"description": "   "}, ("DESCRIPTION_REQUIRED", "description")),
        (sid(st) | ok | {"description": "x" * 501}, ("DESCRIPTION_TOO_LONG", "description")),
        (sid(paid) | ok, ("STATEMENT_PAID", "statementId")),
        (sid(service) | ok, ("NOT_OUTPUT_STATEMENT", "statementId")),
        (sid(999_999_999) | ok, ("NOT_FOUND", "statementId")),
    ]
    for data, (expected, at) in cases:
        code, field, message = await refused(db, c, ADD_ADJUSTMENT, "addStatementAdjustment", data)
        assert (code, field) == (expected, ["input", at]), data
    # The message says what would be valid.
    _, _, message = await refused(
        db, c, ADD_ADJUSTMENT, "addStatementAdjustment", sid(st) | ok | {"amount": "12.345"}
    )
    assert '"12.34"' in message or '"12.35"' in message

    # An adjustment on a statement since paid stays: removing it is refused.
    async with db.session() as s:
        kept = pm.StatementAdjustment(statement_id=paid, description="Paid", amount=Decimal(5))
        s.add(kept)
        await s.commit()
        kept_id = kept.id
    for data, expected in (
        ({"adjustmentId": global_id("StatementAdjustment", kept_id)}, "STATEMENT_PAID"),
        ({"adjustmentId": global_id("Statement", kept_id)}, "BAD_ID"),
        ({"adjustmentId": "not a global id"}, "BAD_ID"),
    ):
        code, field, _ = await refused(db, c, REMOVE_ADJUSTMENT, "removeStatementAdjustment", data)
        assert (code, field) == (expected, ["input", "adjustmentId"]), data


# -- voiding as finance -------------------------------------------------------------------


async def test_finance_voids_any_providers_declaration(seeded_db, clients) -> None:
    db, c = seeded_db, clients
    p = await participant(db)
    c.finance_clock.at(SEED_TODAY)
    past = SEED_TODAY - dt.timedelta(days=60)
    open_st = await statement(db, p, deadline=past)
    paid_st = await statement(db, p, deadline=past, status=pm.StatementStatus.PAID)
    eligible = await declaration(
        db, p, DeclarationType.RETAINED_1, open_st, pm.PaymentStatus.ELIGIBLE
    )
    paid = await declaration(db, p, DeclarationType.STARTED, paid_st, pm.PaymentStatus.PAID)
    rows = await declaration_rows(db, eligible, paid)

    def void_of(pk: int) -> dict[str, str]:
        return {"declarationId": str(rows[pk].api_id)}

    now = c.finance_clock.at(SEED_TODAY, minutes=1)
    voided = await finance(c, FINANCE_VOID, "voidDeclaration", void_of(eligible))
    assert voided["userErrors"] == []
    assert voided["declaration"]["state"] == "VOIDED"
    assert voided["declaration"]["updatedAt"] == now.isoformat()
    (event,) = await events(db, "declaration_voided", declaration_id=eligible)
    assert event.author_type is am.AuthorType.FINANCE
    assert event.lead_provider_id == p.lead_provider_id

    # Paid: awaiting clawback on the provider's next open output statement (found here
    # from the rule: its earliest deadline on or after today).
    async with db.session() as s:
        expected = await s.scalar(
            sa.select(pm.Statement.api_id)
            .where(
                pm.Statement.lead_provider_id == p.lead_provider_id,
                pm.Statement.contract_period_year == p.cohort,
                pm.Statement.fee_type == pm.FeeType.OUTPUT,
                pm.Statement.status == pm.StatementStatus.OPEN,
                pm.Statement.deadline_date >= SEED_TODAY,
            )
            .order_by(pm.Statement.deadline_date, pm.Statement.id)
            .limit(1)
        )
    clawback = await finance(c, FINANCE_VOID, "voidDeclaration", void_of(paid))
    assert clawback["userErrors"] == []
    assert clawback["declaration"]["state"] == "AWAITING_CLAWBACK"
    assert clawback["declaration"]["clawbackStatement"]["apiId"] == str(expected)

    for pk, code in (
        (eligible, "ALREADY_VOIDED"),
        (paid, "ALREADY_AWAITING_CLAWBACK"),
    ):
        got, field, _ = await refused(db, c, FINANCE_VOID, "voidDeclaration", void_of(pk))
        assert (got, field) == (code, ["input", "declarationId"])
    got, field, _ = await refused(
        db, c, FINANCE_VOID, "voidDeclaration", {"declarationId": UNKNOWN_DECLARATION}
    )
    assert (got, field) == ("NOT_FOUND", ["input", "declarationId"])


# -- end to end ---------------------------------------------------------------------------


async def provider_view(c: Clients, p: Participant) -> dict[str, dict[str, Any]]:
    """The provider's declarations for the participant, by type, as it syncs them."""
    result = await call(
        c.provider, p.token, LP_DECLARATIONS, {"participantIds": [p.api_id], "first": 50}
    )
    assert "errors" not in result, result
    return {
        e["node"]["declarationType"]: e["node"]
        for e in result["data"]["declarations"]["edges"]
        if e["node"]["state"] != "VOIDED"
    }


async def test_declared_paid_and_clawed_back_end_to_end(seeded_db, clients) -> None:
    """A provider declares; finance marks the statement payable after its deadline and
    authorises payment; the provider reads the declarations as paid; a paid one voided
    is clawed back on the next statement once that one is authorised."""
    db, c = seeded_db, clients
    p = await participant(db)
    # The statement the declarations go on: its deadline is today, so it is the
    # provider's next open output statement for the cohort, before every seeded one.
    first = await statement(db, p, deadline=SEED_TODAY)
    c.provider_clock.at(SEED_TODAY)
    made = {}
    for kind in ("started", "retained-1"):
        evidence = {} if kind == "started" else {"evidenceHeld": "training-event-attended"}
        payload = await create(
            c.provider, p.token, declare(p, kind, await inside(db, p.cohort, kind), **evidence)
        )
        assert payload["userErrors"] == [], payload
        assert payload["declaration"]["statement"]["id"] == global_id("Statement", first)
        assert payload["declaration"]["state"] == "ELIGIBLE"
        made[kind] = payload["declaration"]

    # Finance, the day after the deadline: payable, then paid.
    tomorrow = SEED_TODAY + dt.timedelta(days=1)
    marked_at = c.finance_clock.at(tomorrow)
    payload = await finance(c, MARK_PAYABLE, "markStatementPayable", sid(first))
    assert payload["userErrors"] == [] and payload["statement"]["status"] == "PAYABLE"
    seen = await provider_view(c, p)
    assert {k: v["state"] for k, v in seen.items()} == {
        "STARTED": "PAYABLE",
        "RETAINED_1": "PAYABLE",
    }
    assert {v["updatedAt"] for v in seen.values()} == {marked_at.isoformat()}

    paid_at = c.finance_clock.at(tomorrow, minutes=5)
    payload = await finance(c, AUTHORISE, "authoriseStatementPayment", sid(first))
    assert payload["userErrors"] == [] and payload["statement"]["status"] == "PAID"
    seen = await provider_view(c, p)
    assert {k: v["state"] for k, v in seen.items()} == {"STARTED": "PAID", "RETAINED_1": "PAID"}
    assert {v["updatedAt"] for v in seen.values()} == {paid_at.isoformat()}
    # Synced by updatedAt: a provider that read up to the payable step sees both again.
    later = await call(
        c.provider,
        p.token,
        LP_DECLARATIONS,
        {"participantIds": [p.api_id], "updatedSince": marked_at.isoformat(), "first": 50},
    )
    assert len(later["data"]["declarations"]["edges"]) == 2

    # The next statement, made now, with a later deadline; the provider voids the paid
    # started declaration: awaiting clawback there.
    second = await statement(db, p, deadline=tomorrow + dt.timedelta(days=1))
    c.provider_clock.at(tomorrow, minutes=10)
    result = await call(
        c.provider, p.token, LP_VOID, {"input": {"declarationId": made["started"]["apiId"]}}
    )
    voided = result["data"]["voidDeclaration"]
    assert voided["userErrors"] == []
    assert voided["declaration"]["state"] == "AWAITING_CLAWBACK"
    assert voided["declaration"]["clawbackStatement"]["id"] == global_id("Statement", second)

    # Its deadline passes: finance marks it payable and authorises it; clawed back.
    after_second = tomorrow + dt.timedelta(days=2)
    c.finance_clock.at(after_second)
    payload = await finance(c, MARK_PAYABLE, "markStatementPayable", sid(second))
    assert payload["userErrors"] == []
    clawed_at = c.finance_clock.at(after_second, minutes=1)
    payload = await finance(c, AUTHORISE, "authoriseStatementPayment", sid(second))
    assert payload["userErrors"] == [] and payload["statement"]["status"] == "PAID"
    seen = await provider_view(c, p)
    assert seen["STARTED"]["state"] == "CLAWED_BACK"
    assert seen["STARTED"]["updatedAt"] == clawed_at.isoformat()
    assert seen["STARTED"]["statement"]["id"] == global_id("Statement", first)
    assert seen["STARTED"]["clawbackStatement"]["id"] == global_id("Statement", second)
    assert seen["RETAINED_1"]["state"] == "PAID"

    # Both statements' money, read by finance and by the provider: the same figures from
    # the same calculation. What the first paid for the started declaration, the
    # second claws back.
    amounts = """query($id: ID!) { node(id: $id) { ... on Statement {
        outputFee clawbacks upliftAmount serviceFee adjustmentsTotal subtotal vat total
        bandLines { declarationType band billableCount refundedCount feePerDeclaration } } } }"""
    read: dict[str, list[dict[str, Any]]] = {"finance": [], "provider": []}
    for statement_id in (first, second):
        variables = {"id": global_id("Statement", statement_id)}
        read["finance"].append((await call(c.finance, c.token, amounts, variables))["data"]["node"])
        read["provider"].append(
            (await call(c.provider, p.token, amounts, variables))["data"]["node"]
        )
    assert read["finance"] == read["provider"]
    paid_on_first, clawed_on_second = read["finance"]
    started = next(
        line for line in paid_on_first["bandLines"] if line["declarationType"] == "STARTED"
    )
    assert started["billableCount"] == 1 and Decimal(started["feePerDeclaration"]) > 0
    assert Decimal(paid_on_first["outputFee"]) > Decimal(started["feePerDeclaration"])
    assert Decimal(clawed_on_second["clawbacks"]) == Decimal(started["feePerDeclaration"])
    refunded = [line for line in clawed_on_second["bandLines"] if line["refundedCount"]]
    assert [(line["declarationType"], line["refundedCount"]) for line in refunded] == [
        ("STARTED", 1)
    ]


# -- at the same moment -------------------------------------------------------------------


async def test_two_finance_users_acting_on_one_statement_at_once(seeded_db, clients) -> None:
    """Truly concurrent transactions: the statement row is locked (PostgreSQL: FOR
    UPDATE; SQLite: the write lock), so the second sees the first's result and is
    refused; declarations are paid once and each step is audited once."""
    db, c = seeded_db, clients
    p = await participant(db)
    st = await statement(db, p, deadline=SEED_TODAY - dt.timedelta(days=1))
    paid = await declaration(db, p, DeclarationType.STARTED, st, pm.PaymentStatus.ELIGIBLE)
    c.finance_clock.at(SEED_TODAY)
    for document, name, refusal in (
        (MARK_PAYABLE, "markStatementPayable", "STATEMENT_NOT_OPEN"),
        (AUTHORISE, "authoriseStatementPayment", "STATEMENT_ALREADY_PAID"),
    ):
        results = await asyncio.gather(*(finance(c, document, name, sid(st)) for _ in range(2)))
        outcomes = sorted(r["userErrors"][0]["code"] if r["userErrors"] else "OK" for r in results)
        assert outcomes == ["OK", refusal], results
    assert (await declaration_rows(db, paid))[paid].payment_status is pm.PaymentStatus.PAID
    for event_type in ("statement_marked_payable", "statement_authorised_for_payment"):
        assert len(await events(db, event_type, statement_id=st)) == 1
    assert len(await events(db, "declaration_paid", declaration_id=paid)) == 1
