"""What the domain rules share: the request's time, the stale-update check, and moving
a teacher's "updated since" stamp."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import teachers as tm
from gateway.rules.refusals import Refusal


@dataclass(frozen=True)
class Clock:
    """What a rule needs to know about time: the request's date and instant."""

    today: dt.date
    now: dt.datetime


def check_not_stale(updated_at: dt.datetime, expected: dt.datetime, what: str) -> None:
    """Refuse a change to a row that changed since the caller read it (``expected`` is
    the ``updatedAt`` the caller read), rather than silently overwrite that change."""
    if expected.tzinfo is None:
        raise Refusal(
            "STALE_UPDATE",
            "expectedUpdatedAt",
            "Send updatedAt exactly as you read it, with its zone (e.g. ...+00:00).",
        )
    if updated_at != expected:
        raise Refusal(
            "STALE_UPDATE",
            "expectedUpdatedAt",
            f"{what} changed at {updated_at.isoformat()}, after you read it: read it again "
            "and send the new updatedAt.",
        )


async def touch_teacher(session: AsyncSession, teacher_id: int, now: dt.datetime) -> None:
    """What lead providers see about the teacher changed: "updated since" moves on."""
    await session.execute(
        sa.update(tm.Teacher).where(tm.Teacher.id == teacher_id).values(api_updated_at=now)
    )
