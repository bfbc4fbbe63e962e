"""Named loaders over the training domain."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.loaders.base import RowsByKey
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
