"""The gateway command: each refusal is one line on stderr, a non-zero exit, no writes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import jwt
import pytest


def run(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db",
        "GATEWAY_VAR_DIR": str(tmp_path / "var"),
        "GATEWAY_ENV": "development",
        "JWT_SECRET": "",
    }


def one_line_refusal(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_unparseable_database_url(env) -> None:
    line = one_line_refusal(run("db", "upgrade", env={**env, "DATABASE_URL": "not a url"}))
    assert "DATABASE_URL is not a database URL" in line


def test_unsupported_driver(env) -> None:
    line = one_line_refusal(run("db", "upgrade", env={**env, "DATABASE_URL": "mysql://x@h/db"}))
    assert "expected sqlite+aiosqlite or postgresql+asyncpg" in line


def test_unreachable_database_hides_the_password(env) -> None:
    url = "postgresql+asyncpg://someone:s3cret@127.0.0.1:1/nowhere"
    line = one_line_refusal(run("db", "upgrade", env={**env, "DATABASE_URL": url}))
    assert "cannot reach the database" in line and "s3cret" not in line


def test_unknown_role(env) -> None:
    line = one_line_refusal(run("token", "--role", "headteacher", env=env))
    assert "unknown role 'headteacher'" in line and "school_user" in line


def test_token_refuses_in_production(env) -> None:
    prod = {**env, "GATEWAY_ENV": "production", "JWT_JWKS_FILE": str(Path(__file__))}
    line = one_line_refusal(run("token", "--role", "admin", env=prod))
    assert "refuses in production" in line


def test_seed_refuses_a_non_empty_database_and_writes_nothing(env, tmp_path) -> None:
    first = run("seed", "--scale", "0.002", "--seed", "3", "--today", "2026-11-29", env=env)
    assert first.returncode == 0, first.stderr
    db = sqlite3.connect(tmp_path / "cli.db")
    before = db.execute("SELECT count(*), max(id) FROM teachers").fetchone()
    assert before[0] > 0
    again = run("seed", "--scale", "0.002", "--seed", "4", env=env)
    assert "--reset" in one_line_refusal(again)
    assert db.execute("SELECT count(*), max(id) FROM teachers").fetchone() == before

    # A development token for a seeded school verifies with the generated secret.
    urn = db.execute("SELECT urn FROM schools ORDER BY id LIMIT 1").fetchone()[0]
    token = run("token", "--role", "school_user", "--school-urn", urn, env=env)
    assert token.returncode == 0, token.stderr
    secret = (tmp_path / "var" / "jwt-dev-secret").read_text().strip()
    claims = jwt.decode(token.stdout.strip(), secret, algorithms=["HS256"], audience="ecf-gateway")
    assert claims["role"] == "school_user" and claims["school_urn"] == urn

    missing = run("token", "--role", "school_user", "--school-urn", "999999", env=env)
    assert "no school is '999999'" in one_line_refusal(missing)

    provider = run("token", "--role", "lead_provider", "--lead-provider-id", "1", env=env)
    assert provider.returncode == 0 and provider.stdout.startswith("ecf_lp_")
    stored = db.execute("SELECT token_hash FROM lead_provider_api_tokens").fetchall()
    assert stored and all(provider.stdout.strip() not in h for (h,) in stored)


def test_seed_date_before_the_service_writes_nothing(env, tmp_path) -> None:
    line = one_line_refusal(run("seed", "--today", "2020-01-01", env=env))
    assert "before the service began" in line
    assert not (tmp_path / "cli.db").exists()


def test_production_without_a_public_key_refuses_to_start(env) -> None:
    prod = {**env, "GATEWAY_ENV": "production", "JWT_SECRET": "x" * 48}
    line = one_line_refusal(run("serve", "--port", "8798", env=prod))
    assert "JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE" in line


def test_sqlite_file_that_cannot_be_made(env) -> None:
    line = one_line_refusal(
        run("db", "upgrade", env={**env, "DATABASE_URL": "sqlite+aiosqlite:////proc/nope/x.db"})
    )
    assert "cannot open the database" in line and "/proc/nope" in line


def test_serve_refuses_teacher_visibility_split_across_databases(env, tmp_path) -> None:
    split = {**env, "TRAINING_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/training.db"}
    line = one_line_refusal(run("serve", "--port", "8797", env=split))
    assert "must be the same" in line
    assert not (tmp_path / "cli.db").exists()
