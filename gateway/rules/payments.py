"""The payment calculator: what a lead provider is paid on a statement (DOMAIN.md,
"Payments"). Pure and exact: Decimal throughout, rounded to the penny only where a
statement shows money (``Money.shown``), never float.

Inputs are plain values (``Terms``, ``StatementActivity``) so that the same calculation
serves the graph (finance and lead providers read one result) and the unit tests, which
check it against figures worked by hand from the rules.

- Output fee per declaration = proportion(type) × band output fee ratio × band fee.
- Bands fill A → D per declaration type, cumulatively across the provider's statements
  in the contract period: earlier billable declarations first, then earlier refunds
  remove D → A, then this statement's billable ones fill A → D, then its refunds remove
  D → A.
- Uplift: a fee per ``started`` declaration whose school had either uplift (once, not
  doubled), net of refunds, only where the contract period has uplift fees enabled.
- Service fee, monthly: (Σ over bands filled lowest first up to the recruitment target
  of participants × fee × service ratio − setup fee × band A filled / band A capacity)
  / 29, unless the contract sets a monthly service fee.
- ``ittecf_ectp`` contracts: mentors are paid a flat fee, started 50%, completed 50%,
  with no service fee; ECTs go through the bands.
- Total = output (net of clawbacks) + uplift (net) + service fee + adjustments; VAT at
  the contract's rate on that.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from gateway.models.payments import Band, ContractType
from gateway.models.training import DeclarationType, ParticipantType

PENNY = Decimal("0.01")
SERVICE_FEE_MONTHS = 29
"""The service fee is paid in 29 monthly instalments."""

PROPORTIONS: dict[DeclarationType, Decimal] = {
    DeclarationType.STARTED: Decimal("0.20"),
    DeclarationType.RETAINED_1: Decimal("0.15"),
    DeclarationType.RETAINED_2: Decimal("0.15"),
    DeclarationType.RETAINED_3: Decimal("0.15"),
    DeclarationType.RETAINED_4: Decimal("0.15"),
    DeclarationType.COMPLETED: Decimal("0.20"),
    DeclarationType.EXTENDED_1: Decimal("0.15"),
    DeclarationType.EXTENDED_2: Decimal("0.15"),
    DeclarationType.EXTENDED_3: Decimal("0.15"),
}
"""The share of a participant's fee each declaration type pays."""

FLAT_RATE_PROPORTIONS: dict[DeclarationType, Decimal] = {
    DeclarationType.STARTED: Decimal("0.5"),
    DeclarationType.COMPLETED: Decimal("0.5"),
}
"""Mentors on a flat rate are paid half when they start and half when they complete."""


