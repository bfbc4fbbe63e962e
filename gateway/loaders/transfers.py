"""A lead provider's participants' transfers, derived per page (gateway.rules.transfers).

Three facts reads (policy ``transfer_facts``, ``transfer_period_facts``,
``transfer_mentor_period_facts``): every training period of the page's teachers with the
provider that trains it, and their ECT and mentor periods with the school's URN. Only
the derived transfers leave this loader.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from aiodataloader import DataLoader
from sqlalchemy.orm import aliased

from gateway.auth import policy
from gateway.loaders.base import Loaders
from gateway.loaders.inductions import InductionFactsByTeacher
from gateway.models import schools as sm
from gateway.models import training as trm
from gateway.rules import transfers as tr


class TransfersByTeacher(DataLoader):
    """Teacher id -> the transfers that concern the viewing lead provider; parameter:
    today (statuses depend on it)."""

    def __init__(self, loaders: Loaders, today: dt.date) -> None:
        super().__init__()
        self.loaders = loaders
        self.today = today

    async def batch_load_fn(self, teacher_ids: list[int]) -> list[list[tr.Transfer]]:
        scope = self.loaders.scope
        lead_provider_id = policy.transfers_reader(scope.viewer)
        if lead_provider_id is None:
            return [[] for _ in teacher_ids]
        ids = set(teacher_ids)
        tp = trm.TrainingPeriod
        partnership_alp = aliased(trm.ActiveLeadProvider, name="partnership_alp")
        interest_alp = aliased(trm.ActiveLeadProvider, name="interest_alp")
        training_stmt = (
            scope.facts(
                policy.transfer_facts,
                tp,
                tp.id,
                tp.teacher_id,
                tp.ect_at_school_period_id,
                tp.mentor_at_school_period_id,
                tp.started_on,
                tp.finished_on,
                tp.updated_at,
                sa.func.coalesce(
                    partnership_alp.lead_provider_id, interest_alp.lead_provider_id
                ).label("lead_provider_id"),
            )
            .outerjoin(trm.SchoolPartnership, trm.SchoolPartnership.id == tp.school_partnership_id)
            .outerjoin(
                trm.LeadProviderDeliveryPartnership,
                trm.LeadProviderDeliveryPartnership.id
                == trm.SchoolPartnership.lead_provider_delivery_partnership_id,
            )
            .outerjoin(
                partnership_alp,
                partnership_alp.id == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
            )
            .outerjoin(interest_alp, interest_alp.id == tp.expression_of_interest_id)
            .where(tp.teacher_id.in_(ids))
        )
        trainings: dict[int, list[tr.Training]] = defaultdict(list)
        for r in await self.loaders.fetch(training_stmt):
            is_ect = r.ect_at_school_period_id is not None
            trainings[r.teacher_id].append(
                tr.Training(
                    id=r.id,
                    at_school_id=r.ect_at_school_period_id
                    if is_ect
                    else r.mentor_at_school_period_id,
                    is_ect=is_ect,
                    started_on=r.started_on,
                    finished_on=r.finished_on,
                    lead_provider_id=r.lead_provider_id,
                    updated_at=r.updated_at,
                )
            )
        periods: dict[int, list[tr.SchoolSpan]] = defaultdict(list)
        for model, rule, is_ect in (
            (sm.ECTAtSchoolPeriod, policy.transfer_period_facts, True),
            (sm.MentorAtSchoolPeriod, policy.transfer_mentor_period_facts, False),
        ):
            m: Any = model
            stmt = (
                scope.facts(
                    rule,
                    model,
                    m.id,
                    m.teacher_id,
                    m.school_id,
                    m.started_on,
                    m.finished_on,
                    sm.School.urn,
                )
                .join(sm.School, sm.School.id == m.school_id)
                .where(m.teacher_id.in_(ids))
            )
            for r in await self.loaders.fetch(stmt):
                periods[r.teacher_id].append(
                    tr.SchoolSpan(
                        id=r.id,
                        is_ect=is_ect,
                        school_id=r.school_id,
                        school_urn=r.urn,
                        started_on=r.started_on,
                        finished_on=r.finished_on,
                    )
                )
        inductions = await self.loaders.get(InductionFactsByTeacher).load_many(teacher_ids)
        return [
            tr.transfers_for(
                periods[teacher_id],
                trainings[teacher_id],
                lead_provider_id,
                induction_completed=any(
                    p.finished_on is not None and p.outcome is not None for p in induction
                ),
                today=self.today,
            )
            for teacher_id, induction in zip(teacher_ids, inductions, strict=True)
        ]
