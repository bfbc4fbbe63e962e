"""Health endpoints, the record source, production JWTs (RS256) and API token use."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

import httpx
import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.app import create_app
from gateway.auth import jwt_tokens
from gateway.auth.errors import AuthError
from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.models.teachers import TeacherRecord
from gateway.models.training import LeadProviderAPIToken
from gateway.settings import Settings
from gateway.teacher_records import LocalTeacherRecordSource
from tests.graph import callers, gql


async def test_healthz_and_readyz(client) -> None:
    assert (await client.get("/healthz")).text == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


async def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/healthz")).status_code == 200
        response = await c.get("/readyz")
    assert response.status_code == 503 and "nobody" not in response.text


async def test_record_source_needs_the_matching_date_of_birth(seeded_db: Database) -> None:
    async with seeded_db.session() as s:
        record = await s.scalar(sa.select(TeacherRecord).limit(1))
        source = LocalTeacherRecordSource(s)
        found = await source.find(record.trn, record.date_of_birth)
        wrong = await source.find(record.trn, record.date_of_birth + dt.timedelta(days=1))
    assert found is not None and found.trn == record.trn and found.last_name == record.last_name
    assert wrong is None
    assert not hasattr(found, "date_of_birth")


def _rsa_settings(tmp_path, **kw) -> tuple[Settings, object]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return Settings(environment="production", jwt_public_key=public_pem, **kw), key


def _claims(settings: Settings) -> dict:
    now = dt.datetime.now(dt.UTC)
    return {
        "sub": "finance-user",
        "role": "finance",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(minutes=5)).timestamp()),
    }


def _forge_hs256(claims: dict, secret: bytes) -> str:
    """A token signed HS256 by hand (PyJWT refuses to use a PEM key as an HMAC secret)."""

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    signing_input = b64(b'{"alg":"HS256","typ":"JWT"}') + b"." + b64(json.dumps(claims).encode())
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + b64(signature)).decode()


def test_production_verifies_rs256_and_refuses_algorithm_confusion(tmp_path) -> None:
    settings, key = _rsa_settings(tmp_path)
    token = jwt.encode(_claims(settings), key, algorithm="RS256")
    assert jwt_tokens.decode(settings, token).role is Role.FINANCE
    # An attacker signs HS256 with the (public) key as the secret: refused, RS256 is pinned.
    forged = _forge_hs256(_claims(settings), settings.jwt_public_key.encode())
    with pytest.raises(AuthError):
        jwt_tokens.decode(settings, forged)


def test_production_verifies_with_a_jwks_file(tmp_path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}))
    settings = Settings(environment="production", jwt_jwks_file=str(jwks_file))
    token = jwt.encode(_claims(settings), key, algorithm="RS256", headers={"kid": "k1"})
    assert jwt_tokens.decode(settings, token).subject == "finance-user"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(AuthError):
        jwt_tokens.decode(
            settings, jwt.encode(_claims(settings), other, algorithm="RS256", headers={"kid": "k1"})
        )


async def test_api_token_use_is_recorded(client, seeded_db: Database) -> None:
    provider = next(c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER)
    result = await gql(client, "{ viewer { role leadProvider { name } } }", provider.token)
    assert result["data"]["viewer"]["role"] == "LEAD_PROVIDER"
    assert result["data"]["viewer"]["leadProvider"]["name"]
    async with seeded_db.session() as s:
        last_used = await s.scalar(
            sa.select(sa.func.max(LeadProviderAPIToken.last_used_at)).where(
                LeadProviderAPIToken.lead_provider_id == provider.org_id
            )
        )
    assert last_used is not None
    assert dt.datetime.now(dt.UTC) - last_used < dt.timedelta(minutes=5)


def test_a_missing_key_file_refuses_tokens_without_crashing(tmp_path) -> None:
    settings = Settings(environment="production", jwt_jwks_file=str(tmp_path / "gone.json"))
    with pytest.raises(AuthError, match="cannot be verified right now"):
        jwt_tokens.decode(settings, "a.b.c")


async def test_database_down_during_sign_in_is_a_clean_error() -> None:
    settings = Settings(
        environment="test",
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        jwt_secret="s" * 48,
    )
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.post(
            "/graphql",
            json={"query": "{ teachers { edges { node { id } } } }"},
            headers={"Authorization": "Bearer ecf_lp_" + "x" * 43},
        )
    body = response.json()
    # The database, not the caller, is at fault, and it may come back: a retryable 503.
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert body["errors"][0]["extensions"]["retryable"] is True
    assert "database is not answering" in body["errors"][0]["message"]
    assert "nobody" not in response.text and "Traceback" not in response.text
