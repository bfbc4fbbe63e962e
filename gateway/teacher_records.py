"""The teacher record source: look a teacher up by TRN and date of birth.

The real source is the Teaching Record System (TRS) API; ``LocalTeacherRecordSource``
answers from the seeded ``teacher_records`` table. Registration and claims depend only
on ``TeacherRecordSource``. Date of birth is only compared, never returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import domain_read
from gateway.models.teachers import TeacherRecord, TRSInductionStatus


@dataclass(frozen=True)
class TeacherRecordResult:
    """What the record source tells about a teacher (no date of birth, no NI number)."""

    trn: str
    first_name: str
    last_name: str
    qts_awarded_on: dt.date | None
    induction_status: TRSInductionStatus


class TeacherRecordSource(Protocol):
    async def find(self, trn: str, date_of_birth: dt.date) -> TeacherRecordResult | None:
        """The record whose TRN and date of birth both match, else None."""
        ...


class LocalTeacherRecordSource:
    """Answers from the ``teacher_records`` table (development, tests, demo)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, trn: str, date_of_birth: dt.date) -> TeacherRecordResult | None:
        row = await self.session.scalar(
            domain_read(
                sa.select(TeacherRecord).where(
                    TeacherRecord.trn == trn, TeacherRecord.date_of_birth == date_of_birth
                ),
                "the record source: only a record matching both TRN and date of birth",
            )
        )
        if row is None:
            return None
        return TeacherRecordResult(
            trn=row.trn,
            first_name=row.first_name,
            last_name=row.last_name,
            qts_awarded_on=row.qts_awarded_on,
            induction_status=row.induction_status,
        )
