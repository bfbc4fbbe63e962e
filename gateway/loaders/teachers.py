"""Named loaders over the teachers domain."""

from __future__ import annotations

from gateway.loaders.base import RowsByKey
from gateway.models import teachers as tm


class IdChangesByTeacher(RowsByKey):
    """A teacher's participant id changes, oldest first."""

    model = tm.TeacherIdChange
    key = tm.TeacherIdChange.teacher_id
    order_by = (tm.TeacherIdChange.created_at,)
