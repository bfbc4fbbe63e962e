"""What every mutation shares: one ``input`` argument, a payload with the changed
object and ``userErrors``, and one transaction per mutation field.

``perform`` runs a domain action inside ``Context.transaction()``: a ``Refusal`` (or a
refusal found while reading the input, e.g. a bad id) rolls everything back and comes
back as a user error with a stable code and the input field it is about; success
commits the writes and the audit event together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from gateway.context import Context
from gateway.rules.refusals import Refusal

T = TypeVar("T")

INPUT = strawberry.argument(description="What to change: see the input type's fields.")
"""The description of every mutation's one ``input`` argument (Annotated[XInput, INPUT])."""


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
