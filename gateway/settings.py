"""Settings, read once from the environment.

Every secret and every address comes from here, never from code. In development a
JWT signing secret is generated on first use and kept in ``./var/`` so that tokens
made by ``gateway token`` keep working across restarts; in production the secret (or
public key) must be given.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from gateway.auth.viewer import Role
from gateway.limits.rules import LimitsSettingError, parse_overrides

DOMAINS: tuple[str, ...] = ("teachers", "schools", "inductions", "training", "payments", "audit")
"""The services whose models can each live in their own database."""

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/gateway.db"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout the package was installed from (editable install); `npm ci` runs here."""


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and what is expected."""


def _check_url(name: str, url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(
            f"{name} is not a database URL: expected e.g. sqlite+aiosqlite:///./var/gateway.db "
            "or postgresql+asyncpg://user@host/db"
        ) from None
    if parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise SettingsError(
            f"{name} uses driver {parsed.drivername!r}: expected sqlite+aiosqlite or "
            "postgresql+asyncpg"
        )
    return url


def _origins(raw: str) -> tuple[str, ...]:
    """Comma-separated origins, each scheme://host[:port] with no path (no "*": an
    allow-list names every origin)."""
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        scheme, sep, rest = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
            raise SettingsError(
                f"CORS_ALLOWED_ORIGINS has {origin!r}: expected origins such as "
                "https://school.example.gov.uk, separated by commas"
            )
    return origins


N = TypeVar("N", int, float)


def _positive(env: dict[str, str], name: str, default: N, kind: type[N], zero: bool = False) -> N:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < 0 or (value == 0 and not zero):
        lowest = "0 or more" if zero else "more than 0"
        what = "whole number" if kind is int else "number of seconds"
        raise SettingsError(f"{name} is {raw!r}: expected a {what}, {lowest}")
    return value


def _networks(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated CIDR networks (empty: none)."""
    networks = tuple(n.strip() for n in env[name].split(",") if n.strip())
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise SettingsError(
                f"{name} holds {network!r}: expected networks such as 127.0.0.0/8,::1/128"
            ) from None
    return networks


def _on_off(name: str, value: str) -> bool:
    if value.lower() not in ("on", "off"):
        raise SettingsError(f"{name} is {value!r}: expected on or off")
    return value.lower() == "on"


def _limit_overrides(raw: str | None) -> dict[str, dict[str, int]]:
    try:
        return parse_overrides(raw)
    except LimitsSettingError as e:
        raise SettingsError(str(e)) from None


