"""What the benchmark runs: a database seeded at the scale asked for, a token per role
for the organisations with most data, and each document under operations/ with
variables that find data (the same choices as ``gateway token --list`` and GraphiQL's
example tabs: gateway/devdata.py, gateway/ide/examples.py)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from graphql import OperationDefinitionNode, OperationType, parse
from sqlalchemy.engine import make_url

from gateway.auth import api_tokens
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.devdata import Choices, choices, decode_global_id
from gateway.ide.examples import read_operations, sample_variables
from gateway.migrate import upgrade
from gateway.models import schools as sm
from gateway.models.training import LeadProviderAPIToken
from gateway.seed import seed_database
from gateway.seed.schools import SCHOOLS_AT_SCALE_1
from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "operations"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

LEAD_PROVIDER_PAGE = 1000  # issue 11's "first 1,000" (a full sync's good page size)
OTHER_PAGE = 100  # the cap for every other role (settings.max_page_size)


class CaseError(RuntimeError):
    """The database cannot be benchmarked as asked; the message says why and what to do."""


def check_loopback(url: str) -> None:
    """The benchmark talks to 127.0.0.1 only: refuse a database elsewhere."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and (parsed.host or "") not in LOOPBACK:
        raise CaseError(
            f"the database host is {parsed.host!r}: the benchmark talks only to 127.0.0.1 "
            "(give a postgresql+asyncpg://…@127.0.0.1/… URL)"
        )


def check_loopback_redis(url: str) -> None:
    """The same for a Redis URL (the abuse mode's shared buckets)."""
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise CaseError(
            f"the Redis host is {host!r}: the benchmark talks only to 127.0.0.1 "
            "(give a redis://127.0.0.1:6379/… URL)"
        )


def schools_at(scale: float) -> int:
    """How many schools ``gateway seed --scale`` writes (gateway/seed/schools.py): the
    seed keeps no record of its scale, so this is how a seeded database tells it."""
    return max(20, round(SCHOOLS_AT_SCALE_1 * scale))


async def prepare_database(
    url: str, scale: float, today: dt.date, say: Any = print
) -> tuple[str, bool]:
    """Migrate and seed an empty database at ``scale``, or check that a seeded one was
    seeded at ``scale``. Returns (what was done, whether it was seeded now)."""
    check_loopback(url)
    db = Database(Settings(environment="test", database_url=url, jwt_secret="x" * 48))
    try:
        await upgrade(db)
        async with db.session() as s:
            schools = await s.scalar(sa.select(sa.func.count()).select_from(sm.School))
        expected = schools_at(scale)
        if schools:
            if schools != expected:
                raise CaseError(
                    f"the database holds {schools:,} schools, but scale {scale} seeds "
                    f"{expected:,} (it was seeded at about scale {schools / SCHOOLS_AT_SCALE_1:g}):"
                    " pass that --scale, or an empty database to seed"
                )
            return f"reused (seeded at scale {scale}: {schools:,} schools)", False
        say(f"seeding scale {scale} as of {today}…")
        await seed_database(db, scale=scale, seed=1, today=today)
        return f"seeded now at scale {scale} as of {today}", True
    finally:
        await db.dispose()


@dataclass
class Credentials:
    """A token per role (folder under operations/) for one organisation each, and the
    scope ids the one-statement references need."""

    jwt_secret: str
    tokens: dict[str, str]
    scope: dict[str, Any]
    choices: Choices
    api_token_digests: list[str] = field(default_factory=list)
    """Every API token issued for the run, revoked by ``revoke``."""
    abuser_token: str | None = None
    """With ``credentials(abuser=True)``: an API token of a second lead provider."""


