"""Schools domain: schools, their funding flags, and the periods teachers spend at them."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.models.base import (
    Base,
    IdMixin,
    TimestampsMixin,
    domain_table_args,
    enum_column,
    open_period,
    period_checks,
)

DOMAIN = "schools"


class SchoolType(enum.StrEnum):
    """Establishment type, as Get Information About Schools names them."""

    COMMUNITY_SCHOOL = "community_school"
    VOLUNTARY_AIDED_SCHOOL = "voluntary_aided_school"
    VOLUNTARY_CONTROLLED_SCHOOL = "voluntary_controlled_school"
    FOUNDATION_SCHOOL = "foundation_school"
    ACADEMY_CONVERTER = "academy_converter"
    ACADEMY_SPONSOR_LED = "academy_sponsor_led"
    FREE_SCHOOL = "free_school"
    COMMUNITY_SPECIAL_SCHOOL = "community_special_school"
    FOUNDATION_SPECIAL_SCHOOL = "foundation_special_school"
    ACADEMY_SPECIAL = "academy_special"
    PUPIL_REFERRAL_UNIT = "pupil_referral_unit"
    LOCAL_AUTHORITY_NURSERY_SCHOOL = "local_authority_nursery_school"
    CITY_TECHNOLOGY_COLLEGE = "city_technology_college"
    OTHER_INDEPENDENT_SCHOOL = "other_independent_school"
    OTHER_INDEPENDENT_SPECIAL_SCHOOL = "other_independent_special_school"
    FURTHER_EDUCATION = "further_education"
    WELSH_ESTABLISHMENT = "welsh_establishment"
    BRITISH_SCHOOL_OVERSEAS = "british_school_overseas"


STATE_FUNDED_TYPES: frozenset[SchoolType] = frozenset(
    t
    for t in SchoolType
    if t
    not in {
        SchoolType.OTHER_INDEPENDENT_SCHOOL,
        SchoolType.OTHER_INDEPENDENT_SPECIAL_SCHOOL,
        SchoolType.FURTHER_EDUCATION,
        SchoolType.WELSH_ESTABLISHMENT,
        SchoolType.BRITISH_SCHOOL_OVERSEAS,
    }
)
"""The eligible state-funded establishment types."""

INDEPENDENT_TYPES: frozenset[SchoolType] = frozenset(
    {SchoolType.OTHER_INDEPENDENT_SCHOOL, SchoolType.OTHER_INDEPENDENT_SPECIAL_SCHOOL}
)


class SchoolPhase(enum.StrEnum):
    NURSERY = "nursery"
    PRIMARY = "primary"
    MIDDLE = "middle"
    SECONDARY = "secondary"
    ALL_THROUGH = "all_through"
    SIXTEEN_PLUS = "sixteen_plus"
    NOT_APPLICABLE = "not_applicable"


class SchoolStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    PROPOSED_TO_CLOSE = "proposed_to_close"
    PROPOSED_TO_OPEN = "proposed_to_open"


class WorkingPattern(enum.StrEnum):
    PART_TIME = "part_time"
    FULL_TIME = "full_time"


def is_state_funded(type_: SchoolType) -> bool:
    return type_ in STATE_FUNDED_TYPES


def is_eligible(
    status: SchoolStatus, in_england: bool, type_: SchoolType, section_41_approved: bool
) -> bool:
    """Open, in England, and state-funded or an independent school with section 41."""
    return (
        status == SchoolStatus.OPEN
        and in_england
        and (type_ in STATE_FUNDED_TYPES or (type_ in INDEPENDENT_TYPES and section_41_approved))
    )


class School(IdMixin, TimestampsMixin, Base):
    __tablename__ = "schools"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.CheckConstraint(
            "length(urn) = 6 AND ltrim(urn, '0123456789') = ''", name="urn_six_digits"
        ),
    )

    urn: Mapped[str] = mapped_column(sa.String(6), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    type: Mapped[SchoolType] = mapped_column(enum_column(SchoolType, "school_type"))
    phase: Mapped[SchoolPhase] = mapped_column(enum_column(SchoolPhase, "school_phase"))
    local_authority_code: Mapped[int]
    local_authority_name: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[SchoolStatus] = mapped_column(enum_column(SchoolStatus, "school_status"))
    in_england: Mapped[bool] = mapped_column(default=True)
    section_41_approved: Mapped[bool] = mapped_column(default=False)
    induction_tutor_name: Mapped[str | None] = mapped_column(sa.String(200))
    induction_tutor_email: Mapped[str | None] = mapped_column(sa.String(254))

    funding: Mapped[list[SchoolFunding]] = relationship(back_populates="school")

    @hybrid_property
    def state_funded(self) -> bool:
        return is_state_funded(self.type)

    @state_funded.inplace.expression
    @classmethod
    def _state_funded_expression(cls) -> sa.ColumnElement[bool]:
        return cls.type.in_(sorted(STATE_FUNDED_TYPES))

    @hybrid_property
    def eligible(self) -> bool:
        """Open, in England, and state-funded or an independent school with section 41."""
        return is_eligible(self.status, self.in_england, self.type, self.section_41_approved)

    @eligible.inplace.expression
    @classmethod
    def _eligible_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(
            cls.status == SchoolStatus.OPEN,
            cls.in_england.is_(True),
            sa.or_(
                cls.type.in_(sorted(STATE_FUNDED_TYPES)),
                sa.and_(cls.type.in_(sorted(INDEPENDENT_TYPES)), cls.section_41_approved.is_(True)),
            ),
        )


class SchoolFunding(IdMixin, Base):
    """A school's uplift flags for one contract period (the contract period lives in training)."""

    __tablename__ = "school_funding"
    __table_args__ = domain_table_args(
        DOMAIN, sa.UniqueConstraint("school_id", "contract_period_year")
    )

    school_id: Mapped[int] = mapped_column(sa.ForeignKey("schools.id"))
    contract_period_year: Mapped[int]
    pupil_premium_uplift: Mapped[bool] = mapped_column(default=False)
    sparsity_uplift: Mapped[bool] = mapped_column(default=False)

    school: Mapped[School] = relationship(back_populates="funding")


