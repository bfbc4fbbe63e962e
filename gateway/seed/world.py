"""The generated world, held in memory as small records before it becomes table rows.

The generator first builds these records (with their final integer ids), then turns
them into row dicts table by table. Records are slotted dataclasses rather than dicts:
at scale 1.0 there are about a million of them and they are read many times while
later parts (training, declarations) are derived from earlier ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Window = tuple[dt.date, dt.date | None]
"""A milestone's declaration window: from ``start_date`` to ``milestone_date`` (or open)."""


@dataclass(slots=True)
class ContractPeriodInfo:
    year: int
    started_on: dt.date
    finished_on: dt.date
    payments_frozen_at: dt.datetime | None
    mentor_funding_enabled: bool
    uplift_fees_enabled: bool


@dataclass(slots=True)
class LeadProviderInfo:
    id: int
    name: str
    vat_registered: bool
    api_id: uuid.UUID
    market_share: float


@dataclass(slots=True)
class DeliveryPartnerInfo:
    id: int
    name: str
    api_id: uuid.UUID


@dataclass(slots=True)
class ActiveLeadProviderInfo:
    id: int
    lead_provider_id: int
    year: int


@dataclass(slots=True)
class DeliveryPartnershipInfo:
    """A lead provider–delivery partner partnership in one contract period."""

    id: int
    active_lead_provider_id: int
    lead_provider_id: int
    delivery_partner_id: int
    year: int
    created_on: dt.date


@dataclass(slots=True)
class ScheduleInfo:
    id: int
    year: int
    identifier: str
    milestones: dict[str, Window]  # declaration type value -> window, in declaration order


@dataclass(slots=True)
class ContractInfo:
    id: int
    active_lead_provider_id: int
    lead_provider_id: int
    year: int
    contract_type: str
    vat_rate: Decimal


@dataclass(slots=True)
class AppropriateBodyInfo:
    id: int
    name: str
    type: str


@dataclass(slots=True)
class SchoolInfo:
    id: int
    urn: str
    name: str
    type: str
    phase: str
    local_authority_code: int
    local_authority_name: str
    status: str
    in_england: bool
    section_41_approved: bool
    state_funded: bool
    eligible: bool
    email_domain: str
    induction_tutor_name: str | None
    induction_tutor_email: str | None
    home_hub_id: int | None  # the teaching school hub the school normally reports
    ect_weight: float  # how many ECTs it takes relative to a one-form-entry primary
    funding: dict[int, tuple[bool, bool]] = field(default_factory=dict)  # year -> (pp, sparsity)


@dataclass(slots=True)
class TeacherInfo:
    id: int
    trn: str | None
    first_name: str
    last_name: str
    corrected_name: str | None
    qts_awarded_on: dt.date | None
    date_of_birth: dt.date
    national_insurance_number: str | None
    api_id: uuid.UUID
    created_on: dt.date
    updated_on: dt.date
    trs_induction_status: str = "RequiredToComplete"
    has_extension: bool = False


@dataclass(slots=True)
class Funding:
    """A teacher's stored funding eligibility (gateway/rules/funding.py), per type."""

    ect_since: dt.datetime | None = None
    mentor_since: dt.datetime | None = None
    mentor_ineligible_on: dt.date | None = None
    mentor_ineligible_reason: str | None = None


@dataclass(slots=True)
class TrainingPlan:
    """One training period to create, decided while simulating a school period."""

    started_on: dt.date
    finished_on: dt.date | None
    provider_led: bool
    withdrawal_reason: str | None = None
    deferral_reason: str | None = None


@dataclass(slots=True)
class ECTPeriodInfo:
    id: int
    teacher_id: int
    school_id: int
    started_on: dt.date
    finished_on: dt.date | None
    email: str
    working_pattern: str
    appropriate_body_id: int | None
    cohort: int  # the teacher's contract period, kept when they move school
    schedule_identifier: str
    training: list[TrainingPlan] = field(default_factory=list)


@dataclass(slots=True)
class MentorshipInfo:
    id: int
    ect_period_id: int
    mentor_period_id: int
    started_on: dt.date
    finished_on: dt.date | None


@dataclass(slots=True)
class MentorPeriodInfo:
    id: int
    teacher_id: int
    school_id: int
    started_on: dt.date
    finished_on: dt.date | None
    email: str
    replacement: bool  # joined to replace another mentor mid-induction
    mentorships: list[MentorshipInfo] = field(default_factory=list)
    cohort: int = 0
    schedule_identifier: str = ""
    training: list[TrainingPlan] = field(default_factory=list)


