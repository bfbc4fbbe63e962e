"""DfE finance's statement workflow: mark a statement payable, authorise its payment, add
or remove an adjustment (DOMAIN.md, "Finance" and the Statement entity). Voiding a
declaration is ``gateway.rules.declarations.void``, shared with lead providers.

Where each rule comes from (the real service is DfE's register-early-career-teachers):
- Payable after the deadline: ``Statements::MarkAsPayable`` picks open statements whose
  ``deadline_date`` is before today and, in one transaction, turns the statement's
  eligible payment declarations payable and the statement payable. Any fee type (the
  real job does not filter it).
- Authorising payment: ``Statements::AuthorisePayment`` and
  ``Statement#can_authorise_payment?``: an output statement, payable, not yet marked as
  paid, with something outstanding (a payable declaration on it or an awaiting-clawback
  declaration it claws back), deadline before today (payable implies it). The payment
  date need NOT have come: the real service does not check it (finance authorises
  before the money leaves). DOMAIN.md ("Finance") then has payable declarations become
  paid, awaiting-clawback ones clawed back and the statement paid, in the same
  transaction (the real service does the declarations in a later job).
- Adjustments: ``Statement#adjustment_editable?``: output statements that are not paid;
  DOMAIN.md: non-zero, at most £1,000,000 either way. Removal is refused on a paid
  statement only (whatever its fee type, so one put on a service statement by the
  calendar can still be taken off before payment).

Decisions where the sources were silent (also in the README):
- An amount is pounds with at most two decimal places: 12.345 is refused, not rounded
  (finance typed it; a silent rounding would change the total they meant). 12.50 and
  12.500 are the same amount.
- Every change moves ``updated_at`` of the statement and of each declaration it changes
  (lead providers sync both by it). Teachers' stamps do not move: a declaration's state
  is not part of the participant record.
- One audit event per statement change, and one per declaration whose state changed,
  as the real service records ``statement_marked_payable`` and
  ``teacher_declaration_marked_payable``.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import Scope
from gateway.auth.viewer import Viewer
from gateway.models import payments as pm
from gateway.rules import audit
from gateway.rules.common import Clock
from gateway.rules.refusals import Refusal, not_found

MAX_ADJUSTMENT = Decimal(1_000_000)
"""The largest adjustment either way, in pounds (DOMAIN.md, the Statement entity)."""

DESCRIPTION_MAX = 500
"""The description column's length."""

PENNY = Decimal("0.01")


def _name(statement: pm.Statement) -> str:
    return f"the {statement.year}-{statement.month:02d} statement"


async def _statement(
    session: AsyncSession, viewer: Viewer, clock: Clock, statement_id: int, field: str
) -> pm.Statement:
    """The statement, locked for this transaction: two finance users acting on one
    statement at once wait for each other instead of both passing the checks."""
    statement = await session.scalar(
        Scope(viewer, clock.today)
        .select(pm.Statement)
        .where(pm.Statement.id == statement_id)
        .with_for_update()
    )
    if statement is None:
        raise not_found(field, "statement")
    return statement


async def _declarations(
    session: AsyncSession, viewer: Viewer, clock: Clock, *where: sa.ColumnElement[bool]
) -> list[pm.Declaration]:
    stmt = (
        Scope(viewer, clock.today)
        .select(pm.Declaration)
        .where(*where)
        .order_by(pm.Declaration.id)
        .with_for_update()
    )
    return list((await session.scalars(stmt)).all())


def _record_declaration(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    event_type: str,
    declaration: pm.Declaration,
    statement: pm.Statement,
    **fields: tuple[object, object],
) -> None:
    audit.record(
        session,
        viewer,
        event_type,
        clock.now,
        audit.changes(**fields),
        teacher_id=declaration.teacher_id,
        lead_provider_id=declaration.lead_provider_id,
        training_period_id=declaration.training_period_id,
        declaration_id=declaration.id,
        statement_id=statement.id,
    )


# -- payable ------------------------------------------------------------------------------


