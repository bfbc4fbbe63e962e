"""DfE's reports in the graph: figures about the service for admin and finance."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from gateway.resolvers import reports
from gateway.schema.base import ctx
from gateway.schema.payments import DeclarationState, DeclarationType
from gateway.schema.schools import ParticipantStatus
from gateway.schema.training import ParticipantType, TrainingStatus


@strawberry.type(description="How many declarations of one type are in one state.")
class DeclarationCount:
    lead_provider_id: strawberry.ID = strawberry.field(description="The lead provider's id.")
    lead_provider_name: str = strawberry.field(description="The lead provider.")
    cohort: int = strawberry.field(description="The contract period of the statement.")
    statement_year: int = strawberry.field(description="The statement's year.")
    statement_month: int = strawberry.field(description="The statement's month (1 to 12).")
    declaration_type: DeclarationType = strawberry.field(description="The declaration type.")
    state: DeclarationState = strawberry.field(description="The state lead providers see.")
    count: int = strawberry.field(description="How many declarations.")


@strawberry.type(description="How many ECTs or mentors stand in one place.")
class ParticipantCount:
    cohort: int | None = strawberry.field(
        description="The cohort of their latest training (null for school-led training)."
    )
    lead_provider_id: strawberry.ID | None = strawberry.field(
        description="The lead provider's id (null for school-led training)."
    )
    lead_provider_name: str | None = strawberry.field(description="The lead provider.")
    participant_type: ParticipantType = strawberry.field(description="ECT or mentor.")
    training_status: TrainingStatus = strawberry.field(description="Active, deferred, withdrawn.")
    participant_status: ParticipantStatus = strawberry.field(
        description="Joining, active, leaving or left, as lead providers see it, today."
    )
    count: int = strawberry.field(description="How many teachers.")


@strawberry.type(description="One appropriate body's inductions.")
class InductionCount:
    appropriate_body_id: strawberry.ID = strawberry.field(description="The body's id.")
    appropriate_body_name: str = strawberry.field(description="The appropriate body.")
    open: int = strawberry.field(description="Induction periods open now.")
    passed: int = strawberry.field(description="Periods that ended in a pass.")
    failed: int = strawberry.field(description="Periods that ended in a fail.")
    released: int = strawberry.field(description="Periods closed without an outcome.")


@strawberry.type(description="Schools with ECTs in a cohort but no school partnership in it.")
class SchoolsWithoutPartnership:
    cohort: int = strawberry.field(description="The contract period (cohort year).")
    schools: int = strawberry.field(
        description="Schools that had an ECT during the contract period and no partnership in it."
    )


@strawberry.type(
    description="Figures about the service, computed in the database. DfE admin and finance "
    "only: anyone else is refused (FORBIDDEN)."
)
class Reports:
    @strawberry.field(
        description="Declarations by lead provider, statement, type and state (a clawback "
        "counts on its clawback statement)."
    )
    async def declarations(
        self,
        info: Info,
        cohorts: Annotated[
            list[int] | None, strawberry.argument(description="Only these cohorts.")
        ] = None,
    ) -> list[DeclarationCount]:
        rows = await reports.declarations(ctx(info), cohorts)
        return [
            DeclarationCount(
                lead_provider_id=strawberry.ID(str(r.lead_provider_id)),
                lead_provider_name=r.lead_provider_name,
                cohort=r.cohort,
                statement_year=r.statement_year,
                statement_month=r.statement_month,
                declaration_type=DeclarationType(r.declaration_type),
                state=DeclarationState(r.state),
                count=r.count,
            )
            for r in rows
        ]

    @strawberry.field(
        description="ECTs and mentors by cohort, lead provider, training status and "
        "participant status: each teacher once per participant type, by their latest "
        "training period."
    )
    async def participants(
        self,
        info: Info,
        cohorts: Annotated[
            list[int] | None, strawberry.argument(description="Only these cohorts.")
        ] = None,
    ) -> list[ParticipantCount]:
        rows = await reports.participants(ctx(info), cohorts)
        return [
            ParticipantCount(
                cohort=r.cohort,
                lead_provider_id=(
                    strawberry.ID(str(r.lead_provider_id)) if r.lead_provider_id else None
                ),
                lead_provider_name=r.lead_provider_name,
                participant_type=ParticipantType(r.participant_type),
                training_status=TrainingStatus(r.training_status),
                participant_status=ParticipantStatus(r.participant_status),
                count=r.count,
            )
            for r in rows
        ]

    @strawberry.field(description="Induction outcomes and open inductions by appropriate body.")
    async def inductions(self, info: Info) -> list[InductionCount]:
        rows = await reports.inductions(ctx(info))
        return [
            InductionCount(
                appropriate_body_id=strawberry.ID(str(r.appropriate_body_id)),
                appropriate_body_name=r.appropriate_body_name,
                open=r.open,
                passed=r.passed,
                failed=r.failed,
                released=r.released,
            )
            for r in rows
        ]

    @strawberry.field(description="Per cohort, schools with ECTs but no school partnership.")
    async def schools_without_partnership(self, info: Info) -> list[SchoolsWithoutPartnership]:
        rows = await reports.schools_without_partnership(ctx(info))
        return [SchoolsWithoutPartnership(cohort=r.cohort, schools=r.schools) for r in rows]