async def credentials(url: str, abuser: bool = False) -> Credentials:
    """Development JWTs signed with a secret made for this run (the server gets it too),
    and an API token for the lead provider with most participants (revoked by
    ``revoke``); with ``abuser``, one for the provider with next most too, so that a
    client can misbehave with a budget of its own."""
    secret = secrets.token_urlsafe(48)
    settings = Settings(environment="development", database_url=url, jwt_secret=secret)
    db = Database(settings)
    try:
        async with db.session() as s:
            found = await choices(s, limit=2 if abuser else 1)
            if not (found.schools and found.appropriate_bodies and found.lead_providers):
                raise CaseError("the database has no school, body or provider with data: seed it")
            school, body, provider = (
                found.schools[0],
                found.appropriate_bodies[0],
                found.lead_providers[0],
            )
            api_token = await api_tokens.issue(s, provider.id, "bench/load.py (revoked at end)")
            abuser_token = None
            if abuser:
                if len(found.lead_providers) < 2:
                    raise CaseError("the abusive client needs a second lead provider with data")
                abuser_token = await api_tokens.issue(
                    s, found.lead_providers[1].id, "bench/load.py abuser (revoked at end)"
                )
            await s.commit()
    finally:
        await db.dispose()
    tokens = {
        "admin": mint_development_token(settings, Role.ADMIN, subject="bench"),
        "finance": mint_development_token(settings, Role.FINANCE, subject="bench"),
        "school_user": mint_development_token(
            settings, Role.SCHOOL_USER, school_urn=school.urn, subject="bench"
        ),
        "appropriate_body_user": mint_development_token(
            settings, Role.APPROPRIATE_BODY_USER, appropriate_body_id=body.id, subject="bench"
        ),
        "lead_provider": api_token,
    }
    statement = decode_global_id(found.statement_global_id or "")
    scope = {
        "school_urn": school.urn,
        "appropriate_body_id": body.id,
        "lead_provider_id": provider.id,
        "statement_id": int(statement[1]) if statement else None,
    }
    issued = [t for t in (api_token, abuser_token) if t]
    return Credentials(
        secret, tokens, scope, found, [api_tokens.digest(t) for t in issued], abuser_token
    )


async def revoke(url: str, creds: Credentials) -> None:
    """Revoke the run's API tokens, so runs leave no live credential behind."""
    db = Database(Settings(environment="test", database_url=url, jwt_secret="x" * 48))
    try:
        async with db.session() as s:
            await s.execute(
                sa.update(LeadProviderAPIToken)
                .where(LeadProviderAPIToken.token_hash.in_(creds.api_token_digests))
                .values(revoked_at=dt.datetime.now(dt.UTC))
            )
            await s.commit()
    finally:
        await db.dispose()


@dataclass
class Case:
    """One document under operations/, with its role's variables, or why it is skipped."""

    folder: str
    name: str
    document: str
    variables: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def key(self) -> str:
        return f"{self.folder}/{self.name}"


def _operation_type(document: str) -> OperationType | None:
    for definition in parse(document).definitions:
        if isinstance(definition, OperationDefinitionNode):
            return definition.operation
    return None


def cases(found: Choices, only: list[str] | None = None, first: int | None = None) -> list[Case]:
    """Every document (or those named in ``only``), in a stable order. Mutations are
    listed but skipped: they write, so repeating one measures refusals after the first,
    and what they change would move the other documents' numbers."""
    out = []
    for op in read_operations(OPERATIONS):
        key = f"{op.folder}/{op.name}"
        if only and key not in only:
            continue
        case = Case(op.folder, op.name, op.document)
        if _operation_type(op.document) is not OperationType.QUERY:
            case.skipped = (
                "mutations: they write, so a repeat measures a refusal, and they would "
                "change what the others read"
            )
        else:
            case.variables = sample_variables(op.document, found)
            if "$first" in op.document:
                page = LEAD_PROVIDER_PAGE if op.folder == "lead_provider" else OTHER_PAGE
                case.variables["first"] = first or page
        out.append(case)
    if only:
        missing = set(only) - {c.key for c in out}
        if missing:
            raise CaseError(f"no such document under operations/: {', '.join(sorted(missing))}")
    return out