def shown(amount: Decimal) -> Decimal:
    """Money as a statement shows it: to the penny, halves away from zero, and never
    "-0.00" (VAT at a zero rate on a negative subtotal is Decimal's negative zero)."""
    rounded = amount.quantize(PENNY, rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


# -- what the calculation reads -------------------------------------------------------------


@dataclass(frozen=True)
class BandTerms:
    band: Band
    capacity: int
    fee_per_declaration: Decimal
    output_fee_ratio: Decimal
    service_fee_ratio: Decimal


@dataclass(frozen=True)
class Terms:
    """A contract's fee structures, and whether its contract period pays uplifts."""

    contract_type: ContractType
    vat_rate: Decimal
    recruitment_target: int
    setup_fee: Decimal
    uplift_fee_per_declaration: Decimal
    bands: Sequence[BandTerms]  # in allocation order, A first
    monthly_service_fee: Decimal | None = None
    uplift_fees_enabled: bool = False
    flat_rate_fee_per_declaration: Decimal | None = None  # ittecf_ectp: mentors

    def banded(self, participant_type: ParticipantType) -> bool:
        """Whether declarations of this participant type are paid through the bands."""
        match self.contract_type:
            case ContractType.ECF:
                return True
            case ContractType.ITTECF_ECTP:
                return participant_type is ParticipantType.ECT


@dataclass(frozen=True)
class Paid:
    """One declaration as a statement counts it (billable, or refunded)."""

    declaration_type: DeclarationType
    participant_type: ParticipantType
    uplift: bool = False  # a started declaration at a school with either uplift


@dataclass(frozen=True)
class StatementActivity:
    """What one statement holds: declarations it pays, declarations it claws back, and
    finance's adjustments."""

    billable: Sequence[Paid] = ()
    refunds: Sequence[Paid] = ()
    adjustments: Sequence[Decimal] = ()


# -- what it gives ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BandLine:
    """Declarations of one type in one band on this statement, and their output fee."""

    declaration_type: DeclarationType
    band: Band
    billable: int
    refunded: int
    fee_per_declaration: Decimal  # output fee of one declaration of this type in this band

    @property
    def net_amount(self) -> Decimal:
        return (self.billable - self.refunded) * self.fee_per_declaration


@dataclass(frozen=True)
class FlatRateLine:
    declaration_type: DeclarationType
    billable: int
    refunded: int
    fee_per_declaration: Decimal

    @property
    def net_amount(self) -> Decimal:
        return (self.billable - self.refunded) * self.fee_per_declaration


@dataclass(frozen=True)
class StatementAmounts:
    """A statement's money, exact; ``shown`` rounds any of it to the penny."""

    band_lines: list[BandLine] = field(default_factory=list)
    flat_rate_lines: list[FlatRateLine] = field(default_factory=list)
    uplift_count: int = 0
    uplift_refunded: int = 0
    uplift_fee: Decimal = Decimal(0)
    service_fee: Decimal = Decimal(0)
    adjustments: Decimal = Decimal(0)
    vat_rate: Decimal = Decimal(0)

    @property
    def output_fee(self) -> Decimal:
        """Banded output fees of declarations paid on this statement, before clawbacks."""
        return sum(
            (line.billable * line.fee_per_declaration for line in self.band_lines), Decimal(0)
        ) + sum(
            (line.billable * line.fee_per_declaration for line in self.flat_rate_lines), Decimal(0)
        )

    @property
    def clawbacks(self) -> Decimal:
        """Output fees recovered for declarations voided after they were paid (positive)."""
        return sum(
            (line.refunded * line.fee_per_declaration for line in self.band_lines), Decimal(0)
        ) + sum(
            (line.refunded * line.fee_per_declaration for line in self.flat_rate_lines), Decimal(0)
        )

    @property
    def uplift(self) -> Decimal:
        return (self.uplift_count - self.uplift_refunded) * self.uplift_fee

    @property
    def subtotal(self) -> Decimal:
        return self.output_fee - self.clawbacks + self.uplift + self.service_fee + self.adjustments

    @property
    def vat(self) -> Decimal:
        return self.subtotal * self.vat_rate

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.vat


# -- the calculation --------------------------------------------------------------------------


def _fill(bands: Sequence[BandTerms], start: int, count: int) -> list[int]:
    """How many of ``count`` declarations land in each band when the first ``start``
    places are taken (bands fill A → D; beyond D's capacity they stay in D)."""
    landed = [0] * len(bands)
    position = start
    floor = 0
    for i, band in enumerate(bands):
        top = floor + band.capacity
        last = i == len(bands) - 1
        while count and (position < top or last):
            landed[i] += 1
            position += 1
            count -= 1
        floor = top
    return landed


def _remove(bands: Sequence[BandTerms], start: int, count: int) -> list[int]:
    """How many of ``count`` refunds come out of each band, from the top (D → A), when
    ``start`` places are taken."""
    removed = [0] * len(bands)
    position = start
    tops = []
    floor = 0
    for band in bands:
        floor += band.capacity
        tops.append(floor)
    for _ in range(min(count, position)):
        position -= 1
        # The band holding place ``position`` (0-based); places beyond D stay in D.
        index = next((i for i, top in enumerate(tops) if position < top), len(bands) - 1)
        removed[index] += 1
    return removed


def _banded_counts(
    activity: StatementActivity, terms: Terms
) -> tuple[Counter[DeclarationType], Counter[DeclarationType]]:
    billable = Counter(
        p.declaration_type for p in activity.billable if terms.banded(p.participant_type)
    )
    refunds = Counter(
        p.declaration_type for p in activity.refunds if terms.banded(p.participant_type)
    )
    return billable, refunds


def service_fee(terms: Terms) -> Decimal:
    """The monthly service fee: the contract's override, else derived from the bands."""
    if terms.monthly_service_fee is not None:
        return terms.monthly_service_fee
    remaining = terms.recruitment_target
    total = Decimal(0)
    band_a_filled = 0
    for i, band in enumerate(terms.bands):
        filled = min(remaining, band.capacity)
        remaining -= filled
        total += filled * band.fee_per_declaration * band.service_fee_ratio
        if i == 0:
            band_a_filled = filled
    band_a = terms.bands[0]
    if band_a.capacity:
        total -= terms.setup_fee * band_a_filled / band_a.capacity
    return total / SERVICE_FEE_MONTHS


def calculate(
    terms: Terms, earlier: Iterable[StatementActivity], current: StatementActivity
) -> StatementAmounts:
    """The amounts of ``current`` given the contract's ``terms`` and the statements of the
    same contract before it (in payment order), whose declarations fill the bands first."""
    taken: Counter[DeclarationType] = Counter()
    for past in earlier:
        billable, refunds = _banded_counts(past, terms)
        for kind in billable.keys() | refunds.keys():
            taken[kind] = max(0, taken[kind] + billable[kind] - refunds[kind])

    billable, refunds = _banded_counts(current, terms)
    lines: list[BandLine] = []
    for kind in DeclarationType:
        if not (billable[kind] or refunds[kind]):
            continue
        filled = _fill(terms.bands, taken[kind], billable[kind])
        removed = _remove(terms.bands, taken[kind] + billable[kind], refunds[kind])
        for band, added, taken_out in zip(terms.bands, filled, removed, strict=True):
            if added or taken_out:
                fee = PROPORTIONS[kind] * band.output_fee_ratio * band.fee_per_declaration
                lines.append(BandLine(kind, band.band, added, taken_out, fee))

    flat: list[FlatRateLine] = []
    if terms.flat_rate_fee_per_declaration is not None:
        unbanded = [p for p in current.billable if not terms.banded(p.participant_type)]
        unrefunded = [p for p in current.refunds if not terms.banded(p.participant_type)]
        flat_billable = Counter(p.declaration_type for p in unbanded)
        flat_refunds = Counter(p.declaration_type for p in unrefunded)
        for kind, proportion in FLAT_RATE_PROPORTIONS.items():
            if flat_billable[kind] or flat_refunds[kind]:
                fee = proportion * terms.flat_rate_fee_per_declaration
                flat.append(FlatRateLine(kind, flat_billable[kind], flat_refunds[kind], fee))

    def uplifted(paid: Sequence[Paid]) -> int:
        return sum(1 for p in paid if p.uplift and p.declaration_type is DeclarationType.STARTED)

    enabled = terms.uplift_fees_enabled
    return StatementAmounts(
        band_lines=lines,
        flat_rate_lines=flat,
        uplift_count=uplifted(current.billable) if enabled else 0,
        uplift_refunded=uplifted(current.refunds) if enabled else 0,
        uplift_fee=terms.uplift_fee_per_declaration,
        service_fee=service_fee(terms),
        adjustments=sum(current.adjustments, Decimal(0)),
        vat_rate=terms.vat_rate,
    )
