"""Named loaders over the audit trail."""

from __future__ import annotations

from gateway.loaders.base import RowsByKey
from gateway.models import audit as am


class EventsByTeacher(RowsByKey):
    """A teacher's events you may see (``policy.events``), oldest first."""

    model = am.Event
    key = am.Event.teacher_id
    order_by = (am.Event.happened_at,)