class ECTAtSchoolPeriod(IdMixin, TimestampsMixin, Base):
    """An early career teacher employed at a school, from ``started_on`` to ``finished_on``."""

    __tablename__ = "ect_at_school_periods"
    __table_args__ = domain_table_args(
        DOMAIN,
        *period_checks(),
        # At most one open ECT period per teacher, across all schools.
        sa.Index(
            "uq_ect_at_school_periods_open_teacher",
            "teacher_id",
            unique=True,
            sqlite_where=open_period(),
            postgresql_where=open_period(),
        ),
        sa.Index("ix_ect_at_school_periods_teacher", "teacher_id", "started_on"),
        sa.Index("ix_ect_at_school_periods_school", "school_id", "finished_on", "started_on"),
    )

    teacher_id: Mapped[int]  # teachers domain
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("schools.id"))
    started_on: Mapped[dt.date]
    finished_on: Mapped[dt.date | None]
    email: Mapped[str | None] = mapped_column(sa.String(254))
    working_pattern: Mapped[WorkingPattern] = mapped_column(
        enum_column(WorkingPattern, "working_pattern")
    )
    school_reported_appropriate_body_id: Mapped[int | None]  # inductions domain


class MentorAtSchoolPeriod(IdMixin, TimestampsMixin, Base):
    """A mentor at a school; a mentor may be open at several schools at once."""

    __tablename__ = "mentor_at_school_periods"
    __table_args__ = domain_table_args(
        DOMAIN,
        *period_checks(),
        sa.Index(
            "uq_mentor_at_school_periods_open_teacher_school",
            "teacher_id",
            "school_id",
            unique=True,
            sqlite_where=open_period(),
            postgresql_where=open_period(),
        ),
        sa.Index("ix_mentor_at_school_periods_teacher", "teacher_id", "started_on"),
        sa.Index("ix_mentor_at_school_periods_school", "school_id", "finished_on", "started_on"),
    )

    teacher_id: Mapped[int]  # teachers domain
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("schools.id"))
    started_on: Mapped[dt.date]
    finished_on: Mapped[dt.date | None]
    email: Mapped[str | None] = mapped_column(sa.String(254))


class MentorshipPeriod(IdMixin, TimestampsMixin, Base):
    """An ECT period mentored by a mentor period at the same school."""

    __tablename__ = "mentorship_periods"
    __table_args__ = domain_table_args(
        DOMAIN,
        *period_checks(),
        sa.Index(
            "uq_mentorship_periods_open_mentee",
            "ect_at_school_period_id",
            unique=True,
            sqlite_where=open_period(),
            postgresql_where=open_period(),
        ),
        sa.Index("ix_mentorship_periods_mentor", "mentor_at_school_period_id", "started_on"),
    )

    ect_at_school_period_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ect_at_school_periods.id"), index=True
    )
    mentor_at_school_period_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentor_at_school_periods.id")
    )
    started_on: Mapped[dt.date]
    finished_on: Mapped[dt.date | None]
