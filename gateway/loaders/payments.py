"""Named loaders over the payments domain."""

from __future__ import annotations

from gateway.loaders.base import RowsByKey
from gateway.models import payments as pm


class DeclarationsByTrainingPeriod(RowsByKey):
    model = pm.Declaration
    key = pm.Declaration.training_period_id
    order_by = (pm.Declaration.declaration_date,)


class AdjustmentsByStatement(RowsByKey):
    model = pm.StatementAdjustment
    key = pm.StatementAdjustment.statement_id
