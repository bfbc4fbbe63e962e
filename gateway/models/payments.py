"""Payments domain: contracts and their fee structures, statements, declarations."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import (
    Base,
    IdMixin,
    Ratio,
    TimestampsMixin,
    domain_table_args,
    enum_column,
)
from gateway.models.training import DeclarationType, ParticipantType

DOMAIN = "payments"


class ContractType(enum.StrEnum):
    ECF = "ecf"
    ITTECF_ECTP = "ittecf_ectp"


class Band(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class StatementStatus(enum.StrEnum):
    OPEN = "open"
    PAYABLE = "payable"
    PAID = "paid"


class FeeType(enum.StrEnum):
    OUTPUT = "output"
    SERVICE = "service"


OUTPUT_FEE_MONTHS = frozenset({1, 4, 8, 11})
"""The months the seed gives output statements: usual, not a rule (the fee type is
stored and set by finance when the calendar is made)."""


class PaymentStatus(enum.StrEnum):
    NO_PAYMENT = "no_payment"
    ELIGIBLE = "eligible"
    PAYABLE = "payable"
    PAID = "paid"
    VOIDED = "voided"


class ClawbackStatus(enum.StrEnum):
    NO_CLAWBACK = "no_clawback"
    AWAITING_CLAWBACK = "awaiting_clawback"
    CLAWED_BACK = "clawed_back"


class EvidenceType(enum.StrEnum):
    TRAINING_EVENT_ATTENDED = "training-event-attended"
    SELF_STUDY_MATERIAL_COMPLETED = "self-study-material-completed"
    MATERIALS_ENGAGED_WITH_OFFLINE = "materials-engaged-with-offline"
    SEVENTY_FIVE_PERCENT_ENGAGEMENT_MET = "75-percent-engagement-met"
    SEVENTY_FIVE_PERCENT_ENGAGEMENT_MET_REDUCED = "75-percent-engagement-met-reduced-induction"
    ONE_TERM_INDUCTION = "one-term-induction"
    OTHER = "other"


BILLABLE_OR_PENDING = (
    PaymentStatus.NO_PAYMENT,
    PaymentStatus.ELIGIBLE,
    PaymentStatus.PAYABLE,
    PaymentStatus.PAID,
)
"""Payment statuses of a declaration that is or will be paid (while not clawed back)."""

BILLABLE_OR_PENDING_SQL = (
    "payment_status IN ('no_payment', 'eligible', 'payable', 'paid') "
    "AND clawback_status = 'no_clawback'"
)
"""A declaration that counts as a duplicate: is or will be paid, no clawback."""


class Contract(IdMixin, TimestampsMixin, Base):
    """A lead provider's contract for one contract period.

    ``lead_provider_id`` and ``contract_period_year`` repeat the active lead provider's
    (they never change) so that payments can be scoped without reaching into training.
    """

    __tablename__ = "contracts"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.CheckConstraint("vat_rate IN (0, 0.2)", name="vat_rate_known"),
        sa.Index("ix_contracts_lead_provider", "lead_provider_id", "contract_period_year"),
    )

    active_lead_provider_id: Mapped[int] = mapped_column(unique=True)  # training domain
    lead_provider_id: Mapped[int]
    contract_period_year: Mapped[int]
    contract_type: Mapped[ContractType] = mapped_column(enum_column(ContractType, "contract_type"))
    vat_rate: Mapped[Decimal] = mapped_column(sa.Numeric(3, 2, asdecimal=True))


class BandedFeeStructure(IdMixin, Base):
    __tablename__ = "banded_fee_structures"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.CheckConstraint("recruitment_target > 0", name="recruitment_target_positive"),
        sa.CheckConstraint("setup_fee >= 0", name="setup_fee_not_negative"),
        sa.CheckConstraint(
            "monthly_service_fee IS NULL OR monthly_service_fee >= 0",
            name="monthly_service_fee_not_negative",
        ),
        sa.CheckConstraint("uplift_fee_per_declaration >= 0", name="uplift_fee_not_negative"),
    )

    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), unique=True)
    recruitment_target: Mapped[int]
    setup_fee: Mapped[Decimal]
    monthly_service_fee: Mapped[Decimal | None]
    uplift_fee_per_declaration: Mapped[Decimal]


class FeeBand(IdMixin, Base):
    """One band (A to D, filled in that order) of a banded fee structure."""

    __tablename__ = "fee_bands"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.UniqueConstraint("banded_fee_structure_id", "band"),
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("fee_per_declaration >= 0", name="fee_not_negative"),
        sa.CheckConstraint(
            "output_fee_ratio >= 0 AND output_fee_ratio <= 1", name="output_fee_ratio_range"
        ),
        sa.CheckConstraint(
            "service_fee_ratio >= 0 AND service_fee_ratio <= 1", name="service_fee_ratio_range"
        ),
        sa.CheckConstraint("output_fee_ratio + service_fee_ratio = 1", name="ratios_sum_to_one"),
    )

    banded_fee_structure_id: Mapped[int] = mapped_column(sa.ForeignKey("banded_fee_structures.id"))
    band: Mapped[Band] = mapped_column(enum_column(Band, "fee_band"))
    capacity: Mapped[int]
    fee_per_declaration: Mapped[Decimal]
    output_fee_ratio: Mapped[Decimal] = mapped_column(Ratio)
    service_fee_ratio: Mapped[Decimal] = mapped_column(Ratio)


class FlatRateFeeStructure(IdMixin, Base):
    """Mentors' flat fee under ``ittecf_ectp`` contracts (started 50%, completed 50%)."""

    __tablename__ = "flat_rate_fee_structures"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.CheckConstraint("fee_per_declaration >= 0", name="fee_not_negative"),
        sa.CheckConstraint("recruitment_target > 0", name="recruitment_target_positive"),
    )

    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), unique=True)
    recruitment_target: Mapped[int]
    fee_per_declaration: Mapped[Decimal]


