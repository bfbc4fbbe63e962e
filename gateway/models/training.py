"""Training domain: providers, contract periods, partnerships, schedules and training periods."""

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
    period_checks,
)
from gateway.models.inductions import TrainingProgramme

DOMAIN = "training"


class DeclarationType(enum.StrEnum):
    """The points of training a lead provider declares, in order."""

    STARTED = "started"
    RETAINED_1 = "retained-1"
    RETAINED_2 = "retained-2"
    RETAINED_3 = "retained-3"
    RETAINED_4 = "retained-4"
    COMPLETED = "completed"
    EXTENDED_1 = "extended-1"
    EXTENDED_2 = "extended-2"
    EXTENDED_3 = "extended-3"


class ParticipantType(enum.StrEnum):
    """How a teacher trains: as an ECT (ect at school period) or as a mentor."""

    ECT = "ect"
    MENTOR = "mentor"


class WithdrawalReason(enum.StrEnum):
    LEFT_TEACHING_PROFESSION = "left_teaching_profession"
    MOVED_SCHOOL = "moved_school"
    MENTOR_NO_LONGER_BEING_MENTOR = "mentor_no_longer_being_mentor"
    SWITCHED_TO_SCHOOL_LED = "switched_to_school_led"
    CHANGED_LEAD_PROVIDER = "changed_lead_provider"
    OTHER = "other"


class DeferralReason(enum.StrEnum):
    BEREAVEMENT = "bereavement"
    LONG_TERM_SICKNESS = "long_term_sickness"
    PARENTAL_LEAVE = "parental_leave"
    CAREER_BREAK = "career_break"
    OTHER = "other"


SCHEDULE_IDENTIFIERS: tuple[str, ...] = tuple(
    f"ecf-{kind}-{month}"
    for kind in ("standard", "extended", "reduced", "replacement")
    for month in ("january", "april", "september")
)


class LeadProvider(IdMixin, TimestampsMixin, Base):
    __tablename__ = "lead_providers"
    __table_args__ = domain_table_args(DOMAIN)

    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    vat_registered: Mapped[bool] = mapped_column(default=True)
    api_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)


class LeadProviderAPIToken(IdMixin, Base):
    """A lead provider's long-lived API token; only its SHA-256 digest is stored."""

    __tablename__ = "lead_provider_api_tokens"
    __table_args__ = domain_table_args(DOMAIN)

    lead_provider_id: Mapped[int] = mapped_column(sa.ForeignKey("lead_providers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class DeliveryPartner(IdMixin, TimestampsMixin, Base):
    __tablename__ = "delivery_partners"
    __table_args__ = domain_table_args(DOMAIN)

    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    api_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)


class ContractPeriod(TimestampsMixin, Base):
    """A cohort: the contract period that starts in ``year``."""

    __tablename__ = "contract_periods"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.CheckConstraint("year >= 2021", name="year_from_2021"),
        sa.CheckConstraint("finished_on > started_on", name="finishes_after_start"),
    )

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    started_on: Mapped[dt.date]
    finished_on: Mapped[dt.date]
    enabled: Mapped[bool] = mapped_column(default=True)
    payments_frozen_at: Mapped[dt.datetime | None]
    mentor_funding_enabled: Mapped[bool] = mapped_column(default=False)
    uplift_fees_enabled: Mapped[bool] = mapped_column(default=False)


class ActiveLeadProvider(IdMixin, Base):
    """A lead provider contracted for one contract period."""

    __tablename__ = "active_lead_providers"
    __table_args__ = domain_table_args(
        DOMAIN, sa.UniqueConstraint("lead_provider_id", "contract_period_year")
    )

    lead_provider_id: Mapped[int] = mapped_column(sa.ForeignKey("lead_providers.id"))
    contract_period_year: Mapped[int] = mapped_column(
        sa.ForeignKey("contract_periods.year"), index=True
    )


class LeadProviderDeliveryPartnership(IdMixin, TimestampsMixin, Base):
    __tablename__ = "lead_provider_delivery_partnerships"
    __table_args__ = domain_table_args(
        DOMAIN, sa.UniqueConstraint("active_lead_provider_id", "delivery_partner_id")
    )

    active_lead_provider_id: Mapped[int] = mapped_column(sa.ForeignKey("active_lead_providers.id"))
    delivery_partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delivery_partners.id"), index=True
    )


class SchoolPartnership(IdMixin, TimestampsMixin, Base):
    """A school working with a lead provider and delivery partner in one contract period.

    ``contract_period_year`` repeats the year of the delivery partnership so that the
    database itself refuses a second partnership for the same school and year.
    """

    __tablename__ = "school_partnerships"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.UniqueConstraint("school_id", "contract_period_year"),
        sa.Index("ix_school_partnerships_lpdp", "lead_provider_delivery_partnership_id"),
    )

    api_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    school_id: Mapped[int]  # schools domain
    lead_provider_delivery_partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lead_provider_delivery_partnerships.id")
    )
    contract_period_year: Mapped[int] = mapped_column(sa.ForeignKey("contract_periods.year"))


class Schedule(IdMixin, Base):
    __tablename__ = "schedules"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.UniqueConstraint("contract_period_year", "identifier"),
        sa.CheckConstraint(
            "identifier IN (" + ", ".join(f"'{i}'" for i in SCHEDULE_IDENTIFIERS) + ")",
            name="identifier_known",
        ),
    )

    contract_period_year: Mapped[int] = mapped_column(sa.ForeignKey("contract_periods.year"))
    identifier: Mapped[str] = mapped_column(sa.String(40))


