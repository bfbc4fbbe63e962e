"""Named loaders over the inductions domain."""

from __future__ import annotations

from gateway.auth import policy
from gateway.loaders.base import RowsByKey
from gateway.models import inductions as im


class InductionPeriodsByTeacher(RowsByKey):
    model = im.InductionPeriod
    key = im.InductionPeriod.teacher_id
    order_by = (im.InductionPeriod.started_on,)


class InductionFactsByTeacher(RowsByKey):
    """Every induction period of a visible teacher, read only to derive statuses and
    funding eligibility (``policy.induction_facts``); never handed to the graph."""

    model = im.InductionPeriod
    key = im.InductionPeriod.teacher_id
    order_by = (im.InductionPeriod.started_on,)
    facts = staticmethod(policy.induction_facts)


class ExtensionsByTeacher(RowsByKey):
    model = im.InductionExtension
    key = im.InductionExtension.teacher_id
