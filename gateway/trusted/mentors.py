"""The ``unfundedMentors`` root field compiled to one SELECT: the rows are
``resolvers.teachers.unfunded_mentors_statement`` (``policy.unfunded_mentors``), the
fields the teacher's own columns (name, TRN, ids, stamps)."""

from __future__ import annotations

from typing import Any

from gateway.models import teachers as tm
from gateway.resolvers.teachers import (
    TEACHER_ORDER,
    UpdatedSince,
    unfunded_mentors_statement,
)
from gateway.trusted.connection import ListField, Page, Reads, instant
from gateway.trusted.jsonsql import JsonSQL
from gateway.trusted.selection import Selected, Unsupported

FIELDS = {"id", "participantId", "fullName", "trn", "createdAt", "updatedAt"}


def _check(children: list[Selected]) -> None:
    for child in children:
        if child.name not in FIELDS:
            raise Unsupported(f"UnfundedMentor.{child.name}")


def _node(j: JsonSQL, reads: Reads, page: Page, children: list[Selected]) -> Any:
    t = page.c
    values = {
        "id": j.global_id("UnfundedMentor", t.id),
        "participantId": j.uuid(t.api_id),
        "fullName": tm.full_name_sql(t.trs_first_name, t.trs_last_name, t.corrected_name),
        "trn": t.trn,
        "createdAt": j.instant(t.created_at),
        "updatedAt": j.instant(t.api_updated_at),
    }
    return j.obj([(c.key, values[c.name]) for c in children])


UNFUNDED_MENTORS = ListField(
    filters=UpdatedSince,
    arguments={"updatedSince": ("updated_since", instant)},
    statement=unfunded_mentors_statement,
    order=TEACHER_ORDER,
    check_node=_check,
    node=_node,
)
"""Query.unfundedMentors (operations/lead_provider/UnfundedMentors)."""
