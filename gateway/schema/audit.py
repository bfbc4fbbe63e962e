"""The audit trail in the graph: who did what to a teacher, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.scalars import JSON

from gateway.models import audit as am
from gateway.schema.base import gql_enum

AuthorType = am.AuthorType
gql_enum(
    am.AuthorType,
    "AuthorType",
    "Who made a change.",
    {
        am.AuthorType.SCHOOL_USER: "A school user.",
        am.AuthorType.APPROPRIATE_BODY_USER: "An appropriate body user.",
        am.AuthorType.LEAD_PROVIDER: "A lead provider's system.",
        am.AuthorType.ADMIN: "DfE admin.",
        am.AuthorType.FINANCE: "DfE finance.",
        am.AuthorType.SYSTEM: "The service itself.",
    },
)


@strawberry.type(description="One change in a teacher's timeline.")
class Event:
    row: strawberry.Private[Any]
    event_type: str = strawberry.field(description="What happened (e.g. induction_passed).")
    happened_at: dt.datetime = strawberry.field(description="When.")
    author_type: AuthorType = strawberry.field(description="Who: the kind of user.")
    author_id: str | None = strawberry.field(
        description="Who: the organisation acted for (e.g. appropriate_body:4), or the DfE "
        "user's subject."
    )

    @strawberry.field(description="The changed fields: {field: [before, after]}.")
    def modifications(self) -> JSON:
        return self.row.modifications

    @classmethod
    def from_row(cls, row: Any) -> Event:
        return cls(
            row=row,
            event_type=row.event_type,
            happened_at=row.happened_at,
            author_type=row.author_type,
            author_id=row.author_id,
        )
