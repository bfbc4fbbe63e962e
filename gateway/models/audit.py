"""Audit domain: one event per change, who made it, and on which entities."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, IdMixin, domain_table_args, enum_column, utcnow

DOMAIN = "audit"


class AuthorType(enum.StrEnum):
    SCHOOL_USER = "school_user"
    APPROPRIATE_BODY_USER = "appropriate_body_user"
    LEAD_PROVIDER = "lead_provider"
    ADMIN = "admin"
    FINANCE = "finance"
    SYSTEM = "system"


class Event(IdMixin, Base):
    """What happened, when, by whom and to what; entity ids point into the other domains."""

    __tablename__ = "events"
    __table_args__ = domain_table_args(
        DOMAIN,
        sa.Index("ix_events_teacher", "teacher_id", "happened_at"),
        sa.Index("ix_events_school", "school_id", "happened_at"),
    )

    happened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    event_type: Mapped[str] = mapped_column(sa.String(80))
    author_type: Mapped[AuthorType] = mapped_column(enum_column(AuthorType, "author_type"))
    author_id: Mapped[str | None] = mapped_column(sa.String(100))
    teacher_id: Mapped[int | None]
    school_id: Mapped[int | None]
    appropriate_body_id: Mapped[int | None]
    lead_provider_id: Mapped[int | None]
    induction_period_id: Mapped[int | None]
    training_period_id: Mapped[int | None]
    declaration_id: Mapped[int | None]
    statement_id: Mapped[int | None]
    modifications: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
