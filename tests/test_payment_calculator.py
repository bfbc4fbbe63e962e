"""The payment calculator against figures worked by hand from DOMAIN.md ("Payments").

Every expected number here is worked out in the comment beside it from the rule, not
taken from the calculator's output.
"""

from __future__ import annotations

import random
from decimal import Decimal

from gateway.models.payments import Band, ContractType
from gateway.models.training import DeclarationType, ParticipantType
from gateway.rules.payments import (
    BandTerms,
    Paid,
    StatementActivity,
    Terms,
    calculate,
    service_fee,
    shown,
)

D = DeclarationType
ECT, MENTOR = ParticipantType.ECT, ParticipantType.MENTOR
OUTPUT, SERVICE = Decimal("0.6"), Decimal("0.4")


def band(name: Band, capacity: int, fee: int, output: Decimal = OUTPUT) -> BandTerms:
    return BandTerms(name, capacity, Decimal(fee), output, 1 - output)


def terms(*bands: BandTerms, **overrides: object) -> Terms:
    values: dict = {
        "contract_type": ContractType.ECF,
        "vat_rate": Decimal("0.2"),
        "recruitment_target": 100,
        "setup_fee": Decimal(0),
        "uplift_fee_per_declaration": Decimal(100),
        "bands": bands or (band(Band.A, 1000, 1000),),
    }
    return Terms(**(values | overrides))


def paid(kind: DeclarationType, n: int = 1, who: ParticipantType = ECT, uplift: bool = False):
    return [Paid(kind, who, uplift)] * n


def output_of(amounts) -> Decimal:
    return amounts.output_fee - amounts.clawbacks


def test_the_thousand_pound_participant() -> None:
    # £1,000 split 40% service / 60% output: started 0.20 × 0.6 × 1000 = £120, each
    # retained 0.15 × 0.6 × 1000 = £90, completed £120, each extension £90.
    t = terms()
    expected = {
        D.STARTED: Decimal(120),
        D.RETAINED_1: Decimal(90),
        D.RETAINED_2: Decimal(90),
        D.RETAINED_3: Decimal(90),
        D.RETAINED_4: Decimal(90),
        D.COMPLETED: Decimal(120),
        D.EXTENDED_1: Decimal(90),
        D.EXTENDED_2: Decimal(90),
        D.EXTENDED_3: Decimal(90),
    }
    for kind, fee in expected.items():
        amounts = calculate(t, [], StatementActivity(billable=paid(kind)))
        assert output_of(amounts) == fee, kind
    whole = calculate(t, [], StatementActivity(billable=[p for k in D for p in paid(k)]))
    # 120 + 4 × 90 + 120 + 3 × 90 = 870
    assert output_of(whole) == Decimal(870)


def test_a_statement_that_crosses_from_band_a_into_band_b() -> None:
    # A holds 2 at £1,000, B 3 at £800. One started declaration was paid before, so this
    # statement's three fill A's last place (0.2 × 0.6 × 1000 = £120) and two of B
    # (0.2 × 0.6 × 800 = £96 each): £312.
    t = terms(band(Band.A, 2, 1000), band(Band.B, 3, 800))
    earlier = [StatementActivity(billable=paid(D.STARTED))]
    amounts = calculate(t, earlier, StatementActivity(billable=paid(D.STARTED, 3)))
    assert output_of(amounts) == Decimal(312)
    assert {(line.band, line.billable) for line in amounts.band_lines} == {(Band.A, 1), (Band.B, 2)}
    # Bands fill per declaration type: a retained-1 still starts in A (0.15 × 0.6 × 1000).
    retained = calculate(t, earlier, StatementActivity(billable=paid(D.RETAINED_1)))
    assert output_of(retained) == Decimal(90)


def test_a_refund_empties_band_b_before_band_a() -> None:
    # Three started paid before: two in A, one in B. Two refunds now come out of B first
    # (£96), then A (£120): £216 clawed back.
    t = terms(band(Band.A, 2, 1000), band(Band.B, 2, 800))
    earlier = [StatementActivity(billable=paid(D.STARTED, 3))]
    amounts = calculate(t, earlier, StatementActivity(refunds=paid(D.STARTED, 2)))
    assert amounts.clawbacks == Decimal(216)
    assert amounts.output_fee == 0
    # Earlier refunds come off before this statement fills: 3 paid, 1 refunded earlier,
    # leaves A full; this statement's one started declaration lands in B (£96).
    earlier.append(StatementActivity(refunds=paid(D.STARTED)))
    after = calculate(t, earlier, StatementActivity(billable=paid(D.STARTED)))
    assert output_of(after) == Decimal(96)


def test_uplift_once_per_declaration_and_only_where_enabled() -> None:
    # Two started declarations at uplifted schools (one of them with both uplifts: still
    # one uplift, the caller folds the two flags into one), one not: 2 × £100 = £200; one
    # refunded uplifted started: −£100. Retained declarations never carry an uplift.
    t = terms(uplift_fees_enabled=True)
    activity = StatementActivity(
        billable=paid(D.STARTED, 2, uplift=True)
        + paid(D.STARTED)
        + paid(D.RETAINED_1, uplift=True),
        refunds=paid(D.STARTED, uplift=True),
    )
    assert calculate(t, [], activity).uplift == Decimal(100)
    off = terms(uplift_fees_enabled=False)
    assert calculate(off, [], activity).uplift == 0


