"""The root Query: one graph for every role, scoped by who is calling."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

from gateway.auth import policy
from gateway.auth.errors import ForbiddenError
from gateway.errors import BadUserInput
from gateway.resolvers import inductions as inductions_r
from gateway.resolvers import payments as payments_r
from gateway.resolvers import schools as schools_r
from gateway.resolvers import schools_in_cohort as schools_in_cohort_r
from gateway.resolvers import teachers as teachers_r
from gateway.resolvers import training as training_r
from gateway.schema.base import ctx
from gateway.schema.contracts import Contract
from gateway.schema.inductions import (
    AppropriateBody,
    ClaimableTeacher,
    InductionPeriod,
    TeacherRecord,
)
from gateway.schema.payments import Declaration, FeeType, Statement
from gateway.schema.rate_limit import RateLimit, resolve_rate_limit
from gateway.schema.reports import Reports
from gateway.schema.schools import School, SchoolInCohortConnection
from gateway.schema.teachers import InductionStatus, Teacher, UnfundedMentor
from gateway.schema.training import (
    ContractPeriod,
    DeliveryPartner,
    LeadProvider,
    SchoolPartnership,
    TrainingStatus,
)
from gateway.schema.viewer import ViewerInfo, resolve_viewer


class SignedIn(BasePermission):
    """Every root field but `viewer` needs accepted credentials."""

    message = "Sign in first."

    def has_permission(self, source: object, info: Info, **kwargs: object) -> bool:
        ctx(info).require_viewer()  # raises the precise reason (AuthError, with its code)
        _require_zones(kwargs)
        _require_object_ids(info, kwargs)
        return True


def _require_object_ids(info: Info, arguments: dict[str, object]) -> None:
    """A global ID must name an object type ("Teacher:1"): an interface's name
    ("Node:1") or an unknown one names nothing that could be fetched."""
    for value in arguments.values():
        for global_id in value if isinstance(value, list) else [value]:
            if not isinstance(global_id, relay.GlobalID):
                continue
            definition = info.schema.get_type_by_name(global_id.type_name)
            if not isinstance(definition, StrawberryObjectDefinition) or definition.is_interface:
                raise BadUserInput(
                    f"'{global_id.type_name}' is no type of object with an id: use an id "
                    "the graph gave you."
                )


def _require_zones(arguments: dict[str, object]) -> None:
    """An instant without a time zone (``updatedSince: "2026-01-01T00:00:00"``) means
    nothing certain: refuse it as bad input rather than guess UTC."""
    for name, value in arguments.items():
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            head, *rest = name.split("_")
            shown = head + "".join(part.title() for part in rest)
            raise BadUserInput(
                f"'{shown}' needs a time zone: send it as updatedAt is given, e.g. "
                "2026-01-01T00:00:00+00:00."
            )


def signed_in(description: str, **kwargs: Any) -> Any:
    """``@strawberry.field`` for a root field that needs a viewer; typed ``Any`` as
    Strawberry types the decorator it returns."""
    return strawberry.field(description=description, permission_classes=[SignedIn], **kwargs)


First = Annotated[
    int | None,
    strawberry.argument(
        description="Page size: 100 by default; at most 100 (lead providers: 3,000)."
    ),
]
After = Annotated[
    str | None, strawberry.argument(description="Return the page after this cursor (endCursor).")
]
Cohorts = Annotated[
    list[int] | None,
    strawberry.argument(description="Only these contract periods (cohort years)."),
]
UpdatedSince = Annotated[
    dt.datetime | None, strawberry.argument(description="Only records changed at or after this.")
]
DeliveryPartnerId = Annotated[
    uuid.UUID | None, strawberry.argument(description="Only this delivery partner (its apiId).")
]
ApiId = Annotated[
    uuid.UUID, strawberry.argument(description="The id the Lead Provider API uses (apiId).")
]
DeliveryPartnerIds = Annotated[
    list[uuid.UUID] | None,
    strawberry.argument(
        description="Only these delivery partners (their apiIds), as v3's comma-separated "
        "delivery_partner_id filter."
    ),
]
OneDeliveryPartnerId = Annotated[
    uuid.UUID | None,
    strawberry.argument(
        description="Only this delivery partner (its apiId).",
        deprecation_reason="Use deliveryPartnerIds, which takes a list.",
    ),
]


def one_or_many(
    single: uuid.UUID | None, many: list[uuid.UUID] | None, name: str
) -> list[uuid.UUID] | None:
    """The list filter a deprecated single-value argument stands for; both at once is
    ambiguous, so it is refused rather than guessed."""
    if single is not None and many is not None:
        raise BadUserInput(f"Give {name}s (a list) or {name}, not both: {name}s: [a, b] does both.")
    return [single] if single is not None else many


@strawberry.type(description="Read the early career teacher services.")
class Query:
    viewer: ViewerInfo = strawberry.field(
        resolver=resolve_viewer,
        description="Who you are signed in as. Answers without credentials.",
    )
    rate_limit: RateLimit | None = strawberry.field(
        resolver=resolve_rate_limit,
        description="Where your budget of cost points stands. Answers without credentials.",
    )
    node: relay.Node | None = relay.node(
        description="Fetch any object by its global ID; null if it is not visible to you.",
        permission_classes=[SignedIn],
    )
    nodes: list[relay.Node | None] = relay.node(
        description="Fetch objects by global ID, in order; null for those not visible to you.",
        permission_classes=[SignedIn],
    )

    @signed_in("A teacher by TRN or participant id; null if not visible to you.")
    async def teacher(
        self,
        info: Info,
        trn: Annotated[str | None, strawberry.argument(description="7-digit TRN.")] = None,
        participant_id: Annotated[
            uuid.UUID | None, strawberry.argument(description="The lead providers' participant id.")
        ] = None,
    ) -> Teacher | None:
        if trn is None and participant_id is None:
            raise BadUserInput("Give trn or participantId.")
        return await teachers_r.teacher_by_natural_key(ctx(info), trn, participant_id)

    @signed_in(
        "Teachers you may see, least recently updated first. For lead providers these are "
        "the participants; the training filters apply to their enrolments (the latest ECT and "
        "mentor training of each, with you for a lead provider)."
    )
    async def teachers(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        school_urn: Annotated[
            str | None, strawberry.argument(description="Only teachers at this school (URN).")
        ] = None,
        updated_since: UpdatedSince = None,
        cohorts: Cohorts = None,
        training_status: Annotated[
            TrainingStatus | None, strawberry.argument(description="Only this training status.")
        ] = None,
        participant_id: Annotated[
            uuid.UUID | None, strawberry.argument(description="Only this participant.")
        ] = None,
        delivery_partner_id: DeliveryPartnerId = None,
        from_participant_id: Annotated[
            uuid.UUID | None,
            strawberry.argument(
                description="Only the participant that this old participant id (merged "
                "away, see `participantIdChanges`) now points at."
            ),
        ] = None,
        induction_status: Annotated[
            InductionStatus | None,
            strawberry.argument(description="Only teachers whose induction stands here."),
        ] = None,
    ) -> relay.Connection[Teacher]:
        filters = teachers_r.TeacherFilters(
            school_urn=school_urn,
            updated_since=updated_since,
            cohorts=cohorts,
            training_status=training_status,
            participant_id=participant_id,
            from_participant_id=from_participant_id,
            delivery_partner_id=delivery_partner_id,
            induction_status=induction_status,
        )
        return await teachers_r.teachers(ctx(info), filters, first, after)

    @signed_in(
        "Lead providers: your participants with a transfer that concerns you (v3 "
        "/participants/ecf/transfers), least recently updated first; read each one's "
        "`transfers`. A page may hold fewer than `first`: follow `endCursor` while "
        "`hasNextPage`. Empty for everyone else."
    )
    async def participant_transfers(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        updated_since: UpdatedSince = None,
    ) -> relay.Connection[Teacher]:
        return await teachers_r.participant_transfers(ctx(info), updated_since, first, after)

    @signed_in(
        "Lead providers: mentors of the ECTs you train whom you do not train (v3 "
        "/unfunded-mentors), least recently updated first. Empty for everyone else."
    )
    async def unfunded_mentors(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        updated_since: UpdatedSince = None,
    ) -> relay.Connection[UnfundedMentor]:
        return await teachers_r.unfunded_mentors(ctx(info), updated_since, first, after)

    @signed_in("A school by URN; null if not visible to you.")
    async def school(
        self, info: Info, urn: Annotated[str, strawberry.argument(description="6-digit URN.")]
    ) -> School | None:
        return await schools_r.school_by_urn(ctx(info), urn)

    @signed_in("Schools you may see, by URN.")
    async def schools(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        cohort: Annotated[
            int | None,
            strawberry.argument(
                description="Schools that can partner in this cohort: eligible, or partnered."
            ),
        ] = None,
        eligible: Annotated[
            bool | None, strawberry.argument(description="Only eligible (or ineligible) schools.")
        ] = None,
        name_contains: Annotated[
            str | None, strawberry.argument(description="Case-insensitive part of the name.")
        ] = None,
    ) -> relay.Connection[School]:
        return await schools_r.schools(
            ctx(info),
            cohort=cohort,
            eligible=eligible,
            name_contains=name_contains,
            first=first,
            after=after,
        )

    @signed_in(
        "Schools in a cohort, as a lead provider looks for schools to partner with (v3 "
        "GET /schools): eligible schools, and ineligible ones in partnership in the cohort; "
        "least recently updated first."
    )
    async def schools_in_cohort(
        self,
        info: Info,
        cohort: Annotated[int, strawberry.argument(description="The cohort (required, as in v3).")],
        first: First = None,
        after: After = None,
        urn: Annotated[
            str | None, strawberry.argument(description="Only the school with this URN.")
        ] = None,
        updated_since: UpdatedSince = None,
    ) -> SchoolInCohortConnection:
        return await schools_in_cohort_r.schools_in_cohort(
            ctx(info),
            cohort=cohort,
            urn=urn,
            updated_since=updated_since,
            first=first,
            after=after,
        )

    @signed_in(
        "Induction periods you may see, oldest first; for an appropriate body, its caseload."
    )
    async def induction_periods(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        current: Annotated[
            bool | None,
            strawberry.argument(description="True: open claims; false: finished; null: all."),
        ] = None,
        appropriate_body_id: Annotated[
            int | None, strawberry.argument(description="Only this appropriate body's periods.")
        ] = None,
    ) -> relay.Connection[InductionPeriod]:
        return await inductions_r.induction_periods(
            ctx(info),
            current=current,
            appropriate_body_id=appropriate_body_id,
            first=first,
            after=after,
        )

    @signed_in(
        "Appropriate bodies: the teachers you may claim (ECTs at schools that reported "
        "your body, with QTS, no outcome and no open induction), by name. Empty for "
        "everyone else."
    )
    async def claimable_teachers(self, info: Info, first: First = None) -> list[ClaimableTeacher]:
        return await inductions_r.claimable_teachers(ctx(info), first)

    @signed_in(
        "Look a teacher up in the Teaching Record System by TRN and date of birth (schools, "
        "appropriate bodies and admin), to register or claim them. Null when nothing "
        "matches both: an unknown TRN and a wrong date of birth read the same."
    )
    async def teacher_record(
        self,
        info: Info,
        trn: Annotated[str, strawberry.argument(description="7-digit TRN.")],
        date_of_birth: Annotated[
            dt.date, strawberry.argument(description="Date of birth (compared, never stored).")
        ],
    ) -> TeacherRecord | None:
        return await teachers_r.teacher_record(ctx(info), trn, date_of_birth)

    @signed_in("Every appropriate body, by name.")
    async def appropriate_bodies(self, info: Info) -> list[AppropriateBody]:
        return await inductions_r.appropriate_bodies(ctx(info))

    @signed_in("Every lead provider, by name.")
    async def lead_providers(self, info: Info) -> list[LeadProvider]:
        return await training_r.lead_providers(ctx(info))

    @signed_in("Every contract period (cohort), oldest first.")
    async def contract_periods(self, info: Info) -> list[ContractPeriod]:
        return await training_r.contract_periods(ctx(info))

    @signed_in("Delivery partners by name; for a lead provider, the ones it works with.")
    async def delivery_partners(
        self, info: Info, first: First = None, after: After = None, cohorts: Cohorts = None
    ) -> relay.Connection[DeliveryPartner]:
        return await training_r.delivery_partners(
            ctx(info), cohorts=cohorts, first=first, after=after
        )

    @signed_in("A delivery partner by its apiId; null unless the list would show it to you.")
    async def delivery_partner(self, info: Info, api_id: ApiId) -> DeliveryPartner | None:
        return await training_r.delivery_partner_by_api_id(ctx(info), api_id)

    @signed_in("A school partnership by its apiId; null if not visible to you.")
    async def partnership(self, info: Info, api_id: ApiId) -> SchoolPartnership | None:
        return await training_r.partnership_by_api_id(ctx(info), api_id)

    @signed_in("A declaration by its apiId; null if not visible to you.")
    async def declaration(self, info: Info, api_id: ApiId) -> Declaration | None:
        return await payments_r.declaration_by_api_id(ctx(info), api_id)

    @signed_in("A statement by its apiId; null if not visible to you.")
    async def statement(self, info: Info, api_id: ApiId) -> Statement | None:
        return await payments_r.statement_by_api_id(ctx(info), api_id)

    @signed_in(
        "School partnerships you may see, least recently updated first (updatedAt moves "
        "with the partnership, its school's induction tutor and its participants "
        "currently training)."
    )
    async def partnerships(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        cohorts: Cohorts = None,
        updated_since: UpdatedSince = None,
        delivery_partner_ids: DeliveryPartnerIds = None,
        delivery_partner_id: OneDeliveryPartnerId = None,
    ) -> relay.Connection[SchoolPartnership]:
        return await training_r.partnerships(
            ctx(info),
            cohorts=cohorts,
            updated_since=updated_since,
            delivery_partner_ids=one_or_many(
                delivery_partner_id, delivery_partner_ids, "deliveryPartnerId"
            ),
            first=first,
            after=after,
        )

    @signed_in("Declarations you may see, least recently updated first.")
    async def declarations(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        cohorts: Cohorts = None,
        updated_since: UpdatedSince = None,
        participant_ids: Annotated[
            list[uuid.UUID] | None,
            strawberry.argument(
                description="Only these participants (participant ids), as v3's "
                "comma-separated participant_id filter."
            ),
        ] = None,
        delivery_partner_ids: DeliveryPartnerIds = None,
        participant_id: Annotated[
            uuid.UUID | None,
            strawberry.argument(
                description="Only this participant.",
                deprecation_reason="Use participantIds, which takes a list.",
            ),
        ] = None,
        delivery_partner_id: OneDeliveryPartnerId = None,
    ) -> relay.Connection[Declaration]:
        return await payments_r.declarations(
            ctx(info),
            cohorts=cohorts,
            updated_since=updated_since,
            participant_ids=one_or_many(participant_id, participant_ids, "participantId"),
            delivery_partner_ids=one_or_many(
                delivery_partner_id, delivery_partner_ids, "deliveryPartnerId"
            ),
            first=first,
            after=after,
        )

    @signed_in("DfE's figures about the service (admin and finance; FORBIDDEN for anyone else).")
    def reports(self, info: Info) -> Reports:
        if not policy.may_read_reports(ctx(info).require_viewer()):
            raise ForbiddenError("Reports are for DfE admin and finance.")
        return Reports()

    @signed_in(
        "Contracts you may see (finance and admin: all; a lead provider: its own), by "
        "contract period and lead provider."
    )
    async def contracts(self, info: Info, cohorts: Cohorts = None) -> list[Contract]:
        return await payments_r.contracts(ctx(info), cohorts=cohorts)

    @signed_in("Statements you may see (lead providers: output statements), by payment date.")
    async def statements(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        cohorts: Cohorts = None,
        updated_since: UpdatedSince = None,
        fee_type: Annotated[
            FeeType | None, strawberry.argument(description="Only output or service statements.")
        ] = None,
    ) -> relay.Connection[Statement]:
        return await payments_r.statements(
            ctx(info),
            cohorts=cohorts,
            updated_since=updated_since,
            fee_type=fee_type,
            first=first,
            after=after,
        )
