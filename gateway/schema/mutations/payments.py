"""DfE finance's mutations on statements: mark payable, authorise payment, add and remove
adjustments. The rules are in ``gateway.rules.finance``; voiding a declaration is the
shared ``voidDeclaration`` (``gateway.schema.mutations.declarations``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from gateway.models import payments as pm
from gateway.rules import finance as rules
from gateway.schema.base import ctx
from gateway.schema.mutations.base import Arg, Payload, mutation, node_id, perform, rule_clock
from gateway.schema.payments import Statement, StatementAdjustment


def _statement_id(global_id: relay.GlobalID) -> int:
    return node_id(global_id, "Statement", "statementId")


@strawberry.input(description="The statement to act on.")
class StatementActionInput:
    statement_id: relay.GlobalID = strawberry.field(description="The statement (global id).")


@strawberry.input(description="A manual adjustment to an output statement not yet paid.")
class AddStatementAdjustmentInput:
    statement_id: relay.GlobalID = strawberry.field(description="The statement (global id).")
    description: str = strawberry.field(
        description="What it is for, as the provider reads it (1 to 500 characters)."
    )
    amount: Decimal = strawberry.field(
        description='Pounds, e.g. "-250.00": non-zero, at most 1000000 either way, at most '
        "two decimal places. Negative reduces the payment."
    )


@strawberry.input(description="Remove an adjustment from a statement not yet paid.")
class RemoveStatementAdjustmentInput:
    adjustment_id: strawberry.ID = strawberry.field(
        description="The adjustment's id (StatementAdjustment.id)."
    )


@strawberry.type(description="The statement a finance mutation changed.")
class StatementPayload(Payload):
    statement: Statement | None = strawberry.field(
        description="The statement as it is now; null when userErrors says why not."
    )


@strawberry.type(description="The adjustment an addStatementAdjustment made.")
class AddStatementAdjustmentPayload(Payload):
    adjustment: StatementAdjustment | None = strawberry.field(
        description="The new adjustment; null when userErrors says why not."
    )
    statement: Statement | None = strawberry.field(
        description="Its statement as it is now; null when userErrors says why not."
    )


@strawberry.type
class PaymentMutations:
    @mutation(
        "Mark an open statement payable once its deadline has passed (today is after its "
        "deadline date): its eligible declarations become payable."
    )
    async def mark_statement_payable(
        self, info: Info, input: Arg[StatementActionInput]
    ) -> StatementPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> pm.Statement:
            return await rules.mark_payable(
                session,
                c.require_viewer(),
                rule_clock(info),
                statement_id=_statement_id(input.statement_id),
            )

        statement, errors = await perform(c, action)
        return StatementPayload(statement=Statement.maybe(statement), user_errors=errors)

    @mutation(
        "Authorise payment of a payable output statement: its payable declarations become "
        "paid, the declarations it claws back become clawed back, and it becomes paid."
    )
    async def authorise_statement_payment(
        self, info: Info, input: Arg[StatementActionInput]
    ) -> StatementPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> pm.Statement:
            return await rules.authorise_payment(
                session,
                c.require_viewer(),
                rule_clock(info),
                statement_id=_statement_id(input.statement_id),
            )

        statement, errors = await perform(c, action)
        return StatementPayload(statement=Statement.maybe(statement), user_errors=errors)

    @mutation("Add a manual adjustment (plus or minus) to an output statement not yet paid.")
    async def add_statement_adjustment(
        self, info: Info, input: Arg[AddStatementAdjustmentInput]
    ) -> AddStatementAdjustmentPayload:
        c = ctx(info)

        async def action(
            session: AsyncSession,
        ) -> tuple[pm.StatementAdjustment, pm.Statement]:
            return await rules.add_adjustment(
                session,
                c.require_viewer(),
                rule_clock(info),
                statement_id=_statement_id(input.statement_id),
                description=input.description,
                amount=input.amount,
            )

        added, errors = await perform(c, action)
        return AddStatementAdjustmentPayload(
            # The model instance just written: its fields read the same attributes.
            adjustment=StatementAdjustment(row=cast(Any, added[0])) if added else None,
            statement=Statement.maybe(added[1] if added else None),
            user_errors=errors,
        )

    @mutation("Remove an adjustment from a statement not yet paid.")
    async def remove_statement_adjustment(
        self, info: Info, input: Arg[RemoveStatementAdjustmentInput]
    ) -> StatementPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> pm.Statement:
            adjustment_id = node_id(
                relay.GlobalID.from_id(input.adjustment_id)
                if _decodable(input.adjustment_id)
                else relay.GlobalID("", ""),
                "StatementAdjustment",
                "adjustmentId",
            )
            return await rules.remove_adjustment(
                session, c.require_viewer(), rule_clock(info), adjustment_id=adjustment_id
            )

        statement, errors = await perform(c, action)
        return StatementPayload(statement=Statement.maybe(statement), user_errors=errors)


def _decodable(value: str) -> bool:
    try:
        relay.GlobalID.from_id(value)
    except Exception:  # not base64 "Type:id": refused as BAD_ID by node_id
        return False
    return True
