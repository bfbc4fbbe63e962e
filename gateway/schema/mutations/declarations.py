"""Mutations on declarations: a lead provider creates one (idempotent); a lead provider
or DfE finance voids one.

A lead provider acts for itself only: another provider's participant or declaration is
NOT_FOUND, exactly as if absent. Finance may void any declaration. The rules are in
``gateway.rules.declarations``.
"""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from gateway.models import payments as pm
from gateway.rules import declarations as rules
from gateway.schema.base import ctx
from gateway.schema.mutations.base import Arg, Payload, mutation, perform, rule_clock
from gateway.schema.payments import Declaration, DeclarationType


@strawberry.input(description="Declare that a participant training with you reached a point.")
class CreateDeclarationInput:
    participant_id: uuid.UUID = strawberry.field(
        description="The participant's id (the Lead Provider API's participant_id)."
    )
    declaration_type: DeclarationType = strawberry.field(
        description="The point reached: a type of the participant's schedule (mentors in "
        "mentor-funding contract periods: started or completed only)."
    )
    declaration_date: dt.datetime = strawberry.field(
        description="When it was reached, with its zone: not in the future, within the "
        "milestone's window (its start date to its milestone date), before any withdrawal."
    )
    course_identifier: str = strawberry.field(
        description="ecf-induction for an ECT's training, ecf-mentor for a mentor's."
    )
    evidence_held: str | None = strawberry.field(
        default=None,
        description="The evidence you hold (e.g. training-event-attended). Required for "
        "every type but started before the 2025 contract period (where started takes "
        "none), and for every type from 2025, from the participant type's list.",
    )


@strawberry.input(description="Void a declaration: a lead provider its own, DfE finance any.")
class VoidDeclarationInput:
    declaration_id: uuid.UUID = strawberry.field(
        description="The declaration's id (its apiId, the Lead Provider API's id)."
    )


@strawberry.type(description="The declaration a createDeclaration made or found.")
class CreateDeclarationPayload(Payload):
    declaration: Declaration | None = strawberry.field(
        description="The declaration; null when userErrors says why not."
    )
    already_declared: bool = strawberry.field(
        description="True when the same declaration had been made already: it is returned "
        "unchanged and nothing was written (safe to retry)."
    )


@strawberry.type(description="The declaration a voidDeclaration voided.")
class VoidDeclarationPayload(Payload):
    declaration: Declaration | None = strawberry.field(
        description="The declaration as it is now (voided, or awaiting clawback when it "
        "had been paid); null when userErrors says why not."
    )


@strawberry.type
class DeclarationMutations:
    @mutation(
        "Declare that a participant training with you reached a point of training. It is "
        "eligible when the participant is funding-eligible, else submitted, and goes on "
        "your next open output statement. Sending the same declaration again returns the "
        "one already made (alreadyDeclared) and writes nothing."
    )
    async def create_declaration(
        self, info: Info, input: Arg[CreateDeclarationInput]
    ) -> CreateDeclarationPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> rules.Created:
            return await rules.create(
                session,
                c.require_viewer(),
                rule_clock(info),
                participant_id=input.participant_id,
                declaration_type=input.declaration_type,
                declaration_date=input.declaration_date,
                course_identifier=input.course_identifier,
                evidence_held=input.evidence_held,
            )

        created, errors = await perform(c, action)
        return CreateDeclarationPayload(
            declaration=Declaration.maybe(created.declaration if created else None),
            already_declared=created is not None and not created.new,
            user_errors=errors,
        )

    @mutation(
        "Void a declaration (a lead provider its own, DfE finance any): submitted, "
        "eligible or payable becomes voided; paid becomes awaiting clawback on the "
        "declaring provider's next open output statement."
    )
    async def void_declaration(
        self, info: Info, input: Arg[VoidDeclarationInput]
    ) -> VoidDeclarationPayload:
        c = ctx(info)

        async def action(session: AsyncSession) -> pm.Declaration:
            return await rules.void(
                session,
                c.require_viewer(),
                rule_clock(info),
                declaration_id=input.declaration_id,
            )

        declaration, errors = await perform(c, action)
        return VoidDeclarationPayload(
            declaration=Declaration.maybe(declaration), user_errors=errors
        )
