"""What every mutation shares: one ``input`` argument, a payload with the changed
object and ``userErrors``, and one transaction per mutation field.

``perform`` runs a domain action inside ``Context.transaction()``: a ``Refusal`` (or a
refusal found while reading the input, e.g. a bad id) rolls everything back and comes
back as a user error with a stable code and the input field it is about; success
commits the writes and the audit event together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.permission import BasePermission
from strawberry.types import Info

from gateway.auth import policy
from gateway.auth.errors import ForbiddenError
from gateway.context import Context
from gateway.rules.common import Clock
from gateway.rules.refusals import Refusal
from gateway.schema.base import ctx

T = TypeVar("T")


class MayCall(BasePermission):
    """The caller's role may call this mutation (``policy.ACTIONS``; unlisted: nobody)."""

    message = "Your role may not do this."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not policy.may_call(ctx(info).require_viewer(), info.field_name):
            raise ForbiddenError(f"Your role may not call {info.field_name}.")
        return True


def mutation(description: str) -> Any:
    """A mutation field that only the roles ``policy.ACTIONS`` names may call."""
    return strawberry.mutation(description=description, permission_classes=[MayCall])


Arg = Annotated[T, strawberry.argument(description="What to change: see the input type's fields.")]
"""Every mutation's one ``input`` argument, described (``input: Arg[XInput]``)."""


@strawberry.type(description="Why a mutation changed nothing: one per problem found.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the input field at fault (e.g. ['input', 'startedOn']); null "
        "when the problem is not one field's."
    )
    message: str = strawberry.field(description="What was wrong and what would be right.")
    code: str = strawberry.field(
        description="Stable code to branch on (e.g. CLAIMED_BY_ANOTHER_BODY, NOT_FOUND)."
    )


@strawberry.type(description="What every mutation returns beside its object.")
class Payload:
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success."
    )


def rule_clock(info: Info) -> Clock:
    """The request's time, as the domain rules take it."""
    c = ctx(info)
    return Clock(today=c.today, now=c.now)


def user_error(refusal: Refusal) -> UserError:
    field = ["input", refusal.field] if refusal.field else None
    return UserError(field=field, message=refusal.message, code=refusal.code)


async def perform(
    ctx: Context, action: Callable[[AsyncSession], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Run ``action`` as one transaction: (its result, []) or (None, [the refusal])."""
    try:
        async with ctx.transaction() as session:
            return await action(session), []
    except Refusal as refusal:
        return None, [user_error(refusal)]


def node_id(global_id: relay.GlobalID, type_name: str, field: str) -> int:
    """The primary key inside a global id of ``type_name``, or a refusal naming ``field``."""
    if global_id.type_name != type_name or not global_id.node_id.isdigit():
        raise Refusal("BAD_ID", field, f"Expected the global id of a {type_name}.")
    return int(global_id.node_id)
