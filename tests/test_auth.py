"""Credentials: each refusal is a GraphQL error with a stable code and no internals."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from tests.graph import global_id, gql

TEACHERS = "query { teachers(first: 1) { edges { node { id } } } }"


def _claims(settings, **overrides):
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": "someone",
        "role": "admin",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(hours=1)).timestamp()),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _error(result) -> dict:
    assert result.get("data") in (None, {"teachers": None}) or "errors" in result
    (error,) = result["errors"]
    text = str(result)
    assert "Traceback" not in text and "SELECT" not in text
    return error


async def test_viewer_answers_without_credentials(client) -> None:
    result = await gql(client, "{ viewer { authenticated role } }")
    assert "errors" not in result
    assert result["data"] == {"viewer": {"authenticated": False, "role": None}}


async def test_everything_else_needs_credentials(client) -> None:
    error = _error(await gql(client, TEACHERS))
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization" in error["message"]


@pytest.mark.parametrize(
    "case",
    ["expired", "wrong secret", "alg none", "wrong audience", "wrong issuer", "garbage", "no role"],
)
async def test_bad_tokens_are_unauthenticated(client, seeded_db, case) -> None:
    settings = seeded_db.settings
    secret = settings.jwt_secret
    past = int((dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).timestamp())
    tokens = {
        "expired": jwt.encode(_claims(settings, exp=past), secret, algorithm="HS256"),
        "wrong secret": jwt.encode(
            _claims(settings), "another-secret-" + "y" * 40, algorithm="HS256"
        ),
        "alg none": jwt.encode(_claims(settings), None, algorithm="none"),
        "wrong audience": jwt.encode(
            _claims(settings, aud="someone-else"), secret, algorithm="HS256"
        ),
        "wrong issuer": jwt.encode(
            _claims(settings, iss="https://evil.example"), secret, algorithm="HS256"
        ),
        "garbage": "not-a-token",
        "no role": jwt.encode(_claims(settings, role=None), secret, algorithm="HS256"),
    }
    error = _error(await gql(client, TEACHERS, tokens[case]))
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    viewer = await gql(client, "{ viewer { authenticated error } }", tokens[case])
    assert viewer["data"]["viewer"]["authenticated"] is False
    assert viewer["data"]["viewer"]["error"]


async def test_unknown_api_token_is_unauthenticated(client) -> None:
    error = _error(await gql(client, TEACHERS, "ecf_lp_" + "x" * 43))
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_organisation_that_does_not_exist_is_forbidden(client, seeded_db) -> None:
    settings = seeded_db.settings
    school = mint_development_token(settings, Role.SCHOOL_USER, school_urn="999999")
    body = mint_development_token(settings, Role.APPROPRIATE_BODY_USER, appropriate_body_id=999999)
    for token in (school, body):
        assert _error(await gql(client, TEACHERS, token))["extensions"]["code"] == "FORBIDDEN"


async def test_signed_in_viewer_names_its_organisation(client, seeded_db) -> None:
    token = mint_development_token(
        seeded_db.settings, Role.APPROPRIATE_BODY_USER, appropriate_body_id=1
    )
    result = await gql(client, "{ viewer { authenticated role appropriateBody { name } } }", token)
    viewer = result["data"]["viewer"]
    assert viewer["authenticated"] is True and viewer["role"] == "APPROPRIATE_BODY_USER"
    assert viewer["appropriateBody"]["name"]


@pytest.mark.parametrize(
    "gid",
    [
        "garbage!",
        global_id("Teacher", 1)[:-3],
        global_id("NoSuchType", 1),
        global_id("Teacher", 0) + "x",
    ],
)
async def test_bad_global_ids_are_bad_user_input(client, seeded_db, gid) -> None:
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    result = await gql(client, "query($id: ID!) { node(id: $id) { id } }", token, {"id": gid})
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert "Traceback" not in str(result)


async def test_a_global_id_of_another_type_is_not_a_teacher(client, seeded_db) -> None:
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    query = "query($id: ID!) { node(id: $id) { __typename ... on Teacher { trn } } }"
    result = await gql(client, query, token, {"id": global_id("School", 1)})
    assert result["data"]["node"]["__typename"] == "School"


async def test_page_size_over_the_cap_is_bad_user_input(client, seeded_db) -> None:
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    result = await gql(client, "{ teachers(first: 101) { edges { node { id } } } }", token)
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "between 1 and 100" in error["message"]


async def test_a_too_deep_query_is_refused_before_it_runs(client, seeded_db) -> None:
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    # teachers > edges > node > (ectAtSchoolPeriods > teacher) x 6 > id: 16 fields deep,
    # where admin may go 15 (gateway/limits/rules.py)
    deep = "ectAtSchoolPeriods { teacher { " * 6 + "id" + " } }" * 6
    result = await gql(client, "{ teachers(first: 1) { edges { node { " + deep + " } } } }", token)
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "16 fields deep: at most 15" in error["message"]
    assert error["extensions"]["limit"] == "depth"
    assert result.get("data") is None


async def test_introspection_still_answers(client) -> None:
    from graphql import get_introspection_query

    result = await gql(client, get_introspection_query(descriptions=True))
    assert "errors" not in result and result["data"]["__schema"]["queryType"]["name"] == "Query"