class Statement(IdMixin, TimestampsMixin, Base):
    __tablename__ = "statements"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.UniqueConstraint("contract_id", "year", "month"),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        sa.CheckConstraint("payment_date > deadline_date", name="paid_after_deadline"),
        sa.Index("ix_statements_lead_provider", "lead_provider_id", "year", "month"),
    )

    api_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"))
    lead_provider_id: Mapped[int]  # repeats the contract's, for scoping
    contract_period_year: Mapped[int]
    month: Mapped[int]
    year: Mapped[int]
    deadline_date: Mapped[dt.date]
    payment_date: Mapped[dt.date]
    status: Mapped[StatementStatus] = mapped_column(
        enum_column(StatementStatus, "statement_status"), default=StatementStatus.OPEN
    )
    fee_type: Mapped[FeeType] = mapped_column(enum_column(FeeType, "fee_type"))
    marked_as_paid_at: Mapped[dt.datetime | None]


class StatementAdjustment(IdMixin, TimestampsMixin, Base):
    __tablename__ = "statement_adjustments"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.CheckConstraint(
            "amount <> 0 AND amount >= -1000000 AND amount <= 1000000", name="amount_range"
        ),
    )

    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("statements.id"), index=True)
    description: Mapped[str] = mapped_column(sa.String(500))
    amount: Mapped[Decimal]


class Declaration(IdMixin, TimestampsMixin, Base):
    """A lead provider's claim that a participant reached a point of training.

    ``teacher_id`` and ``lead_provider_id`` repeat facts of the training period at the
    time of declaring (they never change) so that payments can be scoped on their own.
    """

    __tablename__ = "declarations"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.CheckConstraint(
            "clawback_status = 'no_clawback' OR payment_status = 'paid'",
            name="clawback_only_if_paid",
        ),
        sa.CheckConstraint(
            "declaration_type = 'started' OR (pupil_premium_uplift = false AND "
            "sparsity_uplift = false)",
            name="uplifts_on_started_only",
        ),
        # One declaration of each type that is or will be paid per teacher and participant
        # type, across training periods and providers (DOMAIN.md, "Lead providers"; the
        # real service's ``Declaration#duplicate_declaration_exists?`` counts no_payment,
        # eligible, payable and paid while not awaiting or after clawback). Concurrent
        # duplicates end as one row: the second insert fails on this index.
        sa.Index(
            "uq_declarations_billable_teacher_type",
            "teacher_id",
            "participant_type",
            "declaration_type",
            unique=True,
            sqlite_where=sa.text(BILLABLE_OR_PENDING_SQL),
            postgresql_where=sa.text(BILLABLE_OR_PENDING_SQL),
        ),
        sa.Index("ix_declarations_lead_provider_updated", "lead_provider_id", "updated_at", "id"),
        # A lead provider's list also shows other providers' declarations for its
        # participants (``policy.declarations``), so its keyset order walks this one.
        sa.Index("ix_declarations_updated", "updated_at", "id"),
        sa.Index("ix_declarations_teacher", "teacher_id", "declaration_type"),
        sa.Index("ix_declarations_payment_statement", "payment_statement_id"),
        sa.Index("ix_declarations_clawback_statement", "clawback_statement_id"),
    )

    api_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    training_period_id: Mapped[int]  # training domain
    teacher_id: Mapped[int]  # teachers domain
    lead_provider_id: Mapped[int]  # training domain
    # Whether the training is an ECT's or a mentor's (repeated from the training period,
    # never changes): duplicates and funding eligibility are per participant type.
    participant_type: Mapped[ParticipantType] = mapped_column(
        enum_column(ParticipantType, "declaration_participant_type")
    )
    # The delivery partner of the training when it was declared: required, as the real
    # service requires a partnership (not just an expression of interest) to declare.
    delivery_partner_id: Mapped[int]  # training domain
    declaration_type: Mapped[DeclarationType] = mapped_column(
        enum_column(DeclarationType, "declaration_type")
    )
    declaration_date: Mapped[dt.datetime]
    evidence_type: Mapped[EvidenceType | None] = mapped_column(
        enum_column(EvidenceType, "evidence_type")
    )
    payment_status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus, "payment_status"), default=PaymentStatus.NO_PAYMENT
    )
    clawback_status: Mapped[ClawbackStatus] = mapped_column(
        enum_column(ClawbackStatus, "clawback_status"), default=ClawbackStatus.NO_CLAWBACK
    )
    payment_statement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("statements.id"))
    clawback_statement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("statements.id"))
    pupil_premium_uplift: Mapped[bool] = mapped_column(default=False)
    sparsity_uplift: Mapped[bool] = mapped_column(default=False)
    voided_at: Mapped[dt.datetime | None]
