"""The audit trail: every successful mutation writes one event in its own transaction.

An event says who (author type and id: the role and the organisation it acted for, or
the signed-in subject for DfE staff), what (event type), when, on which entities, and
the changed fields as ``{field: [before, after]}``. Values are JSON-safe strings; no
email, date of birth or NI number is ever written here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import audit_author
from gateway.auth.viewer import Role, Viewer
from gateway.models.audit import AuthorType, Event

_AUTHOR_TYPES = {
    Role.SCHOOL_USER: AuthorType.SCHOOL_USER,
    Role.APPROPRIATE_BODY_USER: AuthorType.APPROPRIATE_BODY_USER,
    Role.LEAD_PROVIDER: AuthorType.LEAD_PROVIDER,
    Role.ADMIN: AuthorType.ADMIN,
    Role.FINANCE: AuthorType.FINANCE,
}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 6.00 and 6 read the same: "6"
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def changes(**fields: tuple[Any, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {
        name: [_plain(before), _plain(after)]
        for name, (before, after) in fields.items()
        if before != after
    }


def record(
    session: AsyncSession,
    viewer: Viewer,
    event_type: str,
    happened_at: dt.datetime,
    modifications: dict[str, list[Any]],
    **entities: int | None,
) -> Event:
    """Add the event to the session (written with the mutation's own writes)."""
    event = Event(
        event_type=event_type,
        author_type=_AUTHOR_TYPES[viewer.role],
        author_id=audit_author(viewer),
        happened_at=happened_at,
        modifications=modifications,
        **entities,
    )
    session.add(event)
    return event
