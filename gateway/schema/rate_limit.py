"""The `rateLimit` root field: where the caller's budget of cost points stands, as
GitHub's `rateLimit` does. Answers without credentials (anonymous callers have a budget
per address)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from gateway.schema.base import ctx


@strawberry.type(
    description="Your rate limit, in cost points (the README's Limits section has the rules)."
)
class RateLimit:
    limit: int = strawberry.field(description="Points your budget holds when full.")
    cost: int = strawberry.field(
        description="This request's estimated cost, taken before it ran (settled to its "
        "actual cost afterwards: see extensions.cost)."
    )
    remaining: int = strawberry.field(description="Points left once this request's cost was taken.")
    restore_rate: int = strawberry.field(description="Points your budget regains each second.")
    reset_at: dt.datetime = strawberry.field(
        description="When your budget is full again if you send nothing more."
    )


def resolve_rate_limit(info: Info) -> RateLimit | None:
    context = ctx(info)
    request = context.limits
    if request is None or request.state is None or request.limits is None:
        return None  # not over HTTP (no bucket was asked)
    state = request.state
    return RateLimit(
        limit=request.limits.bucket,
        cost=max(1, request.requested),
        remaining=state.remaining,
        restore_rate=request.limits.restore_rate,
        reset_at=context.now + dt.timedelta(seconds=state.reset_after),
    )
