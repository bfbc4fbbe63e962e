"""JSON Web Tokens for school, appropriate body, admin and finance users (PyJWT).

Development signs and verifies with HS256 and a configured secret; production verifies
RS256 with a public key (or a JWKS file). The accepted algorithm is pinned per
setting, so ``alg: none`` and algorithm confusion are refused by PyJWT itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import os
from dataclasses import dataclass
from typing import Any

import jwt

from gateway.auth.errors import AuthError
from gateway.auth.viewer import JWT_ROLES, Role
from gateway.settings import Settings

log = logging.getLogger("gateway.auth")

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "role"]


@dataclass(frozen=True)
class Claims:
    subject: str
    role: Role
    school_urn: str | None
    appropriate_body_id: int | None


@functools.lru_cache(maxsize=4)
def _jwks(path: str, mtime_ns: int) -> jwt.PyJWKSet:
    """The key set in a JWKS file, read again only when the file changes (key rotation)."""
    del mtime_ns  # part of the cache key
    with open(path) as f:
        return jwt.PyJWKSet.from_dict(json.load(f))


def _verification_key(settings: Settings, token: str) -> tuple[Any, str]:
    if settings.jwt_public_key:
        return settings.jwt_public_key, "RS256"
    if settings.jwt_jwks_file:
        path = settings.jwt_jwks_file
        jwks = _jwks(path, os.stat(path).st_mtime_ns)
        kid = jwt.get_unverified_header(token).get("kid")
        for key in jwks.keys:
            if key.key_id == kid or (kid is None and len(jwks.keys) == 1):
                return key.key, "RS256"
        raise AuthError("The token's key id is not one of the configured keys.")
    if settings.is_production:
        raise AuthError("This service has no key configured to verify tokens.")
    return settings.development_secret(), "HS256"


def decode(settings: Settings, token: str) -> Claims:
    """Verify signature, issuer, audience and expiry; return the claims the gateway uses."""
    try:
        key, algorithm = _verification_key(settings, token)
    except (OSError, ValueError) as e:  # a missing or malformed key file: our fault, not theirs
        log.error("cannot load the token verification key: %s", type(e).__name__)
        raise AuthError("Tokens cannot be verified right now; try again later.") from None
    except jwt.PyJWTError:
        raise AuthError("The token could not be read.") from None
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS},
            leeway=30,
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("The token has expired: sign in again for a new one.") from None
    except jwt.InvalidAudienceError:
        raise AuthError(
            f"The token is not for this service (audience must be {settings.jwt_audience!r})."
        ) from None
    except jwt.InvalidIssuerError:
        raise AuthError("The token was not issued by the configured identity provider.") from None
    except jwt.MissingRequiredClaimError as e:
        raise AuthError(f"The token lacks the {e.claim!r} claim.") from None
    except jwt.PyJWTError:
        raise AuthError(
            "The token could not be verified: it is malformed, wrongly signed or uses an "
            "algorithm this service does not accept."
        ) from None
    return _claims(settings, payload)


MAX_ID = 2**31 - 1
"""Organisation ids are 32-bit integers in the database."""


def _claims(settings: Settings, payload: dict[str, Any]) -> Claims:
    """The claims the gateway uses, each checked for its type: a correctly signed token
    may still carry a claim of the wrong type (the identity provider's bug, or a key that
    leaked), and that is a refused token, never a failure further in."""
    exp, iat = payload["exp"], payload["iat"]
    # PyJWT reads "exp": "123" as 123; the lifetime needs numbers (bool is an int too).
    if not all(type(v) in (int, float) for v in (exp, iat)):
        raise AuthError("The token's exp and iat claims must be numbers (seconds since 1970).")
    lifetime = int(exp - iat)
    if lifetime > settings.jwt_max_lifetime_seconds:
        raise AuthError(
            f"The token is valid for {lifetime} seconds (exp - iat); this service accepts "
            f"tokens valid for at most {settings.jwt_max_lifetime_seconds} seconds: sign in "
            "again for a shorter-lived token."
        )
    role = payload["role"]
    if not isinstance(role, str) or role not in {r.value for r in JWT_ROLES}:
        raise AuthError(
            "The token's role must be one of the strings school_user, appropriate_body_user, "
            "admin, finance."
        )
    if not isinstance(payload["sub"], str):
        raise AuthError("The token's sub claim must be a string.")
    claims = Claims(
        subject=payload["sub"], role=Role(role), school_urn=None, appropriate_body_id=None
    )
    if claims.role is Role.SCHOOL_USER:
        urn = payload.get("school_urn")
        if not isinstance(urn, str) or not (urn.isascii() and urn.isdigit() and len(urn) <= 8):
            raise AuthError(
                "A school_user token needs a school_urn claim: a string of digits, such as "
                '"100001".'
            )
        return dataclasses.replace(claims, school_urn=urn)
    if claims.role is Role.APPROPRIATE_BODY_USER:
        body_id = payload.get("appropriate_body_id")
        # bool is an int in Python, and JSON's true must not read as body 1.
        if type(body_id) is not int or not 1 <= body_id <= MAX_ID:
            raise AuthError(
                "An appropriate_body_user token needs an appropriate_body_id claim: an integer "
                f"from 1 to {MAX_ID}, such as 12."
            )
        return dataclasses.replace(claims, appropriate_body_id=body_id)
    return claims


def mint_development_token(
    settings: Settings,
    role: Role,
    *,
    school_urn: str | None = None,
    appropriate_body_id: int | None = None,
    subject: str = "developer",
    lifetime: dt.timedelta = dt.timedelta(hours=12),
    now: dt.datetime | None = None,
) -> str:
    """An HS256 token for development and tests; refused in production."""
    if settings.is_production:
        raise AuthError("Development tokens are never minted in production.")
    now = now or dt.datetime.now(dt.UTC)
    payload: dict[str, Any] = {
        "sub": subject,
        "role": role.value,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    if school_urn is not None:
        payload["school_urn"] = school_urn
    if appropriate_body_id is not None:
        payload["appropriate_body_id"] = appropriate_body_id
    return jwt.encode(payload, settings.development_secret(), algorithm="HS256")
