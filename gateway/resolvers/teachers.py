"""Root reads of teachers (the lead providers' "participants")."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from strawberry import relay

from gateway.auth import policy
from gateway.context import Context
from gateway.loaders.transfers import TransfersByTeacher
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.resolvers.pagination import paginate, paginate_kept
from gateway.rules.derived import (
    InductionStatus,
    TrainingStatus,
    induction_status_condition,
    training_status_condition,
)
from gateway.schema.inductions import TeacherRecord
from gateway.schema.teachers import Teacher, UnfundedMentor
from gateway.teacher_records import LocalTeacherRecordSource


@dataclass
class TeacherFilters:
    school_urn: str | None = None
    updated_since: dt.datetime | None = None
    cohorts: list[int] | None = None
    training_status: TrainingStatus | None = None
    participant_id: uuid.UUID | None = None
    from_participant_id: uuid.UUID | None = None
    delivery_partner_id: uuid.UUID | None = None
    induction_status: InductionStatus | None = None


def _latest_enrolment_ids(scope: policy.Scope) -> sa.Select[Any]:
    """Ids of the visible training periods that are enrolments (``Teacher.enrolments``):
    the latest ECT and the latest mentor one of each teacher (start, then id)."""
    tp = trm.TrainingPeriod
    ranked = (
        scope.select(
            tp,
            tp.id,
            sa.func.row_number()
            .over(
                partition_by=(tp.teacher_id, tp.ect_at_school_period_id.is_(None)),
                order_by=(tp.started_on.desc(), tp.id.desc()),
            )
            .label("rank"),
        )
    ).subquery("ranked_training")
    return sa.select(ranked.c.id).where(ranked.c.rank == 1)


def _training_conditions(scope: policy.Scope, f: TeacherFilters) -> list[sa.ColumnElement[bool]]:
    """Filters on the teacher's enrolments (cohort, status, delivery partner): the latest
    visible training period of each participant type, as v3 filters on a participant's
    latest ECT and mentor training with the provider (register-early-career-teachers,
    ``API::Teachers::Query``)."""
    conds: list[sa.ColumnElement[bool]] = []
    if f.cohorts:
        conds.append(
            trm.TrainingPeriod.schedule_id.in_(
                sa.select(trm.Schedule.id).where(trm.Schedule.contract_period_year.in_(f.cohorts))
            )
        )
    if f.training_status:
        conds.append(training_status_condition(f.training_status))
    if f.delivery_partner_id:
        conds.append(
            trm.TrainingPeriod.school_partnership_id.in_(
                scope.ids(trm.SchoolPartnership.id)
                .join(
                    trm.LeadProviderDeliveryPartnership,
                    trm.LeadProviderDeliveryPartnership.id
                    == trm.SchoolPartnership.lead_provider_delivery_partnership_id,
                )
                .join(
                    trm.DeliveryPartner,
                    trm.DeliveryPartner.id
                    == trm.LeadProviderDeliveryPartnership.delivery_partner_id,
                )
                .where(trm.DeliveryPartner.api_id == f.delivery_partner_id)
            )
        )
    if not conds:
        return []
    enrolments = scope.ids(trm.TrainingPeriod.teacher_id).where(
        trm.TrainingPeriod.id.in_(_latest_enrolment_ids(scope)), *conds
    )
    return [tm.Teacher.id.in_(enrolments)]


async def teachers(
    ctx: Context, filters: TeacherFilters, first: int | None, after: str | None
) -> relay.Connection[Teacher]:
    """Visible teachers, least recently updated first (so `updatedSince` polling is stable).

    Keyset pages on (``api_updated_at``, id): a cursor is the last row's key, so rows
    inserted or changed during a sync never shift a page. A participant changed during
    the sync moves forward (its stamp only grows) and is read again on a later page:
    none is missed, and one read twice carries its newest data."""
    return await paginate(
        ctx,
        teachers_statement(ctx.scope, filters),
        TEACHER_ORDER,
        Teacher.from_row,
        first,
        after,
    )


TEACHER_ORDER = (tm.Teacher.api_updated_at, tm.Teacher.id)
"""The order of every teachers list, ending with a unique key (its cursors hold it)."""


def teachers_statement(scope: policy.Scope, filters: TeacherFilters) -> sa.Select[Any]:
    """The visible teachers that pass ``filters``: the one definition of the teachers
    list, used by the resolver and by the trusted operations' compiled SQL
    (gateway/trusted)."""
    stmt = scope.select(tm.Teacher)
    if filters.school_urn:
        school_ids = scope.ids(sm.School.id).where(sm.School.urn == filters.school_urn)
        stmt = stmt.where(
            tm.Teacher.id.in_(
                sa.union(
                    scope.ids(sm.ECTAtSchoolPeriod.teacher_id).where(
                        sm.ECTAtSchoolPeriod.school_id.in_(school_ids)
                    ),
                    scope.ids(sm.MentorAtSchoolPeriod.teacher_id).where(
                        sm.MentorAtSchoolPeriod.school_id.in_(school_ids)
                    ),
                )
            )
        )
    if filters.updated_since:
        stmt = stmt.where(tm.Teacher.api_updated_at >= filters.updated_since)
    if filters.participant_id:
        stmt = stmt.where(tm.Teacher.api_id == filters.participant_id)
    if filters.from_participant_id:
        # v3's ``from_participant_id``: the teacher an old (merged) participant id now
        # points at.
        stmt = stmt.where(
            tm.Teacher.id.in_(
                scope.ids(tm.TeacherIdChange.teacher_id).where(
                    tm.TeacherIdChange.api_from_teacher_id == filters.from_participant_id
                )
            )
        )
    if filters.induction_status:
        stmt = stmt.where(induction_status_condition(filters.induction_status))
    return stmt.where(*_training_conditions(scope, filters))


def _transfer_candidates(ctx: Context) -> sa.ColumnElement[bool]:
    """Teachers who may have a transfer that concerns the viewer, in SQL (a superset:
    ``gateway.rules.transfers`` decides): a finished training period of the viewer's
    on a finished ECT or mentor period (leaving), or one of the viewer's training
    periods on a period that a finished period of the same kind preceded (joining)."""
    tp, ect, mentor = trm.TrainingPeriod, sm.ECTAtSchoolPeriod, sm.MentorAtSchoolPeriod

    def joined(stmt: sa.Select[Any]) -> sa.Select[Any]:
        return stmt.outerjoin(ect, ect.id == tp.ect_at_school_period_id).outerjoin(
            mentor, mentor.id == tp.mentor_at_school_period_id
        )

    leaving = joined(ctx.scope.ids(tp.teacher_id)).where(
        tp.finished_on.is_not(None),
        sa.or_(ect.finished_on.is_not(None), mentor.finished_on.is_not(None)),
    )
    earlier_ect = aliased(ect, name="earlier_ect")
    earlier_mentor = aliased(mentor, name="earlier_mentor")
    why = "whether a period of a teacher in scope follows a finished one (transfers)"
    preceded = sa.or_(
        policy.derived_facts(
            sa.select(earlier_ect.id).where(
                earlier_ect.teacher_id == ect.teacher_id,
                earlier_ect.started_on < ect.started_on,
                earlier_ect.finished_on.is_not(None),
            ),
            why,
        ).exists(),
        policy.derived_facts(
            sa.select(earlier_mentor.id).where(
                earlier_mentor.teacher_id == mentor.teacher_id,
                earlier_mentor.started_on < mentor.started_on,
                earlier_mentor.finished_on.is_not(None),
            ),
            why,
        ).exists(),
    )
    joining = joined(ctx.scope.ids(tp.teacher_id)).where(preceded)
    return tm.Teacher.id.in_(sa.union(leaving, joining))


async def participant_transfers(
    ctx: Context, updated_since: dt.datetime | None, first: int | None, after: str | None
) -> relay.Connection[Teacher]:
    """Lead providers' participants with a transfer that concerns them (v3
    ``/participants/ecf/transfers``), least recently updated first; empty for others."""
    if policy.transfers_reader(ctx.require_viewer()) is None:
        return await paginate(
            ctx,
            ctx.scope.select(tm.Teacher).where(sa.false()),
            [tm.Teacher.api_updated_at, tm.Teacher.id],
            Teacher.from_row,
            first,
            after,
        )
    stmt = ctx.scope.select(tm.Teacher).where(_transfer_candidates(ctx))
    if updated_since:
        stmt = stmt.where(tm.Teacher.api_updated_at >= updated_since)

    async def has_transfers(rows: Sequence[Any]) -> list[bool]:
        loader = ctx.loaders.get(TransfersByTeacher, ctx.today)
        return [bool(t) for t in await loader.load_many([r.id for r in rows])]

    return await paginate_kept(
        ctx,
        stmt,
        [tm.Teacher.api_updated_at, tm.Teacher.id],
        Teacher.from_row,
        first,
        after,
        has_transfers,
    )


async def unfunded_mentors(
    ctx: Context, updated_since: dt.datetime | None, first: int | None, after: str | None
) -> relay.Connection[UnfundedMentor]:
    """A lead provider's unfunded mentors (``policy.unfunded_mentors``), least recently
    updated first."""
    stmt = unfunded_mentors_statement(ctx.scope, UpdatedSince(updated_since))
    return await paginate(ctx, stmt, TEACHER_ORDER, UnfundedMentor.from_row, first, after)


@dataclass
class UpdatedSince:
    """The one filter of lists that only take ``updatedSince``."""

    updated_since: dt.datetime | None = None


def unfunded_mentors_statement(scope: policy.Scope, filters: UpdatedSince) -> sa.Select[Any]:
    """The unfunded mentors list (one definition: the resolver and gateway/trusted)."""
    stmt = scope.unfunded_mentors()
    if filters.updated_since:
        stmt = stmt.where(tm.Teacher.api_updated_at >= filters.updated_since)
    return stmt


async def teacher_by_natural_key(
    ctx: Context, trn: str | None, participant_id: uuid.UUID | None
) -> Teacher | None:
    stmt = ctx.scope.select(tm.Teacher)
    if trn is not None:
        stmt = stmt.where(tm.Teacher.trn == trn)
    if participant_id is not None:
        stmt = stmt.where(tm.Teacher.api_id == participant_id)
    rows = await ctx.loaders.fetch(stmt.limit(1))
    return Teacher.maybe(rows[0] if rows else None)


async def teacher_record(ctx: Context, trn: str, date_of_birth: dt.date) -> TeacherRecord | None:
    """The record matching both TRN and date of birth, for the roles the policy lets look
    (null for an unknown TRN and a wrong date of birth alike, and for other roles)."""
    if not policy.may_look_up_teacher_records(ctx.require_viewer()):
        return None
    found = await LocalTeacherRecordSource(ctx.session).find(trn, date_of_birth)
    if found is None:
        return None
    return TeacherRecord(
        trn=found.trn,
        first_name=found.first_name,
        last_name=found.last_name,
        qts_awarded_on=found.qts_awarded_on,
        induction_status=found.induction_status,
    )
