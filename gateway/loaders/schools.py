"""Named loaders over the schools domain: periods at schools, mentorships, funding."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from aiodataloader import DataLoader

from gateway.auth import policy
from gateway.loaders.base import Loaders, RowsByKey, current_condition
from gateway.models import schools as sm
from gateway.models import teachers as tm


class ECTPeriodsBySchool(RowsByKey):
    """A school's ECT periods, oldest first; parameter: ``current`` (see
    ``current_condition``)."""

    model = sm.ECTAtSchoolPeriod
    key = sm.ECTAtSchoolPeriod.school_id
    order_by = (sm.ECTAtSchoolPeriod.started_on,)

    def condition(self) -> sa.ColumnElement[bool] | None:
        return current_condition(self.model, *self.params)


class MentorPeriodsBySchool(RowsByKey):
    """A school's mentor periods, oldest first; parameter: ``current``."""

    model = sm.MentorAtSchoolPeriod
    key = sm.MentorAtSchoolPeriod.school_id
    order_by = (sm.MentorAtSchoolPeriod.started_on,)

    def condition(self) -> sa.ColumnElement[bool] | None:
        return current_condition(self.model, *self.params)


class ECTPeriodsByTeacher(RowsByKey):
    model = sm.ECTAtSchoolPeriod
    key = sm.ECTAtSchoolPeriod.teacher_id
    order_by = (sm.ECTAtSchoolPeriod.started_on,)


class MentorPeriodsByTeacher(RowsByKey):
    model = sm.MentorAtSchoolPeriod
    key = sm.MentorAtSchoolPeriod.teacher_id
    order_by = (sm.MentorAtSchoolPeriod.started_on,)


class MentorshipsByECTPeriod(RowsByKey):
    model = sm.MentorshipPeriod
    key = sm.MentorshipPeriod.ect_at_school_period_id
    order_by = (sm.MentorshipPeriod.started_on,)


class MentorshipsByMentorPeriod(RowsByKey):
    model = sm.MentorshipPeriod
    key = sm.MentorshipPeriod.mentor_at_school_period_id
    order_by = (sm.MentorshipPeriod.started_on,)


class FundingBySchool(RowsByKey):
    """A school's uplift flags, one row per contract period."""

    model = sm.SchoolFunding
    key = sm.SchoolFunding.school_id


class MentorParticipantIds(DataLoader):
    """ECT period id -> the participant id (api_id) of its current or latest mentor.

    One SELECT joining mentorship, mentor period and teacher under the facts rule
    ``policy.mentor_facts``: only a UUID leaves this loader, never a mentor's row.
    """

    def __init__(self, loaders: Loaders) -> None:
        super().__init__()
        self.loaders = loaders

    async def batch_load_fn(self, ect_period_ids: list[int]) -> list[Any]:
        stmt = (
            self.loaders.scope.facts(
                policy.mentor_facts,
                sm.MentorshipPeriod,
                sm.MentorshipPeriod.ect_at_school_period_id,
                tm.Teacher.api_id,
            )
            .join(
                sm.MentorAtSchoolPeriod,
                sm.MentorAtSchoolPeriod.id == sm.MentorshipPeriod.mentor_at_school_period_id,
            )
            .join(tm.Teacher, tm.Teacher.id == sm.MentorAtSchoolPeriod.teacher_id)
            .where(sm.MentorshipPeriod.ect_at_school_period_id.in_(set(ect_period_ids)))
            # Open mentorship last (NULL finish sorts as the latest), so it wins.
            .order_by(
                sm.MentorshipPeriod.finished_on.is_(None),
                sm.MentorshipPeriod.finished_on,
                sm.MentorshipPeriod.started_on,
            )
        )
        latest = {ect_id: api_id for ect_id, api_id in await self.loaders.fetch(stmt)}
        return [latest.get(i) for i in ect_period_ids]
