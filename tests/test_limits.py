"""Operation limits per role (gateway/limits/rules.py): depth, aliases, root fields,
tokens and page size, refused with a clear error before any SQL runs; introspection
per role and no field suggestions in production (issue 12)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from graphql import get_introspection_query

from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.limits.rules import ANONYMOUS, DEFAULT_LIMITS, limits_for
from gateway.settings import Settings, SettingsError
from tests.graph import callers, client_for, gql
from tests.test_statement_counts import count_statements


def _admin(db) -> str:
    return mint_development_token(db.settings, Role.ADMIN)


async def _provider(db) -> str:
    return next(c for c in await callers(db) if c.role is Role.LEAD_PROVIDER).token


def _only_error(result: dict) -> dict:
    assert result.get("data") is None, result
    (error,) = result["errors"]
    return error


def _nested(levels: int) -> str:
    """teachers > edges > node, then (ectAtSchoolPeriods > teacher) pairs, then id (or
    ectAtSchoolPeriods > id): ``levels`` fields deep, the leaf included."""
    pairs, odd = divmod(levels - 4, 2)
    leaf = "ectAtSchoolPeriods { id }" if odd else "id"
    inner = "ectAtSchoolPeriods { teacher { " * pairs + leaf + " } }" * pairs
    return "{ teachers(first: 1) { edges { node { " + inner + " } } } }"


def test_every_role_and_anonymous_callers_have_limits() -> None:
    assert set(DEFAULT_LIMITS) == {ANONYMOUS, *(str(r) for r in Role)}
    for role in Role:
        assert limits_for(role).page_size >= 100
    assert limits_for(Role.LEAD_PROVIDER).page_size == 3000
    with pytest.raises(KeyError):
        limits_for("auditor")  # type: ignore[arg-type]  # a role nobody named gets nothing


async def test_depth_at_the_limit_runs_and_one_more_is_refused_without_sql(
    client, seeded_db
) -> None:
    token = _admin(seeded_db)
    assert limits_for(Role.ADMIN).depth == 15
    ok = await gql(client, _nested(15), token)
    assert "errors" not in ok, ok
    with count_statements(seeded_db) as statements:
        error = _only_error(await gql(client, _nested(16), token))
    assert statements == []
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "limit": "depth",
        "maximum": 15,
        "value": 16,
    }
    assert "16 fields deep: at most 15" in error["message"]


async def test_a_query_ten_thousand_levels_deep_is_refused(client, seeded_db) -> None:
    token = _admin(seeded_db)
    deep = "{ viewer " + "{ role " * 10_000 + "}" * 10_000 + " }"
    with count_statements(seeded_db) as statements:
        error = _only_error(await gql(client, deep, token))
    assert statements == []
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["limit"] in ("depth", "tokens")
    assert "at most" in error["message"]


async def test_ten_thousand_aliases_and_thirty_one_are_refused(client, seeded_db) -> None:
    token = _admin(seeded_db)
    many = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(10_000)) + " }"
    error = _only_error(await gql(client, many, token))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["limit"] == "tokens"  # refused before parsing further
    assert "more than 4000 tokens" in error["message"]
    # 31 aliases below one root field: within the tokens, beyond the aliases.
    fields = " ".join(f"r{i}: role" for i in range(31))
    error = _only_error(await gql(client, "{ viewer { " + fields + " } }", token))
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "limit": "aliases",
        "maximum": 30,
        "value": 31,
    }


async def test_root_fields_beyond_the_limit_are_refused(client, seeded_db) -> None:
    token = _admin(seeded_db)
    eleven = "{ " + " ".join(f"v{i}: viewer {{ role }}" for i in range(11)) + " }"
    error = _only_error(await gql(client, eleven, token))
    assert error["extensions"]["limit"] == "rootFields"
    assert (error["extensions"]["maximum"], error["extensions"]["value"]) == (10, 11)
    ten = "{ " + " ".join(f"v{i}: viewer {{ role }}" for i in range(10)) + " }"
    assert "errors" not in await gql(client, ten, token)


async def test_a_fragment_cycle_and_a_fragment_bomb_are_refused(client, seeded_db) -> None:
    token = _admin(seeded_db)
    cycle = """{ viewer { ...A } }
        fragment A on ViewerInfo { role ...B }
        fragment B on ViewerInfo { authenticated ...A }"""
    result = await gql(client, cycle, token)
    assert result.get("data") is None
    assert {e["extensions"]["code"] for e in result["errors"]} == {"BAD_USER_INPUT"}
    assert any(
        "cycle" in e["message"].lower() or "itself" in e["message"] for e in result["errors"]
    )
    # Each fragment doubles the one below: 2**40 aliases once expanded. Measured per
    # fragment, the count is refused at once instead of being expanded.
    bomb = ["{ teachers(first: 1) { edges { node { ...F0 } } } }"] + [
        f"fragment F{i} on Teacher {{ a: ectAtSchoolPeriods {{ teacher {{ ...F{i + 1} }} }} "
        f"b: ectAtSchoolPeriods {{ teacher {{ ...F{i + 1} }} }} }}"
        for i in range(40)
    ]
    bomb.append("fragment F40 on Teacher { id }")
    with count_statements(seeded_db) as statements:
        result = await gql(client, "\n".join(bomb), token)
    assert statements == [] and result.get("data") is None
    limits = {e["extensions"].get("limit") for e in result["errors"]}
    assert "aliases" in limits


async def test_a_huge_first_is_refused_before_any_sql(client, seeded_db) -> None:
    token = await _provider(seeded_db)
    await gql(client, "{ viewer { role } }", token)  # its last use recorded already
    query = "query($n: Int) { teachers(first: $n) { edges { node { id } } } }"
    with count_statements(seeded_db) as statements:
        error = _only_error(await gql(client, query, token, {"n": 2_000_000_000}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "'first' is 2000000000: it must be between 1 and 3000" in error["message"]
    assert len(statements) == 1 and "api_tokens" in statements[0]  # the credentials only
    # A lead provider's page of 3,000 is allowed; a school's stops at 100.
    assert "errors" not in await gql(client, query, token, {"n": 3000})


async def test_the_token_limit_is_per_role(client, seeded_db) -> None:
    # 1,500 tokens and more: more than anonymous callers may send, within a provider's.
    cohorts = ", ".join(["2025"] * 1_500)
    document = "{ teachers(first: 1, cohorts: [" + cohorts + "]) { edges { cursor } } }"
    anonymous = _only_error(await gql(client, document))
    assert anonymous["extensions"]["limit"] == "tokens"
    assert anonymous["extensions"]["maximum"] == limits_for(None).tokens == 1000
    assert "errors" not in await gql(client, document, await _provider(seeded_db))


async def test_limits_are_overridden_per_role_by_settings(seeded_db) -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": seeded_db.settings.database_url,
            "GATEWAY_ENV": "test",
            "GATEWAY_LIMITS": '{"admin": {"depth": 6, "page_size": 5}}',
        }
    )
    assert settings.limit_overrides == {"admin": {"depth": 6, "page_size": 5}}
    settings = dataclasses.replace(seeded_db.settings, limit_overrides=settings.limit_overrides)
    token = _admin(seeded_db)
    async with client_for(settings, seeded_db) as client:
        assert "errors" not in await gql(client, _nested(6), token)
        error = _only_error(await gql(client, _nested(8), token))
        assert (error["extensions"]["maximum"], error["extensions"]["value"]) == (6, 8)
        error = _only_error(await gql(client, "{ teachers(first: 6) { edges { cursor } } }", token))
        assert "between 1 and 5" in error["message"]
        # Other roles keep the table's limits.
        assert "errors" not in await gql(client, _nested(8), await _provider(seeded_db))


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ("{", "not JSON"),
        ('{"auditor": {"depth": 3}}', "'auditor'"),
        ('{"admin": {"width": 3}}', "'width'"),
        ('{"admin": {"depth": 0}}', "positive integer"),
        ('{"admin": {"depth": "9"}}', "positive integer"),
    ],
)
def test_bad_limit_settings_are_refused_with_what_was_expected(raw: str, complaint: str) -> None:
    with pytest.raises(SettingsError, match=complaint):
        Settings.from_env({"GATEWAY_LIMITS": raw})


# -- introspection and suggestions per environment ---------------------------------------


def _production(seeded_db) -> tuple[Settings, str]:
    """Production settings over the seeded database, and a finance token signed RS256."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings = dataclasses.replace(
        seeded_db.settings, environment="production", jwt_public_key=public.decode()
    )
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": "developer",
        "role": "finance",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(minutes=5)).timestamp()),
    }
    return settings, jwt.encode(claims, key, algorithm="RS256")