def test_service_fee_from_the_bands_with_the_setup_fee_spread_over_band_a() -> None:
    # DOMAIN.md's worked check: target 100, band A 1–100 at £800 with service ratio 0.40,
    # setup fee £500 → (32,000 − 500) / 29 a month; with target 50 → (16,000 − 250) / 29.
    a = BandTerms(Band.A, 100, Decimal(800), Decimal("0.6"), Decimal("0.4"))
    full = terms(a, recruitment_target=100, setup_fee=Decimal(500))
    half = terms(a, recruitment_target=50, setup_fee=Decimal(500))
    assert service_fee(full) == Decimal(31500) / 29
    assert service_fee(half) == Decimal(15750) / 29
    assert shown(service_fee(full)) == Decimal("1086.21")  # 1086.2068…
    assert shown(service_fee(half)) == Decimal("543.10")  # 543.1034…
    # A target beyond band A fills B too: 100 × 800 × 0.4 + 20 × 700 × 0.4 − 500.
    b = BandTerms(Band.B, 50, Decimal(700), Decimal("0.6"), Decimal("0.4"))
    over = terms(a, b, recruitment_target=120, setup_fee=Decimal(500))
    assert service_fee(over) == (Decimal(32000) + Decimal(5600) - 500) / 29
    # The contract's override wins.
    fixed = terms(a, recruitment_target=100, monthly_service_fee=Decimal("1234.56"))
    assert service_fee(fixed) == Decimal("1234.56")


def test_a_flat_rate_mentor_contract() -> None:
    # ittecf_ectp: mentors at a flat £1,000, half on started and half on completed; they
    # take no place in the bands. Two mentors started, one completed: £1,500. One ECT
    # started in band A at £1,000: £120.
    t = terms(
        contract_type=ContractType.ITTECF_ECTP,
        flat_rate_fee_per_declaration=Decimal(1000),
    )
    activity = StatementActivity(
        billable=paid(D.STARTED, 2, MENTOR) + paid(D.COMPLETED, 1, MENTOR) + paid(D.STARTED)
    )
    amounts = calculate(t, [], activity)
    assert output_of(amounts) == Decimal(1500) + Decimal(120)
    assert sum(line.billable for line in amounts.band_lines) == 1
    # Under an ECF contract the same mentors are paid through the bands.
    ecf = calculate(terms(), [], activity)
    assert output_of(ecf) == 3 * Decimal(120) + Decimal(120)


def test_total_and_vat() -> None:
    # One started (£120) + service fee override £1,000 + adjustment −£20 = £1,100;
    # VAT at 20% £220, total £1,320. A provider that is not VAT registered: £1,100.
    activity = StatementActivity(billable=paid(D.STARTED), adjustments=[Decimal(-20)])
    registered = calculate(terms(monthly_service_fee=Decimal(1000)), [], activity)
    assert (registered.subtotal, registered.vat, registered.total) == (
        Decimal(1100),
        Decimal(220),
        Decimal(1320),
    )
    unregistered = calculate(
        terms(monthly_service_fee=Decimal(1000), vat_rate=Decimal(0)), [], activity
    )
    assert (unregistered.vat, unregistered.total) == (0, Decimal(1100))


def test_no_vat_on_a_negative_subtotal_shows_as_zero_not_minus_zero() -> None:
    # Adjustments of -£500 and nothing else: subtotal -£500; a provider that is not VAT
    # registered owes no VAT, shown "0.00" as every other zero (not "-0.00").
    activity = StatementActivity(adjustments=[Decimal(-500)])
    amounts = calculate(terms(monthly_service_fee=Decimal(0), vat_rate=Decimal(0)), [], activity)
    assert amounts.subtotal == Decimal(-500)
    assert format(shown(amounts.vat), "f") == "0.00"
    assert format(shown(amounts.total), "f") == "-500.00"


def test_output_over_all_statements_is_what_the_surviving_declarations_are_worth() -> None:
    """For random histories, the statements' net output fees add up to the value of the
    declarations still paid (paid minus clawed back), placed into the bands from empty."""
    t = terms(
        band(Band.A, 5, 1000), band(Band.B, 4, 900), band(Band.C, 3, 850), band(Band.D, 2, 800)
    )
    rng = random.Random(20261129)
    for _ in range(300):
        history: list[StatementActivity] = []
        standing: dict[DeclarationType, int] = dict.fromkeys(D, 0)
        total = Decimal(0)
        for _statement in range(rng.randrange(1, 8)):
            billable: list[Paid] = []
            refunds: list[Paid] = []
            for kind in (D.STARTED, D.RETAINED_1, D.COMPLETED):
                added = rng.randrange(0, 6)
                # A refund is of a declaration paid earlier or on this statement.
                taken = rng.randrange(0, standing[kind] + added + 1)
                billable += paid(kind, added)
                refunds += paid(kind, taken)
                standing[kind] += added - taken
            activity = StatementActivity(billable=billable, refunds=refunds)
            total += output_of(calculate(t, history, activity))
            history.append(activity)
        once = calculate(
            t, [], StatementActivity(billable=[p for k, n in standing.items() for p in paid(k, n)])
        )
        assert total == output_of(once)