async def mark_payable(
    session: AsyncSession, viewer: Viewer, clock: Clock, *, statement_id: int
) -> pm.Statement:
    """An open statement whose deadline has passed (today after ``deadline_date``)
    becomes payable, and so do its eligible declarations (``Statements::MarkAsPayable``).
    Submitted declarations on it stay submitted."""
    statement = await _statement(session, viewer, clock, statement_id, "statementId")
    if statement.status is not pm.StatementStatus.OPEN:
        raise Refusal(
            "STATEMENT_NOT_OPEN",
            "statementId",
            f"{_name(statement).capitalize()} is already {statement.status.value}: only an "
            "open statement can be marked payable.",
        )
    if clock.today <= statement.deadline_date:
        raise Refusal(
            "DEADLINE_NOT_PASSED",
            "statementId",
            f"{_name(statement).capitalize()} takes declarations until its deadline, "
            f"{statement.deadline_date}: mark it payable from the day after.",
        )
    declarations = await _declarations(
        session,
        viewer,
        clock,
        pm.Declaration.payment_statement_id == statement.id,
        pm.Declaration.payment_status == pm.PaymentStatus.ELIGIBLE,
    )
    for declaration in declarations:
        declaration.payment_status = pm.PaymentStatus.PAYABLE
        declaration.updated_at = clock.now
        _record_declaration(
            session,
            viewer,
            clock,
            "declaration_marked_payable",
            declaration,
            statement,
            payment_status=(pm.PaymentStatus.ELIGIBLE, pm.PaymentStatus.PAYABLE),
        )
    statement.status = pm.StatementStatus.PAYABLE
    statement.updated_at = clock.now
    await session.flush()
    audit.record(
        session,
        viewer,
        "statement_marked_payable",
        clock.now,
        audit.changes(
            status=(pm.StatementStatus.OPEN, pm.StatementStatus.PAYABLE),
            declarations_made_payable=(None, str(len(declarations))),
        ),
        lead_provider_id=statement.lead_provider_id,
        statement_id=statement.id,
    )
    return statement


# -- paid ---------------------------------------------------------------------------------


async def authorise_payment(
    session: AsyncSession, viewer: Viewer, clock: Clock, *, statement_id: int
) -> pm.Statement:
    """Authorise payment of a payable output statement (``Statements::AuthorisePayment``):
    its payable declarations become paid, the awaiting-clawback declarations it claws
    back become clawed back, and the statement becomes paid, marked as paid now."""
    statement = await _statement(session, viewer, clock, statement_id, "statementId")
    match statement.status:
        case pm.StatementStatus.OPEN:
            raise Refusal(
                "STATEMENT_NOT_PAYABLE",
                "statementId",
                f"{_name(statement).capitalize()} is still open: mark it payable (after its "
                f"deadline, {statement.deadline_date}) before authorising payment.",
            )
        case pm.StatementStatus.PAID:
            raise Refusal(
                "STATEMENT_ALREADY_PAID",
                "statementId",
                f"Payment of {_name(statement)} was authorised already"
                + (
                    f" on {statement.marked_as_paid_at.date()}"
                    if statement.marked_as_paid_at
                    else ""
                )
                + ": there is nothing more to authorise.",
            )
        case pm.StatementStatus.PAYABLE:
            pass
    if statement.fee_type is not pm.FeeType.OUTPUT:
        raise Refusal(
            "NOT_OUTPUT_STATEMENT",
            "statementId",
            f"{_name(statement).capitalize()} is a service fee statement: payment is "
            "authorised on output statements only.",
        )
    payable = await _declarations(
        session,
        viewer,
        clock,
        pm.Declaration.payment_statement_id == statement.id,
        pm.Declaration.payment_status == pm.PaymentStatus.PAYABLE,
    )
    clawbacks = await _declarations(
        session,
        viewer,
        clock,
        pm.Declaration.clawback_statement_id == statement.id,
        pm.Declaration.clawback_status == pm.ClawbackStatus.AWAITING_CLAWBACK,
    )
    if not payable and not clawbacks:
        raise Refusal(
            "NOTHING_TO_PAY",
            "statementId",
            f"{_name(statement).capitalize()} has no payable declarations and claws "
            "nothing back, so there is no payment to authorise.",
        )
    for declaration in payable:
        declaration.payment_status = pm.PaymentStatus.PAID
        declaration.updated_at = clock.now
        _record_declaration(
            session,
            viewer,
            clock,
            "declaration_paid",
            declaration,
            statement,
            payment_status=(pm.PaymentStatus.PAYABLE, pm.PaymentStatus.PAID),
        )
    for declaration in clawbacks:
        declaration.clawback_status = pm.ClawbackStatus.CLAWED_BACK
        declaration.updated_at = clock.now
        _record_declaration(
            session,
            viewer,
            clock,
            "declaration_clawed_back",
            declaration,
            statement,
            clawback_status=(pm.ClawbackStatus.AWAITING_CLAWBACK, pm.ClawbackStatus.CLAWED_BACK),
        )
    statement.status = pm.StatementStatus.PAID
    statement.marked_as_paid_at = clock.now
    statement.updated_at = clock.now
    await session.flush()
    audit.record(
        session,
        viewer,
        "statement_authorised_for_payment",
        clock.now,
        audit.changes(
            status=(pm.StatementStatus.PAYABLE, pm.StatementStatus.PAID),
            marked_as_paid_at=(None, clock.now.isoformat()),
            declarations_paid=(None, str(len(payable))),
            declarations_clawed_back=(None, str(len(clawbacks))),
        ),
        lead_provider_id=statement.lead_provider_id,
        statement_id=statement.id,
    )
    return statement


