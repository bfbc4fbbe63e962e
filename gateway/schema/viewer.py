"""The `viewer` root field: who the graph thinks you are. Answers without credentials."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from gateway.auth import policy
from gateway.auth.viewer import Role
from gateway.models import inductions as im
from gateway.models import schools as sm
from gateway.models import training as trm
from gateway.schema.base import ctx, gql_enum
from gateway.schema.inductions import AppropriateBody
from gateway.schema.schools import School
from gateway.schema.training import LeadProvider

ViewerRole = Role
gql_enum(
    Role,
    "Role",
    "The role a caller acts in.",
    {
        Role.SCHOOL_USER: "An induction tutor acting for one school.",
        Role.APPROPRIATE_BODY_USER: "Staff of one appropriate body.",
        Role.LEAD_PROVIDER: "A lead provider's system, with an API token.",
        Role.ADMIN: "DfE admin: sees everything.",
        Role.FINANCE: "DfE finance: everything financial, no contact details.",
    },
)


@strawberry.type(description="The caller: signed in or not, the role and organisation.")
class ViewerInfo:
    authenticated: bool = strawberry.field(description="True when the credentials were accepted.")
    role: ViewerRole | None = strawberry.field(description="The role; null when not signed in.")
    error: str | None = strawberry.field(
        description="Why the credentials were refused, when they were."
    )

    @strawberry.field(
        description="The mutations your role may call, by name (empty when not signed in)."
    )
    def actions(self, info: Info) -> list[str]:
        viewer = ctx(info).viewer
        return [] if viewer is None else policy.actions_for(viewer)

    @strawberry.field(description="The school acted for (school users).")
    async def school(
        self, info: Info
    ) -> Annotated[School, strawberry.lazy("gateway.schema.schools")] | None:
        viewer = ctx(info).viewer
        if viewer is None or viewer.school_id is None:
            return None
        return School.maybe(await ctx(info).loaders.load(sm.School, viewer.school_id))

    @strawberry.field(description="The appropriate body acted for (appropriate body users).")
    async def appropriate_body(self, info: Info) -> AppropriateBody | None:
        viewer = ctx(info).viewer
        if viewer is None or viewer.appropriate_body_id is None:
            return None
        return AppropriateBody.maybe(
            await ctx(info).loaders.load(im.AppropriateBody, viewer.appropriate_body_id)
        )

    @strawberry.field(description="The lead provider acted for (lead provider tokens).")
    async def lead_provider(self, info: Info) -> LeadProvider | None:
        viewer = ctx(info).viewer
        if viewer is None or viewer.lead_provider_id is None:
            return None
        return LeadProvider.maybe(
            await ctx(info).loaders.load(trm.LeadProvider, viewer.lead_provider_id)
        )


def resolve_viewer(info: Info) -> ViewerInfo:
    c = ctx(info)
    return ViewerInfo(
        authenticated=c.viewer is not None,
        role=c.viewer.role if c.viewer else None,
        error=c.auth_error.message if c.auth_error else None,
    )
