"""A participant's school transfers as a lead provider sees them (Lead Provider API v3,
``GET /participants/ecf/transfers``).

The rule is the real service's (register-early-career-teachers,
``Teachers::SchoolTransfers::History`` and ``::Transfer``), applied to a teacher's ECT
periods and, separately, to their mentor periods, each list oldest first. For each
period and the one after it:

- the period is finished, and so is its latest training period (the one leaving);
- the next period is at another school, or there is none;
- no next period and an induction finished with an outcome: the teacher completed,
  not a transfer;
- the joining training period is the next period's earliest one (none yet: unknown);
- it concerns this provider: it trained the leaving or the joining period.

Type: ``unknown`` with no joining training, ``new_provider`` when the providers
differ, else ``new_school``. Status: ``incomplete`` while the leaving training has not
ended or the joining one has not started, else ``complete``.

The real service's ``finished_on`` is exclusive; ours is the last day, so a training
whose last day is today has not ended yet. The joining date is the joining training's
start (the older ECF API's; the real service's newer serializer repeats
``finished_on``, which is null on an open joining period).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class TransferType(enum.StrEnum):
    NEW_SCHOOL = "new_school"
    NEW_PROVIDER = "new_provider"
    UNKNOWN = "unknown"


class TransferStatus(enum.StrEnum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class SchoolSpan:
    """An ECT or mentor period: where and when."""

    id: int
    is_ect: bool
    school_id: int
    school_urn: str
    started_on: dt.date
    finished_on: dt.date | None


@dataclass(frozen=True)
class Training:
    """A training period with the provider that trains it (None: school-led)."""

    id: int
    at_school_id: int
    is_ect: bool
    started_on: dt.date
    finished_on: dt.date | None
    lead_provider_id: int | None
    updated_at: dt.datetime


@dataclass(frozen=True)
class Transfer:
    is_ect: bool
    leaving_school: SchoolSpan
    leaving: Training
    joining_school: SchoolSpan | None
    joining: Training | None
    type: TransferType
    status: TransferStatus

    @property
    def updated_at(self) -> dt.datetime:
        stamps = [self.leaving.updated_at]
        if self.joining is not None:
            stamps.append(self.joining.updated_at)
        return max(stamps)


def _status(leaving: Training, joining: Training | None, today: dt.date) -> TransferStatus:
    assert leaving.finished_on is not None  # only finished training leaves
    if leaving.finished_on >= today or (joining is not None and joining.started_on > today):
        return TransferStatus.INCOMPLETE
    return TransferStatus.COMPLETE


def _type(leaving: Training, joining: Training | None) -> TransferType:
    if joining is None:
        return TransferType.UNKNOWN
    if leaving.lead_provider_id != joining.lead_provider_id:
        return TransferType.NEW_PROVIDER
    return TransferType.NEW_SCHOOL


def transfers_for(
    periods: Iterable[SchoolSpan],
    trainings: Iterable[Training],
    lead_provider_id: int,
    *,
    induction_completed: bool,
    today: dt.date,
) -> list[Transfer]:
    """The transfers of one teacher that concern ``lead_provider_id``, ECT ones first,
    each list in the order of the periods."""
    by_period: dict[tuple[bool, int], list[Training]] = {}
    for t in sorted(trainings, key=lambda t: (t.started_on, t.id)):
        by_period.setdefault((t.is_ect, t.at_school_id), []).append(t)
    found: list[Transfer] = []
    for is_ect in (True, False):
        spans: Sequence[SchoolSpan] = sorted(
            (p for p in periods if p.is_ect is is_ect), key=lambda p: (p.started_on, p.id)
        )
        for index, period in enumerate(spans):
            following = spans[index + 1] if index + 1 < len(spans) else None
            if period.finished_on is None:
                continue
            own = by_period.get((is_ect, period.id), [])
            leaving = own[-1] if own else None
            if leaving is None or leaving.finished_on is None:
                continue
            if following is not None and following.school_id == period.school_id:
                continue
            if following is None and induction_completed:
                continue
            next_own = by_period.get((is_ect, following.id), []) if following else []
            joining = next_own[0] if next_own else None
            if lead_provider_id not in (
                leaving.lead_provider_id,
                joining.lead_provider_id if joining else None,
            ):
                continue
            found.append(
                Transfer(
                    is_ect=is_ect,
                    leaving_school=period,
                    leaving=leaving,
                    joining_school=following if joining is not None else None,
                    joining=joining,
                    type=_type(leaving, joining),
                    status=_status(leaving, joining, today),
                )
            )
    return found