# -- adjustments --------------------------------------------------------------------------


def _check_not_paid(statement: pm.Statement, field: str) -> None:
    if statement.status is pm.StatementStatus.PAID:
        raise Refusal(
            "STATEMENT_PAID",
            field,
            f"{_name(statement).capitalize()} has been paid, so its adjustments can no "
            "longer change: make the adjustment on the next open or payable statement.",
        )


def adjustment_amount(amount: Decimal) -> Decimal:
    """The amount as stored (to the penny), or a refusal naming ``amount``."""
    if not amount.is_finite():
        raise Refusal("INVALID_AMOUNT", "amount", 'Give the amount in pounds, e.g. "-250.00".')
    if amount == 0:
        raise Refusal(
            "AMOUNT_ZERO",
            "amount",
            "An adjustment of £0 changes nothing: give a positive amount to pay more or a "
            "negative one to pay less.",
        )
    if abs(amount) > MAX_ADJUSTMENT:
        raise Refusal(
            "AMOUNT_OUT_OF_RANGE",
            "amount",
            f"£{amount:f} is beyond the limit: an adjustment is at most £1,000,000 either way "
            "(from -1000000.00 to 1000000.00).",
        )
    pennies = amount.quantize(PENNY)
    if pennies != amount:
        raise Refusal(
            "AMOUNT_TOO_PRECISE",
            "amount",
            f"£{amount:f} has more than two decimal places: give pounds and pence, e.g. "
            f'"{pennies:f}".',
        )
    return pennies


def adjustment_description(description: str) -> str:
    text = description.strip()
    if not text:
        raise Refusal(
            "DESCRIPTION_REQUIRED",
            "description",
            "Say what the adjustment is for, as the provider will read it on the statement.",
        )
    if len(text) > DESCRIPTION_MAX:
        raise Refusal(
            "DESCRIPTION_TOO_LONG",
            "description",
            f"The description has {len(text)} characters: keep it to {DESCRIPTION_MAX}.",
        )
    return text


async def add_adjustment(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    statement_id: int,
    description: str,
    amount: Decimal,
) -> tuple[pm.StatementAdjustment, pm.Statement]:
    """Add a manual adjustment (± amount) to an output statement not yet paid; returns
    it and its statement."""
    text = adjustment_description(description)
    pennies = adjustment_amount(amount)
    statement = await _statement(session, viewer, clock, statement_id, "statementId")
    _check_not_paid(statement, "statementId")
    if statement.fee_type is not pm.FeeType.OUTPUT:
        raise Refusal(
            "NOT_OUTPUT_STATEMENT",
            "statementId",
            f"{_name(statement).capitalize()} is a service fee statement: adjustments go "
            "on output statements.",
        )
    adjustment = pm.StatementAdjustment(
        statement_id=statement.id,
        description=text,
        amount=pennies,
        created_at=clock.now,
        updated_at=clock.now,
    )
    session.add(adjustment)
    statement.updated_at = clock.now  # its total changes
    await session.flush()
    audit.record(
        session,
        viewer,
        "statement_adjustment_added",
        clock.now,
        audit.changes(description=(None, text), amount=(None, pennies)),
        lead_provider_id=statement.lead_provider_id,
        statement_id=statement.id,
    )
    return adjustment, statement


async def remove_adjustment(
    session: AsyncSession, viewer: Viewer, clock: Clock, *, adjustment_id: int
) -> pm.Statement:
    """Remove an adjustment from a statement not yet paid; returns the statement."""
    adjustment = await session.scalar(
        Scope(viewer, clock.today)
        .select(pm.StatementAdjustment)
        .where(pm.StatementAdjustment.id == adjustment_id)
        .with_for_update()
    )
    if adjustment is None:
        raise not_found("adjustmentId", "adjustment")
    statement = await _statement(session, viewer, clock, adjustment.statement_id, "adjustmentId")
    _check_not_paid(statement, "adjustmentId")
    before = (adjustment.description, adjustment.amount)
    await session.delete(adjustment)
    statement.updated_at = clock.now
    await session.flush()
    audit.record(
        session,
        viewer,
        "statement_adjustment_removed",
        clock.now,
        audit.changes(description=(before[0], None), amount=(before[1], None)),
        lead_provider_id=statement.lead_provider_id,
        statement_id=statement.id,
    )
    return statement