def _roles(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated role names (empty: none)."""
    roles = tuple(r.strip() for r in env.get(name, "").split(",") if r.strip())
    known = [r.value for r in Role]
    for role in roles:
        if role not in known:
            raise SettingsError(f"{name} holds {role!r}: expected roles among {', '.join(known)}")
    return roles


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str = DEFAULT_DATABASE_URL
    domain_urls: dict[str, str] = field(default_factory=dict)
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_jwks_file: str | None = None
    jwt_issuer: str = "https://identity.example.education.gov.uk"
    jwt_audience: str = "ecf-gateway"
    graphiql_assets_dir: str = str(PROJECT_ROOT / "node_modules")
    operations_dir: str = str(PROJECT_ROOT / "operations")
    max_request_bytes: int = 1024 * 1024
    """The largest request body /graphql reads (413 above it)."""
    max_header_bytes: int = 16 * 1024
    """The most a request line and headers may take (``gateway serve``'s HTTP server)."""
    cors_allowed_origins: tuple[str, ...] = ()
    """Origins whose pages may call the graph from a browser (CORS); none by default."""
    # Failure behaviour and observability (gateway/failures.py, overload.py, observability.py).
    request_timeout_seconds: float = 30.0
    max_concurrent_requests: int = 10  # twice SQLAlchemy's default pool of 5 connections
    max_queued_requests: int = 20
    jwt_max_lifetime_seconds: int = 24 * 3600
    metrics_allowed_networks: tuple[str, ...] = ("127.0.0.0/8", "::1/128")

    server_timing: bool = False  # Server-Timing on /graphql responses (gateway/observability.py)
    tracing: str = "off"
    """``otlp``: a span per GraphQL request, exported over OTLP/HTTP (gateway/tracing.py)."""
    redis_url: str | None = None
    redis_key_prefix: str = "ecf-gateway:rate:"
    trusted_only_roles: tuple[str, ...] = ()
    """Roles that may run only the trusted documents under operations/ (TRUSTED_ONLY_ROLES)."""
    limit_overrides: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per-role changes to gateway/limits/rules.py's table (``GATEWAY_LIMITS``)."""

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def url_for(self, domain: str) -> str:
        return self.domain_urls.get(domain, self.database_url)

    def distinct_urls(self) -> list[str]:
        return sorted({self.url_for(d) for d in DOMAINS})

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        environment = env.get("GATEWAY_ENV", "development")
        if environment not in ("development", "test", "production"):
            raise SettingsError(
                f"GATEWAY_ENV is {environment!r}: expected development, test or production"
            )
        database_url = _check_url("DATABASE_URL", env.get("DATABASE_URL", DEFAULT_DATABASE_URL))
        domain_urls = {
            d: _check_url(f"{d.upper()}_DATABASE_URL", env[f"{d.upper()}_DATABASE_URL"])
            for d in DOMAINS
            if env.get(f"{d.upper()}_DATABASE_URL")
        }
        server_timing = _on_off("GATEWAY_SERVER_TIMING", env.get("GATEWAY_SERVER_TIMING", "off"))
        if server_timing and environment == "production":
            # It tells any caller how many statements a request ran and how long they took.
            raise SettingsError(
                "GATEWAY_SERVER_TIMING=on is for development and benchmarks: production "
                "refuses it (unset it or set it to off)"
            )
        tracing = env.get("GATEWAY_TRACING", "off").lower()
        if tracing not in ("off", "otlp"):
            raise SettingsError(f"GATEWAY_TRACING is {tracing!r}: expected off or otlp")
        jwt_secret = env.get("JWT_SECRET") or None
        public_key_file = env.get("JWT_PUBLIC_KEY_FILE")
        jwt_public_key = Path(public_key_file).read_text() if public_key_file else None
        return cls(
            environment=environment,
            database_url=database_url,
            domain_urls=domain_urls,
            jwt_secret=jwt_secret,
            jwt_public_key=jwt_public_key,
            jwt_jwks_file=env.get("JWT_JWKS_FILE") or None,
            jwt_issuer=env.get("JWT_ISSUER", cls.jwt_issuer),
            jwt_audience=env.get("JWT_AUDIENCE", cls.jwt_audience),
            graphiql_assets_dir=env.get("GRAPHIQL_ASSETS_DIR") or cls.graphiql_assets_dir,
            operations_dir=env.get("OPERATIONS_DIR") or cls.operations_dir,
            max_request_bytes=_positive(env, "MAX_REQUEST_BYTES", cls.max_request_bytes, int),
            max_header_bytes=_positive(env, "MAX_HEADER_BYTES", cls.max_header_bytes, int),
            cors_allowed_origins=_origins(env.get("CORS_ALLOWED_ORIGINS", "")),
            request_timeout_seconds=_positive(
                env, "REQUEST_TIMEOUT_SECONDS", cls.request_timeout_seconds, float
            ),
            max_concurrent_requests=_positive(
                env, "MAX_CONCURRENT_REQUESTS", cls.max_concurrent_requests, int
            ),
            max_queued_requests=_positive(
                env, "MAX_QUEUED_REQUESTS", cls.max_queued_requests, int, zero=True
            ),
            jwt_max_lifetime_seconds=_positive(
                env, "JWT_MAX_LIFETIME_SECONDS", cls.jwt_max_lifetime_seconds, int
            ),
            metrics_allowed_networks=_networks(env, "METRICS_ALLOWED_NETWORKS")
            if "METRICS_ALLOWED_NETWORKS" in env
            else cls.metrics_allowed_networks,
            server_timing=server_timing,
            tracing=tracing,
            redis_url=env.get("REDIS_URL") or None,
            redis_key_prefix=env.get("REDIS_KEY_PREFIX") or cls.redis_key_prefix,
            limit_overrides=_limit_overrides(env.get("GATEWAY_LIMITS")),
            trusted_only_roles=_roles(env, "TRUSTED_ONLY_ROLES"),
        )

    def require_token_verification(self) -> None:
        """Refuse to serve requests without a way to verify tokens.

        Checked where requests are served (``create_app``, ``gateway serve``), not when
        settings are read: migrations and seeding never verify a token, so
        ``gateway db upgrade`` runs in production without the keys."""
        if self.is_production and not (self.jwt_public_key or self.jwt_jwks_file):
            # Production verifies the identity provider's RS256 signatures only; a shared
            # HS256 secret is for development, where anyone with it can mint tokens.
            raise SettingsError(
                "production needs JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE (RS256) to verify tokens"
            )

    def development_secret(self) -> str:
        """The HS256 secret: configured, or (outside production) generated once under var/."""
        if self.jwt_secret:
            return self.jwt_secret
        if self.is_production:
            raise SettingsError("JWT_SECRET is not set and production never generates one")
        path = Path(os.environ.get("GATEWAY_VAR_DIR", "var")) / "jwt-dev-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
