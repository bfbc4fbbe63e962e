"""Teachers domain: the teacher and the teacher record source (TRS stand-in)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

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


class MentorIneligibilityReason(enum.StrEnum):
    """Why a mentor is not funded (the real service's three reasons)."""

    COMPLETED_DECLARATION_RECEIVED = "completed_declaration_received"
    COMPLETED_DURING_EARLY_ROLL_OUT = "completed_during_early_roll_out"
    STARTED_NOT_COMPLETED = "started_not_completed"


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


def full_name_sql(trs_first_name: Any, trs_last_name: Any, corrected_name: Any) -> Any:
    """``full_name`` in SQL over a teacher's columns (an empty correction does not win)."""
    return sa.case(
        (sa.and_(corrected_name.is_not(None), corrected_name != ""), corrected_name),
        else_=trs_first_name + " " + trs_last_name,
    )


class Teacher(IdMixin, TimestampsMixin, Base):
    """A teacher, as the Teaching Record System knows them, plus what schools corrected."""

    __tablename__ = "teachers"
    __table_args__ = domain_table_args(
        DOMAIN,
        trn_check(),
        sa.CheckConstraint("(trn IS NULL) = trnless", name="trnless_flagged"),
        sa.Index("ix_teachers_api_updated_at", "api_updated_at", "id"),
        sa.CheckConstraint(
            "(mentor_became_ineligible_for_funding_on IS NULL) = "
            "(mentor_became_ineligible_for_funding_reason IS NULL)",
            name="mentor_ineligibility_has_reason",
        ),
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
    # The Lead Provider API's training record id: one per teacher and participant type,
    # so it survives a training period being replaced (resume, change of provider).
    api_ect_training_record_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    api_mentor_training_record_id: Mapped[uuid.UUID] = mapped_column(
        unique=True, default=uuid.uuid4
    )
    # Funding eligibility is a stored fact per participant type, set once and never
    # unset (gateway/rules/funding.py): the real service's
    # ``{ect,mentor}_first_became_eligible_for_training_at``.
    ect_first_became_eligible_for_funding_at: Mapped[dt.datetime | None]
    mentor_first_became_eligible_for_funding_at: Mapped[dt.datetime | None]
    mentor_became_ineligible_for_funding_on: Mapped[dt.date | None]
    mentor_became_ineligible_for_funding_reason: Mapped[MentorIneligibilityReason | None] = (
        mapped_column(enum_column(MentorIneligibilityReason, "mentor_ineligibility_reason"))
    )
    # The cohort the participant's payments were frozen in, when they were moved to a
    # new cohort after that (the API's ``cohort_changed_after_payments_frozen``).
    ect_payments_frozen_year: Mapped[int | None]
    mentor_payments_frozen_year: Mapped[int | None]

    @property
    def full_name(self) -> str:
        return full_name(self.trs_first_name, self.trs_last_name, self.corrected_name)


class TeacherIdChange(IdMixin, Base):
    """A participant id that was replaced (duplicate teachers merged): lead providers
    follow ``api_from_teacher_id`` to ``api_to_teacher_id`` (API: participant id changes)."""

    __tablename__ = "teacher_id_changes"
    __table_args__ = domain_table_args(DOMAIN)

    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("teachers.id"), index=True)
    api_from_teacher_id: Mapped[uuid.UUID] = mapped_column(index=True)
    api_to_teacher_id: Mapped[uuid.UUID] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


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
