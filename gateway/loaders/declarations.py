"""Loaders of what a declaration shows from outside the payments domain.

A declaration is in payments; what v3 shows about it (course identifier, cohort, the
ECT's mentor at the time) lives in training and schools, which may be another
database: these loaders read it by key, under facts rules of the policy, because a
lead provider sees other providers' declarations for its participants without seeing
those providers' training (``policy.declaration_facts``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from aiodataloader import DataLoader

from gateway.auth import policy
from gateway.loaders.base import Loaders
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm


@dataclasses.dataclass(frozen=True)
class DeclaredTraining:
    """The facts of the training period a declaration was made on."""

    ect_at_school_period_id: int | None  # None: mentor training
    cohort: int | None  # the partnership's contract period, else the expression of interest's


@dataclasses.dataclass(frozen=True)
class MentorSpell:
    """One mentorship of an ECT period: when, and the mentor's participant id."""

    started_on: dt.date
    finished_on: dt.date | None
    mentor_participant_id: uuid.UUID


class DeclaredTrainingById(DataLoader):
    """Training period id -> ``DeclaredTraining`` (None when the facts rule hides it)."""

    def __init__(self, loaders: Loaders) -> None:
        super().__init__()
        self.loaders = loaders

    async def batch_load_fn(self, ids: list[int]) -> list[DeclaredTraining | None]:
        tp = trm.TrainingPeriod
        stmt = (
            self.loaders.scope.facts(
                policy.declaration_facts,
                tp,
                tp.id,
                tp.ect_at_school_period_id,
                sa.func.coalesce(
                    trm.SchoolPartnership.contract_period_year,
                    trm.ActiveLeadProvider.contract_period_year,
                ).label("cohort"),
            )
            .outerjoin(trm.SchoolPartnership, trm.SchoolPartnership.id == tp.school_partnership_id)
            .outerjoin(
                trm.ActiveLeadProvider, trm.ActiveLeadProvider.id == tp.expression_of_interest_id
            )
            .where(tp.id.in_(set(ids)))
        )
        found = {
            r.id: DeclaredTraining(r.ect_at_school_period_id, r.cohort)
            for r in await self.loaders.fetch(stmt)
        }
        return [found.get(i) for i in ids]


class MentorSpellsByECTPeriod(DataLoader):
    """ECT period id -> its mentorships (oldest first), each naming the mentor by
    participant id only."""

    def __init__(self, loaders: Loaders) -> None:
        super().__init__()
        self.loaders = loaders

    async def batch_load_fn(self, ect_period_ids: list[int]) -> list[list[MentorSpell]]:
        mp = sm.MentorshipPeriod
        stmt = (
            self.loaders.scope.facts(
                policy.declaration_mentor_facts,
                mp,
                mp.ect_at_school_period_id,
                mp.started_on,
                mp.finished_on,
                tm.Teacher.api_id,
            )
            .join(
                sm.MentorAtSchoolPeriod, sm.MentorAtSchoolPeriod.id == mp.mentor_at_school_period_id
            )
            .join(tm.Teacher, tm.Teacher.id == sm.MentorAtSchoolPeriod.teacher_id)
            .where(mp.ect_at_school_period_id.in_(set(ect_period_ids)))
            .order_by(mp.started_on, mp.id)
        )
        spells: dict[int, list[MentorSpell]] = defaultdict(list)
        for r in await self.loaders.fetch(stmt):
            spells[r.ect_at_school_period_id].append(
                MentorSpell(r.started_on, r.finished_on, r.api_id)
            )
        return [spells.get(i, []) for i in ect_period_ids]


def mentor_at(spells: list[MentorSpell], day: dt.date) -> uuid.UUID | None:
    """The mentor of the mentorship closest to ``day``: one covering the day wins;
    otherwise the one whose start or finish is nearest (the earlier on a tie).

    The real service stores on each declaration the ECT's mentorship period "closest
    to" the declaration date when it is made (register-early-career-teachers,
    ``API::Declarations::Create#mentorship_period`` and ``Interval.closest_to``: the
    distance is 0 inside a period, else the nearer of start and finish)."""

    def distance(spell: MentorSpell) -> int:
        if spell.started_on <= day and (spell.finished_on is None or day <= spell.finished_on):
            return 0
        ends: list[Any] = [spell.started_on] + ([spell.finished_on] if spell.finished_on else [])
        return min(abs((end - day).days) for end in ends)

    if not spells:
        return None
    return min(spells, key=distance).mentor_participant_id
