"""Trusted operations: the compiled path answers exactly as Strawberry does.

Every compiled document runs for every role and a spread of variables twice: as the
trusted text (compiled for its folder's role) and as the same text with a trailing
newline, which is no trusted document (so Strawberry runs it). The parsed JSON must be
identical, errors included; a compiled request costs one SQL statement per root field
plus the credential lookup. Seed data at two scales, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from gateway.app import create_app
from gateway.auth.viewer import Role
from gateway.clock import FixedClock
from gateway.db import Database, create_engine
from gateway.migrate import upgrade
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.settings import Settings, SettingsError
from gateway.trusted.manifest import sha256_hex
from gateway.trusted.planner import TrustedOperations
from tests.conftest import SEED_TODAY
from tests.graph import Caller, answer, callers
from tests.test_statement_counts import count_statements

ROOT = Path(__file__).parent.parent
PARTICIPANTS = (ROOT / "operations" / "lead_provider" / "Participants.graphql").read_text()
UNFUNDED = (ROOT / "operations" / "lead_provider" / "UnfundedMentors.graphql").read_text()

COMPILED = {"lead_provider/Participants.graphql", "lead_provider/UnfundedMentors.graphql"}
"""The documents the planner compiles today (the rest run through Strawberry)."""


def test_the_planner_compiles_what_it_says(settings: Settings) -> None:
    trusted = TrustedOperations.load(settings)
    planned = {
        str(p.document.path.relative_to(ROOT / "operations")) for p in trusted.plans.values()
    }
    assert planned == COMPILED
    assert len(trusted.manifest) == len(list((ROOT / "operations").glob("*/*.graphql")))
    # Training on a database of its own: the compiled SQL could not reach it, so nothing
    # is planned (every document runs through Strawberry, which routes by domain).
    apart = dataclasses.replace(
        settings, domain_urls={"training": "sqlite+aiosqlite:////tmp/elsewhere.db"}
    )
    assert TrustedOperations.load(apart).plans == {}


# -- two seeded databases ----------------------------------------------------------------

LARGER_SCHEMA = "trusted_tests"


@pytest.fixture(scope="module")
async def larger_db(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """A second seed, three times the shared one (kept short: about as long again)."""
    from gateway.seed import seed_database

    if make_url(database_url).get_backend_name() == "postgresql":
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {LARGER_SCHEMA} CASCADE"))
            await conn.execute(sa.text(f"CREATE SCHEMA {LARGER_SCHEMA}"))
        await engine.dispose()
        url = database_url
        kwargs: dict[str, Any] = {
            "connect_args": {"server_settings": {"search_path": LARGER_SCHEMA}}
        }
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('trusted')}/larger.db"
        kwargs = {}
    settings = Settings(environment="test", database_url=url, jwt_secret="test-secret-" + "x" * 40)
    database = Database(settings, **kwargs)
    await upgrade(database)
    await seed_database(database, scale=0.03, seed=11, today=SEED_TODAY)
    yield database
    await database.dispose()
    if make_url(database_url).get_backend_name() == "postgresql":
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {LARGER_SCHEMA} CASCADE"))
        await engine.dispose()


@pytest.fixture(params=["shared", "larger"], scope="module")
async def world(
    request: pytest.FixtureRequest, seeded_db: Database, larger_db: Database
) -> AsyncIterator[tuple[Database, Any]]:
    db = seeded_db if request.param == "shared" else larger_db
    app = create_app(db.settings, database=db, clock=FixedClock(SEED_TODAY))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield db, client


async def post(client: httpx.AsyncClient, token: str | None, body: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def selects(statements: list[str]) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH")))


async def both(
    world: tuple[Database, httpx.AsyncClient],
    token: str | None,
    text: str,
    variables: dict[str, Any],
) -> tuple[Any, Any, int]:
    """(the trusted text's answer, the same text untrusted: Strawberry's answer, the
    SELECTs the trusted one cost)."""
    db, client = world
    with count_statements(db) as statements:
        trusted = await post(client, token, {"query": text, "variables": variables})
    plain = await post(client, token, {"query": text + "\n", "variables": variables})
    return trusted, plain, selects(statements)


def without_request_ids(result: Any) -> Any:
    """Errors carry the request's id, which differs between any two requests; and the
    caller's bucket (extensions.cost.throttleStatus) is lower for the later of two. The
    costs themselves, requested and actual (read from the compiled JSON), must agree."""
    for error in result.get("errors") or []:
        error.get("extensions", {}).pop("requestId", None)
    result.get("extensions", {}).get("cost", {}).pop("throttleStatus", None)
    return result


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two answers differ (the first few), for a readable failure."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = [f"{path}.{k}: only one side" for k in a.keys() ^ b.keys()]
        for k in a.keys() & b.keys():
            found += differences(a[k], b[k], f"{path}.{k}")
        return found[:10]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ][:10]
    if isinstance(a, list) and isinstance(b, list):
        return [f"{path}: {len(a)} items != {len(b)}: {a!r:.300} != {b!r:.300}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


async def same(
    world, caller: Caller | None, variables: dict[str, Any], document: str = PARTICIPANTS
) -> Any:
    """Both paths answer alike; a lead provider's answer without errors was compiled
    (one SELECT for the credential, one for the teachers: Strawberry needs many more)."""
    trusted, plain, cost = await both(world, caller and caller.token, document, variables)
    assert without_request_ids(trusted) == without_request_ids(plain), differences(trusted, plain)
    if caller is not None and caller.role is Role.LEAD_PROVIDER and "errors" not in trusted:
        assert cost == 2, variables
    return trusted


# -- the differential runs -----------------------------------------------------------------


async def test_participants_pages_match_strawberry_for_every_role(world) -> None:
    db, client = world
    for caller in await callers(db):
        sizes = (1, 2, 100, 1000) if caller.role is Role.LEAD_PROVIDER else (2, 100)
        for first in sizes:
            result = await same(world, caller, {"first": first})
            if caller.role is Role.LEAD_PROVIDER and "errors" not in result:
                edges = result["data"]["teachers"]["edges"]
                assert len(edges) <= first
    assert (await same(world, None, {"first": 2}))["errors"]  # not signed in: the same error


def is_larger(request: pytest.FixtureRequest) -> bool:
    return bool(request.node.callspec.params["world"] == "larger")


async def test_walking_every_page_alternating_paths_reads_the_same(world, request) -> None:
    """A full sync in pages of 40 (300 on the larger seed, to keep Strawberry's half
    short), each page's cursor from the other path's answer."""
    db, client = world
    size = 300 if is_larger(request) else 40
    providers = [c for c in await callers(db) if c.role is Role.LEAD_PROVIDER]
    for provider in providers:
        after, seen, pages = None, 0, 0
        while True:
            trusted = await same(world, provider, {"first": size, "after": after})
            plain = await post(
                client,
                provider.token,
                {"query": PARTICIPANTS + "\n", "variables": {"first": size, "after": after}},
            )
            page = trusted["data"]["teachers"]
            seen += len(page["edges"])
            pages += 1
            # Alternate: the compiled path's cursor, then Strawberry's (they are equal).
            after = (trusted if pages % 2 else plain)["data"]["teachers"]["pageInfo"]["endCursor"]
            if not page["pageInfo"]["hasNextPage"]:
                break
        async with db.session() as s:
            visible = await s.scalar(
                sa.select(sa.func.count(sa.distinct(trm.TrainingPeriod.teacher_id))).where(
                    sa.or_(
                        trm.TrainingPeriod.school_partnership_id.in_(
                            sa.select(trm.SchoolPartnership.id)
                            .join(
                                trm.LeadProviderDeliveryPartnership,
                                trm.LeadProviderDeliveryPartnership.id
                                == trm.SchoolPartnership.lead_provider_delivery_partnership_id,
                            )
                            .join(
                                trm.ActiveLeadProvider,
                                trm.ActiveLeadProvider.id
                                == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
                            )
                            .where(trm.ActiveLeadProvider.lead_provider_id == provider.org_id)
                        ),
                        trm.TrainingPeriod.expression_of_interest_id.in_(
                            sa.select(trm.ActiveLeadProvider.id).where(
                                trm.ActiveLeadProvider.lead_provider_id == provider.org_id
                            )
                        ),
                    )
                )
            )
        # Every participant of the provider is read once (the spec: one training period
        # with it, through a partnership or an expression of interest).
        assert seen == visible and seen > 0


async def test_unfunded_mentors_match_strawberry(world) -> None:
    db, client = world
    for caller in await callers(db):
        for first in (1, 2, 100, 1000):
            await same(world, caller, {"first": first}, UNFUNDED)
    provider = next(c for c in await callers(db) if c.role is Role.LEAD_PROVIDER)
    facts = await provider_facts(db, provider)
    everyone = await same(
        world, provider, {"first": 1000, "updatedSince": facts["middle"]}, UNFUNDED
    )
    assert "errors" not in everyone
    # A walk in pages of 3, alternating the paths' cursors, reads the whole list once.
    walked, after, pages = [], None, 0
    whole = (await same(world, provider, {"first": 1000}, UNFUNDED))["data"]["unfundedMentors"]
    while True:
        body = {
            "query": UNFUNDED + ("\n" if pages % 2 else ""),
            "variables": {"first": 3, "after": after},
        }
        page = (await post(client, provider.token, body))["data"]["unfundedMentors"]
        walked += page["edges"]
        pages += 1
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert walked == whole["edges"] and walked, "unfunded mentors exist on seed data"
    await same(world, provider, {"first": 0}, UNFUNDED)
    await same(world, provider, {"after": "nope"}, UNFUNDED)


async def provider_facts(db: Database, provider: Caller) -> dict[str, Any]:
    """Values to filter on, from the provider's own data."""
    async with db.session() as s:
        partner = await s.scalar(
            sa.select(trm.DeliveryPartner.api_id)
            .join(
                trm.LeadProviderDeliveryPartnership,
                trm.LeadProviderDeliveryPartnership.delivery_partner_id == trm.DeliveryPartner.id,
            )
            .join(
                trm.ActiveLeadProvider,
                trm.ActiveLeadProvider.id
                == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
            )
            .where(trm.ActiveLeadProvider.lead_provider_id == provider.org_id)
            .order_by(trm.DeliveryPartner.id)
            .limit(1)
        )
        merged = await s.scalar(
            sa.select(tm.TeacherIdChange.api_from_teacher_id)
            .order_by(tm.TeacherIdChange.id)
            .limit(1)
        )
        stamps = (
            await s.scalars(
                sa.select(tm.Teacher.api_updated_at).order_by(tm.Teacher.api_updated_at)
            )
        ).all()
        urn = await s.scalar(sa.select(sm.School.urn).order_by(sm.School.id).limit(1))
    return {
        "partner": str(partner) if partner else None,
        "merged": str(merged) if merged else None,
        "middle": stamps[len(stamps) // 2].isoformat(),
        "urn": urn,
    }


async def test_each_filter_matches_strawberry(world, request) -> None:
    db, client = world
    first = 300 if is_larger(request) else 1000
    for provider in [c for c in await callers(db) if c.role is Role.LEAD_PROVIDER]:
        facts = await provider_facts(db, provider)
        spreads: list[dict[str, Any]] = [
            {"cohorts": [2024]},
            {"cohorts": [2021, 2022, 2023, 2025]},
            {"cohorts": []},
            {"trainingStatus": "ACTIVE"},
            {"trainingStatus": "DEFERRED"},
            {"trainingStatus": "WITHDRAWN"},
            {"updatedSince": facts["middle"]},
            {"updatedSince": "2026-11-29T10:00:00+01:00"},
            {"deliveryPartnerId": facts["partner"]},
            {"fromParticipantId": facts["merged"]},
            {"cohorts": [2024], "trainingStatus": "ACTIVE", "updatedSince": facts["middle"]},
        ]
        counted: list[int] = []
        for variables in spreads:
            result = await same(world, provider, {"first": first, **variables})
            assert "errors" not in result, (variables, result)
            counted.append(len(result["data"]["teachers"]["edges"]))
        assert any(counted), "the filters select someone on seed data"


async def test_bad_arguments_get_strawberrys_errors(world) -> None:
    db, client = world
    provider = next(c for c in await callers(db) if c.role is Role.LEAD_PROVIDER)
    forged = base64.urlsafe_b64encode(b'["2026-01-01T00:00:00", 1]').decode()
    for variables in (
        {"first": 0},
        {"first": 3001},
        {"first": "ten"},
        {"after": "not-a-cursor"},
        {"after": forged},
        {"updatedSince": "2026-01-01T00:00:00"},
        {"updatedSince": "yesterday"},
        {"trainingStatus": "PAUSED"},
        {"cohorts": [2**40]},
        {"deliveryPartnerId": "not-a-uuid"},
    ):
        result = await same(world, provider, variables)
        assert result["errors"], variables


async def test_one_statement_per_root_field_plus_the_credential_lookup(world) -> None:
    db, client = world
    provider = next(c for c in await callers(db) if c.role is Role.LEAD_PROVIDER)
    await post(client, provider.token, {"query": "{ viewer { authenticated } }"})
    for first in (1, 100, 1000):
        with count_statements(db) as statements:
            result = await post(
                client, provider.token, {"query": PARTICIPANTS, "variables": {"first": first}}
            )
        assert "errors" not in result
        assert selects(statements) == 2, statements  # the credential, the teachers


# -- persisted queries ----------------------------------------------------------------------


def persisted(sha: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


async def test_a_client_may_send_the_hash_instead_of_the_text(world) -> None:
    db, client = world
    provider = next(c for c in await callers(db) if c.role is Role.LEAD_PROVIDER)
    by_text = await post(client, provider.token, {"query": PARTICIPANTS, "variables": {"first": 3}})
    by_hash = await post(
        client,
        provider.token,
        {"extensions": persisted(sha256_hex(PARTICIPANTS)), "variables": {"first": 3}},
    )
    assert without_request_ids(by_hash) == without_request_ids(by_text)
    assert len(by_hash["data"]["teachers"]["edges"]) == 3
    # A document Strawberry runs (not compiled) is found by its hash too.
    school = next(c for c in await callers(db) if c.role is Role.SCHOOL_USER)
    dashboard = (ROOT / "operations" / "school_user" / "TeacherDetail.graphql").read_text()
    by_hash = await post(client, school.token, {"extensions": persisted(sha256_hex(dashboard))})
    by_text = await post(client, school.token, {"query": dashboard})
    assert without_request_ids(by_hash) == without_request_ids(by_text)


async def test_an_unknown_hash_without_text_is_refused(world) -> None:
    _, client = world
    result = await post(client, None, {"extensions": persisted("0" * 64), "variables": {}})
    assert result.get("data") is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_other_documents_are_persisted_automatically(world) -> None:
    """Apollo's automatic persisted queries for documents outside operations/: the hash
    alone is unknown until the client sends the text with it; then the hash alone runs
    it. A text sent with another text's hash is refused (and not remembered)."""
    _, client = world
    text = "{ viewer { authenticated } }"
    sha = sha256_hex(text)
    first = await post(client, None, {"extensions": persisted(sha)})
    assert [e["extensions"]["code"] for e in first["errors"]] == ["PERSISTED_QUERY_NOT_FOUND"]
    sent = await post(client, None, {"query": text, "extensions": persisted(sha)})
    assert answer(sent) == {"data": {"viewer": {"authenticated": False}}}
    again = await post(client, None, {"extensions": persisted(sha)})
    assert answer(again) == {"data": {"viewer": {"authenticated": False}}}
    response = await client.post(
        "/graphql", json={"query": text, "extensions": persisted("0" * 64)}
    )
    assert response.status_code == 400
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == [
        "PERSISTED_QUERY_HASH_MISMATCH"
    ]
    unknown = await post(client, None, {"extensions": persisted("0" * 64)})
    assert [e["extensions"]["code"] for e in unknown["errors"]] == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_trusted_only_roles_run_only_the_trusted_documents(seeded_db: Database) -> None:
    """With TRUSTED_ONLY_ROLES=lead_provider, a lead provider runs the documents under
    operations/ (by text or by hash) and nothing else: any other document is refused
    with OPERATION_NOT_TRUSTED before it is parsed, with no SQL beyond the credential.
    Other roles are not restricted."""
    settings = dataclasses.replace(seeded_db.settings, trusted_only_roles=("lead_provider",))
    app = create_app(settings, database=seeded_db, clock=FixedClock(SEED_TODAY))
    provider = next(c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER)
    school = next(c for c in await callers(seeded_db) if c.role is Role.SCHOOL_USER)
    own = "{ teachers(first: 1) { edges { node { id } } } }"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        trusted = await post(client, provider.token, {"query": PARTICIPANTS, "variables": {}})
        assert "errors" not in trusted and trusted["data"]["teachers"]["edges"]
        hashed = await post(
            client, provider.token, {"extensions": persisted(sha256_hex(PARTICIPANTS))}
        )
        assert answer(hashed)["data"] == trusted["data"]
        with count_statements(seeded_db) as statements:
            response = await client.post(
                "/graphql",
                json={"query": own},
                headers={"Authorization": f"Bearer {provider.token}"},
            )
        assert response.status_code == 403
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "OPERATION_NOT_TRUSTED"
        assert "operations/" in error["message"]
        assert selects(statements) == 1  # the API token's lookup, nothing else
        by_school = await post(client, school.token, {"query": own})
        assert "errors" not in by_school


def test_trusted_only_roles_must_name_roles() -> None:
    with pytest.raises(SettingsError, match="TRUSTED_ONLY_ROLES holds 'lead_providers'"):
        Settings.from_env({"TRUSTED_ONLY_ROLES": "lead_providers"})
    assert Settings.from_env(
        {"TRUSTED_ONLY_ROLES": "lead_provider, school_user"}
    ).trusted_only_roles == (
        "lead_provider",
        "school_user",
    )