@dataclass(slots=True)
class InductionPeriodInfo:
    id: int
    teacher_id: int
    appropriate_body_id: int
    started_on: dt.date
    finished_on: dt.date | None
    number_of_terms: Decimal | None
    outcome: str | None
    training_programme: str


@dataclass(slots=True)
class InductionExtensionInfo:
    id: int
    teacher_id: int
    number_of_terms: Decimal
    created_on: dt.date


@dataclass(slots=True)
class SchoolPartnershipInfo:
    id: int
    api_id: uuid.UUID
    school_id: int
    delivery_partnership: DeliveryPartnershipInfo
    year: int
    created_on: dt.date


@dataclass(slots=True)
class TrainingPeriodInfo:
    id: int
    api_id: uuid.UUID
    teacher_id: int
    school_id: int
    ect_period_id: int | None
    mentor_period_id: int | None
    cohort: int
    started_on: dt.date
    finished_on: dt.date | None
    provider_led: bool
    school_partnership: SchoolPartnershipInfo | None
    expression_of_interest: ActiveLeadProviderInfo | None
    schedule: ScheduleInfo | None
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str | None
    deferred_at: dt.datetime | None
    deferral_reason: str | None

    @property
    def is_mentor(self) -> bool:
        return self.mentor_period_id is not None

    @property
    def lead_provider_id(self) -> int | None:
        if self.school_partnership is not None:
            return self.school_partnership.delivery_partnership.lead_provider_id
        if self.expression_of_interest is not None:
            return self.expression_of_interest.lead_provider_id
        return None

    @property
    def delivery_partner_id(self) -> int | None:
        if self.school_partnership is not None:
            return self.school_partnership.delivery_partnership.delivery_partner_id
        return None


@dataclass(slots=True)
class StatementInfo:
    id: int
    api_id: uuid.UUID
    contract: ContractInfo
    month: int
    year: int
    deadline_date: dt.date
    payment_date: dt.date
    status: str
    fee_type: str
    marked_as_paid_at: dt.datetime | None


@dataclass
class World:
    """Everything generated so far, with indexes the later parts look things up by."""

    today: dt.date
    scale: float
    years: list[int]
    contract_periods: dict[int, ContractPeriodInfo] = field(default_factory=dict)
    lead_providers: list[LeadProviderInfo] = field(default_factory=list)
    delivery_partners: list[DeliveryPartnerInfo] = field(default_factory=list)
    active_lead_providers: dict[tuple[int, int], ActiveLeadProviderInfo] = field(
        default_factory=dict
    )  # (lead provider id, year)
    delivery_partnerships: list[DeliveryPartnershipInfo] = field(default_factory=list)
    schedules: dict[tuple[int, str], ScheduleInfo] = field(default_factory=dict)
    contracts: dict[tuple[int, int], ContractInfo] = field(default_factory=dict)
    appropriate_bodies: list[AppropriateBodyInfo] = field(default_factory=list)
    hub_ids: list[int] = field(default_factory=list)
    national_body_ids: list[int] = field(default_factory=list)
    local_authority_body_ids: list[int] = field(default_factory=list)
    hub_for_authority: dict[int, int] = field(default_factory=dict)  # LA code -> hub id
    schools: list[SchoolInfo] = field(default_factory=list)
    teachers: list[TeacherInfo] = field(default_factory=list)
    ect_periods: list[ECTPeriodInfo] = field(default_factory=list)
    mentor_periods: list[MentorPeriodInfo] = field(default_factory=list)
    mentorships: list[MentorshipInfo] = field(default_factory=list)
    induction_periods: list[InductionPeriodInfo] = field(default_factory=list)
    induction_extensions: list[InductionExtensionInfo] = field(default_factory=list)
    school_partnerships: list[SchoolPartnershipInfo] = field(default_factory=list)
    training_periods: list[TrainingPeriodInfo] = field(default_factory=list)
    funding: dict[int, Funding] = field(default_factory=dict)  # teacher id -> eligibility
    statements: list[StatementInfo] = field(default_factory=list)
    small_tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Rows of small tables built directly as dicts (fee structures, adjustments...)."""

    @property
    def current_year(self) -> int:
        """The contract period today falls in (the newest cohort people can join now)."""
        return self.today.year if self.today.month >= 6 else self.today.year - 1

    def school(self, school_id: int) -> SchoolInfo:
        return self.schools[school_id - 1]

    def teacher(self, teacher_id: int) -> TeacherInfo:
        return self.teachers[teacher_id - 1]
