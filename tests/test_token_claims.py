"""Correctly signed tokens that must still be refused (issue 12, "Tokens"): a lifetime
beyond JWT_MAX_LIFETIME_SECONDS (24 hours by default), and claims of the wrong type. Each
is UNAUTHENTICATED with a message that says what is wrong, never an internal error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt
import pytest

from gateway.settings import Settings
from tests.graph import gql

TEACHERS = "query { teachers(first: 1) { edges { node { id } } } }"
HOUR = 3600


def signed(settings: Settings, lifetime: int = HOUR, **claims: Any) -> str:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    payload = {
        "sub": "someone",
        "role": "admin",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + lifetime,
        **claims,
    }
    return jwt.encode(payload, settings.jwt_secret, algorithm="HS256")


async def refusal(client, token: str) -> dict[str, Any]:
    result = await gql(client, TEACHERS, token)
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED", error
    return error


@pytest.mark.parametrize(
    "lifetime", [100 * 365 * 24 * HOUR, 24 * HOUR + 60], ids=["100 years", "24 h + 1 min"]
)
async def test_a_token_living_longer_than_the_maximum_is_refused(
    client, seeded_db, lifetime: int
) -> None:
    error = await refusal(client, signed(seeded_db.settings, lifetime))
    assert f"valid for {lifetime} seconds" in error["message"]
    assert "at most 86400 seconds" in error["message"]


async def test_a_token_living_exactly_the_maximum_is_accepted(client, seeded_db) -> None:
    result = await gql(client, TEACHERS, signed(seeded_db.settings, 24 * HOUR))
    assert "errors" not in result, result


@pytest.mark.parametrize(
    "body_id",
    [True, 2**70, "12", 0, -3, 1.5, None, [12]],
    ids=["true", "2**70", "string", "zero", "negative", "float", "missing", "list"],
)
async def test_an_appropriate_body_id_that_is_not_an_id_is_refused(
    client, seeded_db, body_id: Any
) -> None:
    claims = {"role": "appropriate_body_user", "appropriate_body_id": body_id}
    error = await refusal(client, signed(seeded_db.settings, **claims))
    assert "appropriate_body_id claim: an integer from 1 to 2147483647" in error["message"]


@pytest.mark.parametrize(
    "urn",
    [100001, "", "10000\x00", ["100001"], "x" * 2_000, None],
    ids=["number", "empty", "nul byte", "list", "huge", "missing"],
)
async def test_a_school_urn_that_is_not_a_urn_is_refused(client, seeded_db, urn: Any) -> None:
    claims = {"role": "school_user", "school_urn": urn}
    error = await refusal(client, signed(seeded_db.settings, **claims))
    assert "school_urn claim: a string of digits" in error["message"]


@pytest.mark.parametrize(
    "role", [["admin"], 1, {"admin": True}, "superuser", "lead_provider"], ids=repr
)
async def test_a_role_that_is_not_a_token_role_is_refused(client, seeded_db, role: Any) -> None:
    # lead_provider is a role, but lead providers sign in with API tokens, not JWTs.
    error = await refusal(client, signed(seeded_db.settings, role=role))
    assert "role must be one of" in error["message"]


@pytest.mark.parametrize("field", ["exp", "iat"])
async def test_times_that_are_not_numbers_are_refused(client, seeded_db, field: str) -> None:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    value = {"exp": str(now + HOUR), "iat": str(now)}[field]
    error = await refusal(client, signed(seeded_db.settings, **{field: value}))
    assert "could not be verified" in error["message"] or "must be numbers" in error["message"]
