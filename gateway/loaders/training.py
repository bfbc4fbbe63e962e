"""Named loaders over the training domain."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from aiodataloader import DataLoader

from gateway.auth import policy
from gateway.loaders import stamps
from gateway.loaders.base import Loaders, RowsByKey
from gateway.models import training as trm


class PartnershipsBySchool(RowsByKey):
    """A school's partnerships by contract period; parameter: ``cohort`` (None: all)."""

    model = trm.SchoolPartnership
    key = trm.SchoolPartnership.school_id
    order_by = (trm.SchoolPartnership.contract_period_year,)

    def condition(self) -> sa.ColumnElement[bool] | None:
        (cohort,) = self.params
        return None if cohort is None else trm.SchoolPartnership.contract_period_year == cohort


class TrainingByECTPeriod(RowsByKey):
    model = trm.TrainingPeriod
    key = trm.TrainingPeriod.ect_at_school_period_id
    order_by = (trm.TrainingPeriod.started_on,)


class TrainingByMentorPeriod(RowsByKey):
    model = trm.TrainingPeriod
    key = trm.TrainingPeriod.mentor_at_school_period_id
    order_by = (trm.TrainingPeriod.started_on,)


class TrainingByTeacher(RowsByKey):
    model = trm.TrainingPeriod
    key = trm.TrainingPeriod.teacher_id
    order_by = (trm.TrainingPeriod.started_on,)


class CurrentTrainingByPartnership(DataLoader):
    """Partnership id -> (ECTs, mentors) training with it today: training periods that
    have started, have not finished (``finished_on`` is the last day) and are neither
    withdrawn nor deferred. Counted in SQL, over the training periods the viewer may
    see (a lead provider: all of its partnerships'); parameter: ``today``.

    The real service's ``participants_currently_training`` counts a partnership's
    training periods that contain today (register-early-career-teachers,
    ``SchoolPartnership#ongoing_training_periods``); a withdrawal or deferral ends the
    period there, and here it is excluded by name, since a withdrawn period's last day
    may still be today."""

    def __init__(self, loaders: Loaders, today: dt.date) -> None:
        super().__init__()
        self.loaders = loaders
        self.today = today

    async def batch_load_fn(self, ids: list[int]) -> list[tuple[int, int]]:
        tp = trm.TrainingPeriod
        is_ect = tp.ect_at_school_period_id.is_not(None)
        stmt = (
            self.loaders.scope.select(
                tp,
                tp.school_partnership_id,
                sa.func.sum(sa.case((is_ect, 1), else_=0)).label("ects"),
                sa.func.sum(sa.case((is_ect, 0), else_=1)).label("mentors"),
            )
            .where(
                tp.school_partnership_id.in_(set(ids)),
                tp.started_on <= self.today,
                sa.or_(tp.finished_on.is_(None), tp.finished_on >= self.today),
                tp.withdrawn_at.is_(None),
                tp.deferred_at.is_(None),
            )
            .group_by(tp.school_partnership_id)
        )
        counts = {
            r.school_partnership_id: (int(r.ects), int(r.mentors))
            for r in await self.loaders.fetch(stmt)
        }
        return [counts.get(i, (0, 0)) for i in ids]


class PartnershipStamps(DataLoader):
    """Partnership id -> its computed "updated at" (``stamps.partnership_stamp``), for
    partnerships reached other than through the partnerships list (which computes it
    in the same SELECT); parameter: ``now``."""

    def __init__(self, loaders: Loaders, now: dt.datetime) -> None:
        super().__init__()
        self.loaders = loaders
        self.now = now

    async def batch_load_fn(self, ids: list[int]) -> list[dt.datetime | None]:
        sp = trm.SchoolPartnership
        stamp = stamps.partnership_stamp(self.loaders.scope, self.now).label("api_updated_at")
        stmt = self.loaders.scope.select(sp, sp.id, stamp).where(sp.id.in_(set(ids)))
        found = {r.id: r.api_updated_at for r in await self.loaders.fetch(stmt)}
        return [found.get(i) for i in ids]


class CohortsByDeliveryPartner(DataLoader):
    """Delivery partner id -> [(cohort year, when that pairing last changed)], oldest
    cohort first, over the partnerships ``policy.delivery_partnerships_listed`` lets the
    viewer count (a lead provider: its own)."""

    def __init__(self, loaders: Loaders) -> None:
        super().__init__()
        self.loaders = loaders

    async def batch_load_fn(self, ids: list[int]) -> list[list[tuple[int, dt.datetime]]]:
        lpdp = trm.LeadProviderDeliveryPartnership
        alp = trm.ActiveLeadProvider
        stmt = (
            self.loaders.scope.select(
                lpdp, lpdp.delivery_partner_id, alp.contract_period_year, lpdp.updated_at
            )
            .join(alp, alp.id == lpdp.active_lead_provider_id)
            .where(
                lpdp.delivery_partner_id.in_(set(ids)),
                policy.delivery_partnerships_listed(self.loaders.scope.viewer),
            )
            .order_by(alp.contract_period_year, lpdp.id)
        )
        found: dict[int, list[tuple[int, dt.datetime]]] = {}
        for r in await self.loaders.fetch(stmt):
            found.setdefault(r.delivery_partner_id, []).append(
                (r.contract_period_year, r.updated_at)
            )
        return [found.get(i, []) for i in ids]
