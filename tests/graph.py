"""Helpers for the graph tests: tokens for each role and a GraphQL call over HTTP."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa

from gateway.auth import api_tokens
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.models import inductions as im
from gateway.models import schools as sm
from gateway.models import training as trm
from gateway.settings import Settings


@dataclass(frozen=True)
class Caller:
    """A role acting for one organisation (``org_id``: school, body or provider id)."""

    role: Role
    token: str
    org_id: int | None = None
    label: str = ""


async def gql(
    client: httpx.AsyncClient,
    query: str,
    token: str | None = None,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def answer(result: dict[str, Any]) -> dict[str, Any]:
    """A response's data and errors, without its extensions (every answer carries its
    cost in ``extensions.cost``), for tests that compare whole answers."""
    return {k: v for k, v in result.items() if k != "extensions"}


async def call(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """``gql`` with the token first, as the workflow tests read best."""
    return await gql(client, query, token, variables)


def decode_global_id(gid: str) -> tuple[str, int]:
    type_name, _, node_id = base64.b64decode(gid).decode().partition(":")
    return type_name, int(node_id)


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


async def callers(db: Database) -> list[Caller]:
    """Two schools, two appropriate bodies, two lead providers, admin and finance.

    Picks organisations that have data, so that scope checks are not vacuous.
    """
    settings = db.settings
    out: list[Caller] = [
        Caller(Role.ADMIN, mint_development_token(settings, Role.ADMIN), label="admin"),
        Caller(Role.FINANCE, mint_development_token(settings, Role.FINANCE), label="finance"),
    ]
    async with db.session() as s:
        schools = (
            await s.execute(
                sa.select(sm.School.id, sm.School.urn)
                .join(sm.ECTAtSchoolPeriod, sm.ECTAtSchoolPeriod.school_id == sm.School.id)
                .group_by(sm.School.id, sm.School.urn)
                .order_by(sa.func.count().desc(), sm.School.id)
                .limit(2)
            )
        ).all()
        for school_id, urn in schools:
            token = mint_development_token(settings, Role.SCHOOL_USER, school_urn=urn)
            out.append(Caller(Role.SCHOOL_USER, token, school_id, f"school {urn}"))
        bodies = (
            await s.execute(
                sa.select(im.InductionPeriod.appropriate_body_id)
                .group_by(im.InductionPeriod.appropriate_body_id)
                .order_by(sa.func.count().desc(), im.InductionPeriod.appropriate_body_id)
                .limit(2)
            )
        ).scalars()
        for body_id in bodies:
            token = mint_development_token(
                settings, Role.APPROPRIATE_BODY_USER, appropriate_body_id=body_id
            )
            out.append(Caller(Role.APPROPRIATE_BODY_USER, token, body_id, f"body {body_id}"))
        providers = (
            await s.execute(sa.select(trm.LeadProvider.id).order_by(trm.LeadProvider.id).limit(2))
        ).scalars()
        for provider_id in list(providers):
            token = await api_tokens.issue(s, provider_id, "tests")
            out.append(Caller(Role.LEAD_PROVIDER, token, provider_id, f"provider {provider_id}"))
        await s.commit()
    return out


@contextlib.asynccontextmanager
async def client_for(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a new app with ``settings`` over ``db`` (its own rate-limit buckets)."""
    from gateway.app import create_app

    app = create_app(settings, database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c
    for route in app.routes:
        buckets = getattr(getattr(route, "endpoint", None), "buckets", None)
        if buckets is not None:
            await buckets.close()
