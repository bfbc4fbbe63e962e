"""Statements: one per contract per month while the cohort is paid, and a few adjustments.

Months run from the contract period's first month for about three and a half years
(long enough for extended schedules), but never more than four months past today, so
there is always an open output statement to attach a new declaration to.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from gateway.models.payments import OUTPUT_FEE_MONTHS, FeeType, StatementStatus
from gateway.seed.dates import ONE_DAY, add_days, month_offset, months_between
from gateway.seed.streams import Streams, stamp, uuid4_from
from gateway.seed.world import ContractInfo, StatementInfo, World

STATEMENT_MONTHS = 42
"""June of the contract period's year to November three years on (our choice)."""
MONTHS_AHEAD = 4
"""Statements exist up to four months past today: the next output month is at most four
months away (output months are January, April, August and November)."""
PAYMENT_DAY = 25
ADJUSTMENT_SHARE = 0.04
ADJUSTMENT_REASONS = (
    "Correction to an earlier output payment",
    "Additional set-up costs agreed with DfE",
    "Recovery of an overpaid service fee",
    "Uplift correction after a school's funding changed",
    "Late declarations agreed by DfE",
    "Reconciliation of withdrawn participants",
)


def statement_status(deadline: dt.date, payment_date: dt.date, today: dt.date) -> StatementStatus:
    if payment_date < today:
        return StatementStatus.PAID
    if deadline < today:
        return StatementStatus.PAYABLE
    return StatementStatus.OPEN


class OutputStatements:
    """A contract's output statements by deadline, to find where a declaration goes."""

    def __init__(self, statements: list[StatementInfo]) -> None:
        self.statements = sorted(
            (s for s in statements if s.fee_type == FeeType.OUTPUT.value),
            key=lambda s: s.deadline_date,
        )
        self.deadlines = [s.deadline_date for s in self.statements]

    def first_due(self, day: dt.date) -> StatementInfo | None:
        """The first output statement whose deadline is on or after ``day``."""
        index = bisect.bisect_left(self.deadlines, day)
        return self.statements[index] if index < len(self.statements) else None


def build_statements(world: World, streams: Streams) -> dict[int, OutputStatements]:
    api_ids = streams.rng("statements/api-ids")
    last_month = month_offset((world.today.year, world.today.month), MONTHS_AHEAD)
    by_contract: dict[int, list[StatementInfo]] = {}
    for contract in world.contracts.values():
        first = (contract.year, 6)
        last = min(month_offset(first, STATEMENT_MONTHS - 1), last_month)
        statements = by_contract.setdefault(contract.id, [])
        for year, month in months_between(first, last):
            deadline = dt.date(year, month, 1) - ONE_DAY
            payment_date = dt.date(year, month, PAYMENT_DAY)
            status = statement_status(deadline, payment_date, world.today)
            statement = StatementInfo(
                id=len(world.statements) + 1,
                api_id=uuid4_from(api_ids),
                contract=contract,
                month=month,
                year=year,
                deadline_date=deadline,
                payment_date=payment_date,
                status=status.value,
                fee_type=(FeeType.OUTPUT if month in OUTPUT_FEE_MONTHS else FeeType.SERVICE).value,
                # Finance authorises payment a couple of days before the money goes out.
                marked_as_paid_at=stamp(add_days(payment_date, -2), len(world.statements) + 1)
                if status is StatementStatus.PAID
                else None,
            )
            world.statements.append(statement)
            statements.append(statement)
    _build_adjustments(world, streams)
    return {contract_id: OutputStatements(s) for contract_id, s in by_contract.items()}


def _build_adjustments(world: World, streams: Streams) -> None:
    rng = streams.rng("statements/adjustments")
    rows: list[dict[str, Any]] = []
    for statement in world.statements:
        if statement.status == StatementStatus.OPEN.value or rng.random() >= ADJUSTMENT_SHARE:
            continue
        pence = rng.randrange(-2_500_000, 5_000_001)  # -£25,000 to £50,000
        amount = (Decimal(pence or 10_000) / 100).quantize(Decimal("0.01"))
        # Finance adds adjustments between the deadline and payment.
        made_on = min(add_days(statement.deadline_date, rng.randrange(1, 20)), world.today)
        made_on = min(made_on, statement.payment_date)
        rows.append(
            {
                "id": len(rows) + 1,
                "statement_id": statement.id,
                "description": rng.choice(ADJUSTMENT_REASONS),
                "amount": amount,
                "created_at": stamp(made_on, len(rows) + 1),
                "updated_at": stamp(made_on, len(rows) + 1),
            }
        )
    world.small_tables["statement_adjustments"] = rows


def _set_up_on(contract: ContractInfo, today: dt.date) -> dt.date:
    return min(dt.date(contract.year, 4, 1), today)


def statement_rows(world: World) -> Iterator[dict[str, Any]]:
    for statement in world.statements:
        created = stamp(_set_up_on(statement.contract, world.today), statement.id)
        changed = None
        if statement.status == StatementStatus.PAYABLE.value:
            changed = stamp(add_days(statement.deadline_date, 1), statement.id)
        yield {
            "id": statement.id,
            "api_id": statement.api_id,
            "contract_id": statement.contract.id,
            "lead_provider_id": statement.contract.lead_provider_id,
            "contract_period_year": statement.contract.year,
            "month": statement.month,
            "year": statement.year,
            "deadline_date": statement.deadline_date,
            "payment_date": statement.payment_date,
            "status": statement.status,
            "fee_type": statement.fee_type,
            "marked_as_paid_at": statement.marked_as_paid_at,
            "created_at": created,
            "updated_at": statement.marked_as_paid_at or changed or created,
        }
