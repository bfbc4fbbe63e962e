"""Teachers domain: the teacher and the teacher record source (TRS stand-in)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import (
    Base,
    IdMixin,
    TimestampsMixin,
    domain_table_args,
    enum_column,
    utcnow,
)

DOMAIN = "teachers"


class TRSInductionStatus(enum.StrEnum):
    """Induction status as held by the Teaching Record System."""

    NONE = "None"
    REQUIRED_TO_COMPLETE = "RequiredToComplete"
    IN_PROGRESS = "InProgress"
    PASSED = "Passed"
    FAILED = "Failed"
    EXEMPT = "Exempt"


def trn_check() -> sa.CheckConstraint:
    """TRN is NULL (a trnless teacher, flagged) or exactly seven digits.

    ``ltrim(trn, digits)`` strips every digit; the same SQL works on SQLite and PostgreSQL.
    """
    return sa.CheckConstraint(
        "trn IS NULL OR (length(trn) = 7 AND ltrim(trn, '0123456789') = '')",
        name="trn_seven_digits",
    )


def full_name(trs_first_name: str, trs_last_name: str, corrected_name: str | None) -> str:
    """The name to show: a school's correction wins over the TRS names."""
    return corrected_name or f"{trs_first_name} {trs_last_name}"


class Teacher(IdMixin, TimestampsMixin, Base):
    """A teacher, as the Teaching Record System knows them, plus what schools corrected."""

    __tablename__ = "teachers"
    __table_args__ = domain_table_args(
        DOMAIN,
        trn_check(),
        sa.CheckConstraint("(trn IS NULL) = trnless", name="trnless_flagged"),
        sa.Index("ix_teachers_api_updated_at", "api_updated_at", "id"),
    )

    trn: Mapped[str | None] = mapped_column(sa.String(7), unique=True)
    trnless: Mapped[bool] = mapped_column(default=False)
    trs_first_name: Mapped[str] = mapped_column(sa.String(100))
    trs_last_name: Mapped[str] = mapped_column(sa.String(100))
    corrected_name: Mapped[str | None] = mapped_column(sa.String(200))
    trs_qts_awarded_on: Mapped[dt.date | None]
    trs_induction_status: Mapped[TRSInductionStatus] = mapped_column(
        enum_column(TRSInductionStatus, "trs_induction_status"),
        default=TRSInductionStatus.NONE,
    )
    trs_data_last_refreshed_at: Mapped[dt.datetime | None]
    api_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    api_updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def full_name(self) -> str:
        return full_name(self.trs_first_name, self.trs_last_name, self.corrected_name)


class TeacherRecord(IdMixin, Base):
    """The local stand-in for the Teaching Record System: looked up by TRN and date of birth.

    Date of birth and NI number live only here, the record source, and are never copied
    onto ``teachers`` nor returned by the graph (DOMAIN.md: used only to look a teacher up).
    """

    __tablename__ = "teacher_records"
    __table_args__ = domain_table_args(DOMAIN, trn_check())

    trn: Mapped[str] = mapped_column(sa.String(7), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    date_of_birth: Mapped[dt.date]
    national_insurance_number: Mapped[str | None] = mapped_column(sa.String(9))
    qts_awarded_on: Mapped[dt.date | None]
    induction_status: Mapped[TRSInductionStatus] = mapped_column(
        enum_column(TRSInductionStatus, "trs_record_induction_status"),
        default=TRSInductionStatus.NONE,
    )
