"""A statement's amounts: the payment calculator's inputs read from the database.

``gateway.rules.payments.calculate`` is pure; this module builds what it reads:

- ``Terms`` from the contract (type, VAT rate), its banded fee structure and bands (A
  first), its flat-rate structure (``ittecf_ectp`` mentors) and its contract period's
  ``uplift_fees_enabled``;
- a ``StatementActivity`` for the statement and for every earlier statement of the same
  contract (by payment date, then id), whose declarations fill the bands first:
  billable = declarations whose ``payment_statement_id`` is the statement and whose
  payment status is eligible, payable or paid (submitted, ``no_payment``, is not yet
  billable; voided ones never are); refunds = declarations whose
  ``clawback_statement_id`` is the statement, awaiting clawback or clawed back; uplift =
  a ``started`` declaration with either uplift flag; adjustments = the statement's.

Declarations are counted in SQL (GROUP BY statement, declaration type, participant type
and uplift), never read row by row, so a page of statements costs the same bounded
number of SELECTs however many declarations they hold. The counts of a contract are read
through ``policy.statement_activity_facts`` and its calendar through
``policy.statement_calendar_facts``: finance and the lead provider count the same
declarations, so they read the same figures.

Every statement pays the monthly service fee, output and service statements alike: the
real service's ``Finance::ECF::StatementCalculator#total`` adds ``service_fee`` on every
statement. What differs is what they hold: declarations are put on output statements
only (the seed, as the real service, pays them on the next output statement), so a
service statement shows the service fee and any adjustments.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from aiodataloader import DataLoader

from gateway.auth import policy
from gateway.loaders.base import Loaders, ResultRow, RowsByKey
from gateway.loaders.payments import AdjustmentsByStatement
from gateway.models import payments as pm
from gateway.models import training as trm
from gateway.models.training import DeclarationType, ParticipantType
from gateway.rules.payments import (
    BandTerms,
    Paid,
    StatementActivity,
    StatementAmounts,
    Terms,
    calculate,
)

BILLABLE_STATUSES = (pm.PaymentStatus.ELIGIBLE, pm.PaymentStatus.PAYABLE, pm.PaymentStatus.PAID)
REFUND_STATUSES = (pm.ClawbackStatus.AWAITING_CLAWBACK, pm.ClawbackStatus.CLAWED_BACK)
BAND_ORDER = {band: i for i, band in enumerate(pm.Band)}


class BandedFeeStructureByContract(RowsByKey):
    model = pm.BandedFeeStructure
    key = pm.BandedFeeStructure.contract_id


class FlatRateFeeStructureByContract(RowsByKey):
    model = pm.FlatRateFeeStructure
    key = pm.FlatRateFeeStructure.contract_id


class BandsByFeeStructure(RowsByKey):
    model = pm.FeeBand
    key = pm.FeeBand.banded_fee_structure_id


async def contract_terms(loaders: Loaders, contract: ResultRow) -> Terms | None:
    """The contract's terms; None when it has no banded fee structure (nothing to pay
    by). Loads through batching loaders, so sibling contracts share their SELECTs."""
    banded = await loaders.get(BandedFeeStructureByContract).load(contract.id)
    if not banded:
        return None
    structure = banded[0]
    bands = await loaders.get(BandsByFeeStructure).load(structure.id)
    flat = await loaders.get(FlatRateFeeStructureByContract).load(contract.id)
    period = await loaders.load(trm.ContractPeriod, contract.contract_period_year)
    return Terms(
        contract_type=contract.contract_type,
        vat_rate=Decimal(contract.vat_rate),
        recruitment_target=structure.recruitment_target,
        setup_fee=Decimal(structure.setup_fee),
        uplift_fee_per_declaration=Decimal(structure.uplift_fee_per_declaration),
        bands=[
            BandTerms(
                band=b.band,
                capacity=b.capacity,
                fee_per_declaration=Decimal(b.fee_per_declaration),
                output_fee_ratio=Decimal(b.output_fee_ratio),
                service_fee_ratio=Decimal(b.service_fee_ratio),
            )
            for b in sorted(bands, key=lambda b: BAND_ORDER[b.band])
        ],
        monthly_service_fee=(
            None
            if structure.monthly_service_fee is None
            else Decimal(structure.monthly_service_fee)
        ),
        uplift_fees_enabled=bool(period and period.uplift_fees_enabled),
        flat_rate_fee_per_declaration=Decimal(flat[0].fee_per_declaration) if flat else None,
    )


@dataclass(frozen=True)
class StatementKey:
    """What the loader needs of a visible statement: its id and its contract."""

    id: int
    contract_id: int


@dataclass
class _Counted:
    billable: list[Paid]
    refunds: list[Paid]


def _paid(row: Any) -> list[Paid]:
    """``count`` copies of one counted group (the calculator takes one entry per
    declaration; copies of one frozen value cost a reference each)."""
    paid = Paid(
        declaration_type=DeclarationType(row.declaration_type),
        participant_type=ParticipantType(row.participant_type),
        uplift=bool(row.uplift),
    )
    return [paid] * int(row.count)


class StatementAmountsByStatement(DataLoader):
    """A visible statement's amounts (None where its contract has no fee structure).

    SELECTs per batch, whatever the number of statements or declarations: contracts,
    banded structures, bands, flat-rate structures, contract periods, the contracts'
    statement calendar, billable counts, refund counts, adjustments."""

    def __init__(self, loaders: Loaders, *params: Hashable) -> None:
        super().__init__()
        self.loaders = loaders

    async def batch_load_fn(self, keys: list[StatementKey]) -> list[StatementAmounts | None]:
        loaders = self.loaders
        scope = loaders.scope
        contract_ids = {k.contract_id for k in keys}
        contracts = await loaders.by_id(pm.Contract).load_many(sorted(contract_ids))
        visible = [c for c in contracts if c is not None]
        # Together, so that each loader reads every contract's rows in one SELECT.
        found = await asyncio.gather(*(contract_terms(loaders, c) for c in visible))
        terms = {c.id: t for c, t in zip(visible, found, strict=True)}

        calendar = await loaders.fetch(
            scope.facts(
                policy.statement_calendar_facts,
                pm.Statement,
                pm.Statement.id,
                pm.Statement.contract_id,
                pm.Statement.payment_date,
            ).where(pm.Statement.contract_id.in_(contract_ids))
        )
        statement_ids = [s.id for s in calendar]
        activity: dict[int, _Counted] = defaultdict(lambda: _Counted([], []))
        for row in await loaders.fetch(
            self._counts(pm.Declaration.payment_statement_id, statement_ids)
        ):
            activity[row.statement_id].billable += _paid(row)
        for row in await loaders.fetch(
            self._counts(pm.Declaration.clawback_statement_id, statement_ids)
        ):
            activity[row.statement_id].refunds += _paid(row)

        adjustments = await loaders.get(AdjustmentsByStatement).load_many([k.id for k in keys])
        by_contract: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
        for s in calendar:
            by_contract[s.contract_id].append((s.payment_date, s.id))
        for dates in by_contract.values():
            dates.sort()

        def of(statement_id: int, extra: list[Decimal] | None = None) -> StatementActivity:
            counted = activity.get(statement_id)
            return StatementActivity(
                billable=counted.billable if counted else (),
                refunds=counted.refunds if counted else (),
                adjustments=extra or (),
            )

        results: list[StatementAmounts | None] = []
        for key, rows in zip(keys, adjustments, strict=True):
            contract_terms_ = terms.get(key.contract_id)
            if contract_terms_ is None:
                results.append(None)
                continue
            order = [sid for _, sid in by_contract[key.contract_id]]
            earlier = order[: order.index(key.id)] if key.id in order else []
            current = of(key.id, [Decimal(r.amount) for r in rows])
            results.append(calculate(contract_terms_, [of(sid) for sid in earlier], current))
        return results

    def _counts(self, statement_column: Any, statement_ids: list[int]) -> sa.Select[Any]:
        """Declarations billable (``payment_statement_id``) or refunded
        (``clawback_statement_id``) on the given statements, counted by statement,
        declaration type, participant type and uplift."""
        d = pm.Declaration
        uplift = sa.and_(
            d.declaration_type == DeclarationType.STARTED,
            sa.or_(d.pupil_premium_uplift, d.sparsity_uplift),
        )
        if statement_column is d.payment_statement_id:
            state = d.payment_status.in_(BILLABLE_STATUSES)
        else:
            state = d.clawback_status.in_(REFUND_STATUSES)
        columns = (
            statement_column.label("statement_id"),
            d.declaration_type,
            d.participant_type,
            uplift.label("uplift"),
            sa.func.count().label("count"),
        )
        return (
            self.loaders.scope.facts(policy.statement_activity_facts, d, *columns)
            .where(statement_column.in_(statement_ids), state)
            # By the flags, not the expression: PostgreSQL does not match an expression
            # with bound parameters in GROUP BY to the same one in the select list.
            .group_by(
                statement_column,
                d.declaration_type,
                d.participant_type,
                d.pupil_premium_uplift,
                d.sparsity_uplift,
            )
        )