class Milestone(IdMixin, Base):
    __tablename__ = "milestones"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.UniqueConstraint("schedule_id", "declaration_type"),
        sa.CheckConstraint(
            "milestone_date IS NULL OR milestone_date >= start_date", name="window_ordered"
        ),
    )

    schedule_id: Mapped[int] = mapped_column(sa.ForeignKey("schedules.id"))
    declaration_type: Mapped[DeclarationType] = mapped_column(
        enum_column(DeclarationType, "milestone_declaration_type")
    )
    start_date: Mapped[dt.date]
    milestone_date: Mapped[dt.date | None]


class TrainingPeriod(IdMixin, TimestampsMixin, Base):
    """Training during one ECT period or one mentor period (exactly one of the two).

    ``teacher_id`` repeats the teacher of that period (it never changes) so that a lead
    provider's participants can be found from training alone. ``lead_provider_id``
    repeats the lead provider of its school partnership or expression of interest (both
    name the same one when both are set; NULL when neither is), so that a provider's
    training is one index range: the writes set it, and triggers refuse any other
    value, whichever side of the relation is written (migration ``training_0005``).
    """

    __tablename__ = "training_periods"
    __table_args__ = domain_table_args(
        DOMAIN,
        *period_checks(),
        sa.CheckConstraint(
            "(ect_at_school_period_id IS NULL) <> (mentor_at_school_period_id IS NULL)",
            name="ect_or_mentor",
        ),
        sa.CheckConstraint(
            "mentor_at_school_period_id IS NULL OR training_programme = 'provider_led'",
            name="mentors_provider_led",
        ),
        sa.CheckConstraint(
            "training_programme <> 'provider_led' OR ((school_partnership_id IS NOT NULL OR "
            "expression_of_interest_id IS NOT NULL) AND schedule_id IS NOT NULL)",
            name="provider_led_needs_partnership_and_schedule",
        ),
        sa.CheckConstraint(
            "training_programme <> 'school_led' OR (school_partnership_id IS NULL AND "
            "expression_of_interest_id IS NULL)",
            name="school_led_has_no_provider",
        ),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawal_reason IS NULL)", name="withdrawal_has_reason"
        ),
        sa.CheckConstraint(
            "(deferred_at IS NULL) = (deferral_reason IS NULL)", name="deferral_has_reason"
        ),
        # A deferred participant may be withdrawn (the latest action wins, and the
        # deferral is kept, as in the real service); a withdrawn one is never deferred.
        sa.CheckConstraint(
            "withdrawn_at IS NULL OR deferred_at IS NULL OR withdrawn_at >= deferred_at",
            name="withdrawn_after_deferral",
        ),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL AND deferred_at IS NULL) OR finished_on IS NOT NULL",
            name="withdrawal_or_deferral_closes",
        ),
        # One open training period per ECT period and per mentor period.
        sa.Index(
            "uq_training_periods_open_ect",
            "ect_at_school_period_id",
            unique=True,
            sqlite_where=sa.text("finished_on IS NULL AND ect_at_school_period_id IS NOT NULL"),
            postgresql_where=sa.text("finished_on IS NULL AND ect_at_school_period_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_training_periods_open_mentor",
            "mentor_at_school_period_id",
            unique=True,
            sqlite_where=sa.text("finished_on IS NULL AND mentor_at_school_period_id IS NOT NULL"),
            postgresql_where=sa.text(
                "finished_on IS NULL AND mentor_at_school_period_id IS NOT NULL"
            ),
        ),
        sa.Index("ix_training_periods_ect", "ect_at_school_period_id", "started_on"),
        sa.Index("ix_training_periods_mentor", "mentor_at_school_period_id", "started_on"),
        sa.Index("ix_training_periods_partnership", "school_partnership_id", "teacher_id"),
        sa.Index("ix_training_periods_eoi", "expression_of_interest_id", "teacher_id"),
        sa.Index("ix_training_periods_teacher", "teacher_id", "started_on"),
        # A lead provider's participants: its range of this index (``policy``), and
        # the probe "does this teacher train with it?" from a page of teachers.
        sa.Index("ix_training_periods_lead_provider", "lead_provider_id", "teacher_id"),
        sa.Index("ix_training_periods_teacher_lead_provider", "teacher_id", "lead_provider_id"),
    )

    api_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    teacher_id: Mapped[int]  # teachers domain
    ect_at_school_period_id: Mapped[int | None]  # schools domain
    mentor_at_school_period_id: Mapped[int | None]  # schools domain
    started_on: Mapped[dt.date]
    finished_on: Mapped[dt.date | None]
    training_programme: Mapped[TrainingProgramme] = mapped_column(
        enum_column(TrainingProgramme, "training_programme")
    )
    school_partnership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("school_partnerships.id")
    )
    expression_of_interest_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("active_lead_providers.id")
    )
    schedule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schedules.id"))
    lead_provider_id: Mapped[int | None]  # of the partnership / expression of interest
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawal_reason: Mapped[WithdrawalReason | None] = mapped_column(
        enum_column(WithdrawalReason, "withdrawal_reason")
    )
    deferred_at: Mapped[dt.datetime | None]
    deferral_reason: Mapped[DeferralReason | None] = mapped_column(
        enum_column(DeferralReason, "deferral_reason")
    )