async def test_production_introspects_only_for_signed_in_callers(seeded_db) -> None:
    settings, token = _production(seeded_db)
    introspection = get_introspection_query(descriptions=True)
    async with client_for(settings, seeded_db) as client:
        refused = await gql(client, introspection)
        signed_in = await gql(client, introspection, token)
        typename = await gql(client, "{ __typename viewer { authenticated } }")
    assert refused.get("data") is None
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"UNAUTHENTICATED"}
    assert "Authorization: Bearer" in refused["errors"][0]["message"]
    assert "errors" not in signed_in
    assert signed_in["data"]["__schema"]["queryType"]["name"] == "Query"
    assert typename["data"] == {"__typename": "Query", "viewer": {"authenticated": False}}


async def test_anonymous_introspection_answers_outside_production(client) -> None:
    result = await gql(client, get_introspection_query(descriptions=True))
    assert "errors" not in result and result["data"]["__schema"]["types"]


async def test_field_suggestions_only_outside_production(client, seeded_db) -> None:
    settings, token = _production(seeded_db)
    async with client_for(settings, seeded_db) as production:
        hidden = _only_error(await gql(production, "{ viewr { role } }", token))
    shown = _only_error(await gql(client, "{ viewr { role } }", _admin(seeded_db)))
    assert "Did you mean" in shown["message"] and "viewer" in shown["message"]
    assert "Did you mean" not in hidden["message"] and "viewer" not in hidden["message"]
    assert hidden["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_mutation_beyond_the_limits_writes_nothing(client, seeded_db) -> None:
    token = _admin(seeded_db)
    void = 'voidDeclaration(input: {declarationId: "0f5a2c7e-0000-4000-8000-000000000000"})'
    eleven = " ".join(f"m{i}: {void} {{ userErrors {{ message }} }}" for i in range(11))
    with count_statements(seeded_db) as statements:
        error = _only_error(await gql(client, "mutation { " + eleven + " }", token))
    assert statements == []  # not one mutation field ran
    assert error["extensions"]["limit"] == "rootFields"
