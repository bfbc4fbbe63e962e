"""Inductions domain: appropriate bodies, induction periods and extensions."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import (
    Base,
    IdMixin,
    TimestampsMixin,
    domain_table_args,
    enum_column,
    open_period,
    period_checks,
)

DOMAIN = "inductions"

Terms = sa.Numeric(4, 2, asdecimal=True)
"""Number of terms: one decimal place, held at two so that a second one is refused, not rounded."""


class AppropriateBodyType(enum.StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    NATIONAL = "national"
    TEACHING_SCHOOL_HUB = "teaching_school_hub"


class InductionOutcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"


class TrainingProgramme(enum.StrEnum):
    PROVIDER_LED = "provider_led"
    SCHOOL_LED = "school_led"


class AppropriateBody(IdMixin, TimestampsMixin, Base):
    __tablename__ = "appropriate_bodies"
    __table_args__ = domain_table_args(DOMAIN)

    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    type: Mapped[AppropriateBodyType] = mapped_column(
        enum_column(AppropriateBodyType, "appropriate_body_type")
    )


class InductionPeriod(IdMixin, TimestampsMixin, Base):
    """A teacher's induction supervised by one appropriate body."""

    __tablename__ = "induction_periods"
    __table_args__ = domain_table_args(
        DOMAIN,
        *period_checks(),
        sa.CheckConstraint(
            "number_of_terms IS NULL OR (number_of_terms >= 0 AND number_of_terms <= 16)",
            name="number_of_terms_range",
        ),
        # One decimal place. PostgreSQL's numeric(3,1) would round silently; SQLite keeps
        # what it is given. Refused on both instead.
        sa.CheckConstraint(
            "number_of_terms IS NULL OR number_of_terms = round(number_of_terms, 1)",
            name="number_of_terms_one_decimal",
        ),
        sa.CheckConstraint(
            "finished_on IS NULL OR number_of_terms IS NOT NULL",
            name="finished_needs_number_of_terms",
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR finished_on IS NOT NULL", name="outcome_needs_finish"
        ),
        # One outcome (pass or fail) per teacher, ever.
        sa.Index(
            "uq_induction_periods_outcome_teacher",
            "teacher_id",
            unique=True,
            sqlite_where=sa.text("outcome IS NOT NULL"),
            postgresql_where=sa.text("outcome IS NOT NULL"),
        ),
        # Periods never overlap, so at most one is open.
        sa.Index(
            "uq_induction_periods_open_teacher",
            "teacher_id",
            unique=True,
            sqlite_where=open_period(),
            postgresql_where=open_period(),
        ),
        sa.Index("ix_induction_periods_teacher", "teacher_id", "started_on"),
        sa.Index(
            "ix_induction_periods_appropriate_body",
            "appropriate_body_id",
            "finished_on",
            "started_on",
        ),
    )

    teacher_id: Mapped[int]  # teachers domain
    appropriate_body_id: Mapped[int] = mapped_column(sa.ForeignKey("appropriate_bodies.id"))
    started_on: Mapped[dt.date]
    finished_on: Mapped[dt.date | None]
    number_of_terms: Mapped[Decimal | None] = mapped_column(Terms)
    outcome: Mapped[InductionOutcome | None] = mapped_column(
        enum_column(InductionOutcome, "induction_outcome")
    )
    training_programme: Mapped[TrainingProgramme] = mapped_column(
        enum_column(TrainingProgramme, "induction_training_programme")
    )


class InductionExtension(IdMixin, TimestampsMixin, Base):
    __tablename__ = "induction_extensions"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.CheckConstraint(
            "number_of_terms >= 0.1 AND number_of_terms <= 16", name="number_of_terms_range"
        ),
        sa.CheckConstraint(
            "number_of_terms = round(number_of_terms, 1)", name="number_of_terms_one_decimal"
        ),
    )

    teacher_id: Mapped[int] = mapped_column(index=True)  # teachers domain
    number_of_terms: Mapped[Decimal] = mapped_column(Terms)
