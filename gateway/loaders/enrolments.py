"""Everything a training period's fields read, gathered for a whole list at once.

A lead provider's participants page shows, for each enrolment, its school, cohort,
schedule, partnership, delivery partner, lead provider, uplifts and mentor. Resolving
each of those as its own async field cost about 50 µs a field in GraphQL execution,
most of a 1,000-participant page (bench/graph.py). Instead, whoever builds training
periods gathers the related rows the query selected, level by level through the
per-request loaders (so the SQL is the same batched, policy-scoped SELECTs), and the
fields read them synchronously.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.loaders.base import Loaders, ReadableContacts
from gateway.loaders.inductions import InductionFactsByTeacher
from gateway.loaders.schools import FundingBySchool, MentorParticipantIds
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm

# GraphQL field of TrainingPeriod -> the facts it reads.
FIELD_NEEDS: dict[str, frozenset[str]] = {
    "participantStatus": frozenset({"teacher", "induction"}),
    "school": frozenset({"at_school", "school"}),
    "schoolUrn": frozenset({"at_school", "school"}),
    "trainingRecordId": frozenset({"teacher"}),
    "eligibleForFunding": frozenset({"teacher"}),
    "mentorFundingEndDate": frozenset({"teacher"}),
    "mentorIneligibleForFundingReason": frozenset({"teacher"}),
    "cohortChangedAfterPaymentsFrozen": frozenset({"teacher"}),
    "inductionStartDate": frozenset({"induction"}),
    "inductionEndDate": frozenset({"induction"}),
    "overallInductionStartDate": frozenset({"induction"}),
    "workingPattern": frozenset({"at_school"}),
    "createdAt": frozenset({"at_school"}),
    "email": frozenset({"email"}),
    "scheduleIdentifier": frozenset({"schedule"}),
    "deliveryPartnerId": frozenset({"delivery_partner"}),
    "schoolPartnership": frozenset({"partnership"}),
    "leadProvider": frozenset({"lead_provider"}),
    "deliveryPartner": frozenset({"delivery_partner"}),
    "schedule": frozenset({"schedule"}),
    "cohort": frozenset({"schedule", "partnership"}),
    "mentorId": frozenset({"mentor_id"}),
    "pupilPremiumUplift": frozenset({"funding", "contract_period"}),
    "sparsityUplift": frozenset({"funding", "contract_period"}),
}
ALL: frozenset[str] = frozenset().union(*FIELD_NEEDS.values())


@dataclass
class EnrolmentFacts:
    """The rows around one training period (None where absent or not asked for)."""

    at_school: Any = None  # ECT or mentor at school period
    school: Any = None
    partnership: Any = None
    lpdp: Any = None
    active_lead_provider: Any = None
    lead_provider: Any = None
    delivery_partner: Any = None
    schedule: Any = None
    funding: Any = None  # the school's uplift flags for the training's cohort
    mentor_id: uuid.UUID | None = None
    teacher: Any = None  # the participant's row: stored lead provider facts
    contract_period: Any = None  # the cohort's row (uplift fees enabled?)
    # Every induction period of the teacher, read under ``policy.induction_facts``
    # only to derive dates and statuses (never handed to the graph as rows).
    induction: list[Any] = field(default_factory=list)
    email: Any = None  # the period's readable contact row, None when not readable

    @property
    def cohort(self) -> int | None:
        if self.schedule is not None:
            return self.schedule.contract_period_year
        if self.partnership is not None:
            return self.partnership.contract_period_year
        return None


def needs_for(field_names: Iterable[str] | None) -> frozenset[str]:
    """The facts the selected fields read; every fact when the selection is unknown."""
    if field_names is None:
        return ALL
    return frozenset().union(*(FIELD_NEEDS.get(name, frozenset()) for name in field_names))


class _Stage:
    """Loads issued together and awaited together: one batch per loader per stage.

    ``DataLoader.load`` returns a future, so gathering them starts no task per load
    (wrapping each in a coroutine cost more than the SQL on a 1,000-row page)."""

    def __init__(self) -> None:
        self.targets: list[tuple[EnrolmentFacts | list[Any], str | int]] = []
        self.futures: list[Awaitable[Any]] = []

    def add(self, target: EnrolmentFacts | list[Any], slot: str | int, future: Any) -> None:
        self.targets.append((target, slot))
        self.futures.append(future)

    async def run(self) -> None:
        if not self.futures:
            return
        for (target, slot), value in zip(
            self.targets, await asyncio.gather(*self.futures), strict=True
        ):
            if isinstance(slot, int):
                target[slot] = value  # type: ignore[index]
            else:
                setattr(target, slot, value)


async def gather(
    loaders: Loaders, rows: Sequence[Any], needs: frozenset[str]
) -> list[EnrolmentFacts]:
    facts = [EnrolmentFacts() for _ in rows]
    if not needs:
        return facts
    at_school = bool(needs & {"at_school", "school", "funding"})
    partnership = bool(
        needs & {"partnership", "lead_provider", "delivery_partner", "funding", "contract_period"}
    )
    schedule = bool(needs & {"schedule", "funding", "contract_period"})
    via_lpdp = bool(needs & {"lead_provider", "delivery_partner"})

    def by_id(model: type) -> Any:
        return loaders.by_id(model)

    stage = _Stage()
    for f, row in zip(facts, rows, strict=True):
        if at_school:
            if row.ect_at_school_period_id:
                loader, key = by_id(sm.ECTAtSchoolPeriod), row.ect_at_school_period_id
            else:
                loader, key = by_id(sm.MentorAtSchoolPeriod), row.mentor_at_school_period_id
            stage.add(f, "at_school", loader.load(key))
        if partnership and row.school_partnership_id:
            stage.add(
                f, "partnership", by_id(trm.SchoolPartnership).load(row.school_partnership_id)
            )
        if schedule and row.schedule_id:
            stage.add(f, "schedule", by_id(trm.Schedule).load(row.schedule_id))
        if "mentor_id" in needs and row.ect_at_school_period_id:
            mentors = loaders.get(MentorParticipantIds)
            stage.add(f, "mentor_id", mentors.load(row.ect_at_school_period_id))
        if "lead_provider" in needs and row.expression_of_interest_id:
            alp = by_id(trm.ActiveLeadProvider).load(row.expression_of_interest_id)
            stage.add(f, "active_lead_provider", alp)
        if "teacher" in needs:
            stage.add(f, "teacher", by_id(tm.Teacher).load(row.teacher_id))
        if "induction" in needs:
            stage.add(f, "induction", loaders.get(InductionFactsByTeacher).load(row.teacher_id))
        if "email" in needs:
            if row.ect_at_school_period_id:
                contacts, key = (
                    loaders.get(ReadableContacts, sm.ECTAtSchoolPeriod),
                    row.ect_at_school_period_id,
                )
            else:
                contacts = loaders.get(ReadableContacts, sm.MentorAtSchoolPeriod)
                key = row.mentor_at_school_period_id
            stage.add(f, "email", contacts.load(key))
    await stage.run()

    stage = _Stage()
    funding_rows: list[Any] = [None] * len(facts)
    for i, f in enumerate(facts):
        school_id = f.at_school.school_id if f.at_school is not None else None
        if "school" in needs and school_id is not None:
            stage.add(f, "school", by_id(sm.School).load(school_id))
        if "funding" in needs and school_id is not None:
            funding = loaders.get(FundingBySchool)
            stage.add(funding_rows, i, funding.load(school_id))
        if via_lpdp and f.partnership is not None:
            lpdp_id = f.partnership.lead_provider_delivery_partnership_id
            stage.add(f, "lpdp", by_id(trm.LeadProviderDeliveryPartnership).load(lpdp_id))
        if "contract_period" in needs and f.cohort is not None:
            stage.add(f, "contract_period", by_id(trm.ContractPeriod).load(f.cohort))
    await stage.run()
    for f, rows_of_school in zip(facts, funding_rows, strict=True):
        cohort = f.cohort
        if rows_of_school and cohort is not None:
            f.funding = next((r for r in rows_of_school if r.contract_period_year == cohort), None)

    stage = _Stage()
    for f in facts:
        if f.lpdp is None:
            continue
        if "delivery_partner" in needs:
            partner = by_id(trm.DeliveryPartner).load(f.lpdp.delivery_partner_id)
            stage.add(f, "delivery_partner", partner)
        if "lead_provider" in needs:
            alp = by_id(trm.ActiveLeadProvider).load(f.lpdp.active_lead_provider_id)
            stage.add(f, "active_lead_provider", alp)
    await stage.run()

    if "lead_provider" in needs:
        stage = _Stage()
        for f in facts:
            if f.active_lead_provider is not None:
                provider = by_id(trm.LeadProvider).load(f.active_lead_provider.lead_provider_id)
                stage.add(f, "lead_provider", provider)
        await stage.run()
    return facts
