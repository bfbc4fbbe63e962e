"""The gateway command as a newcomer meets it: help, tokens by any name, what upgrade
and --reset did, and a serve banner that appears only once the port is ours."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jwt
import pytest

from tests.test_cli import one_line_refusal, run

# Uses its own SQLite files whatever TEST_DATABASE_URL says: CI's PostgreSQL pass leaves
# it out (-m "not own_database") rather than run it twice identically.
pytestmark = pytest.mark.own_database

MIGRATIONS = Path(__file__).parent.parent / "gateway" / "migrations" / "versions"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One database for the module: seeding is the slow part, the tests mostly read."""
    tmp = tmp_path_factory.mktemp("cli-dev")
    return {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/cli.db",
        "GATEWAY_VAR_DIR": str(tmp / "var"),
        "GATEWAY_ENV": "development",
        "JWT_SECRET": "",
    }


@pytest.fixture(scope="module")
def seeded(env) -> sqlite3.Connection:
    result = run("seed", "--scale", "0.002", "--seed", "3", "--today", "2026-11-29", env=env)
    assert result.returncode == 0, result.stderr
    return sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite+aiosqlite:///"))


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["db", "upgrade"], ["seed"], ["schema"], ["token"]]
)
def test_every_command_has_help_with_examples(command) -> None:
    result = run(*command, "--help", env={})
    assert result.returncode == 0, result.stderr
    assert "examples:" in result.stdout


def test_serve_help_shows_defaults() -> None:
    out = run("serve", "--help", env={}).stdout
    assert "(default: 127.0.0.1)" in out and "(default: 8000)" in out


def test_production_db_upgrade_needs_no_token_keys_and_says_what_it_applied(tmp_path) -> None:
    prod = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/new.db", "GATEWAY_ENV": "production"}
    first = run("db", "upgrade", env=prod)
    assert first.returncode == 0, first.stderr
    migrations = len(list(MIGRATIONS.glob("*/*.py")))
    assert f"applied {migrations} migrations" in first.stderr
    assert "teachers_0001" in first.stderr  # progress names each migration
    again = run("db", "upgrade", env=prod)
    assert again.returncode == 0 and "already up to date" in again.stderr
    assert "applied" not in again.stderr


def _jwt_claims(token: str, env: dict[str, str]) -> dict:
    secret = (Path(env["GATEWAY_VAR_DIR"]) / "jwt-dev-secret").read_text().strip()
    return jwt.decode(token, secret, algorithms=["HS256"], audience="ecf-gateway")


def test_tokens_for_organisations_named_as_the_graph_shows_them(env, seeded) -> None:
    """One command per role, each naming its organisation another way than by number
    (every way is checked in process by tests/test_devdata.py)."""
    body_id = seeded.execute("SELECT max(id) FROM appropriate_bodies").fetchone()[0]
    gid = base64.b64encode(f"AppropriateBody:{body_id}".encode()).decode()
    result = run("token", "--role", "appropriate_body_user", "--appropriate-body-id", gid, env=env)
    assert result.returncode == 0, result.stderr
    assert _jwt_claims(result.stdout.strip(), env)["appropriate_body_id"] == body_id

    provider_id, name = seeded.execute(
        "SELECT id, name FROM lead_providers ORDER BY id DESC LIMIT 1"
    ).fetchone()
    result = run("token", "--role", "lead_provider", "--lead-provider-id", name, env=env)
    assert result.returncode == 0, result.stderr
    digest = hashlib.sha256(result.stdout.strip().encode()).hexdigest()
    (owner,) = seeded.execute(
        "SELECT lead_provider_id FROM lead_provider_api_tokens WHERE token_hash = ?", (digest,)
    ).fetchone()
    assert owner == provider_id

    school_gid = base64.b64encode(b"School:1").decode()
    wrong_type = run(
        "token", "--role", "appropriate_body_user", "--appropriate-body-id", school_gid, env=env
    )
    assert "global id of a School" in one_line_refusal(wrong_type)
    unknown = run("token", "--role", "lead_provider", "--lead-provider-id", "Nobody", env=env)
    assert "gateway token --list" in one_line_refusal(unknown)


def test_token_list_offers_organisations_with_current_data(env, seeded) -> None:
    result = run("token", "--list", env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for role in ("admin", "finance", "school_user", "appropriate_body_user", "lead_provider"):
        assert f"--role {role}" in out
    urns = re.findall(r"^  URN (\d{6}) ", out, re.M)
    bodies = re.findall(r"^  ID (\d+) .* current inductions", out, re.M)
    providers = re.findall(r"^  ID (\d+) .* current participants", out, re.M)
    assert urns and bodies and providers
    for urn in urns:
        (current,) = seeded.execute(
            "SELECT count(*) FROM ect_at_school_periods p JOIN schools s ON s.id = p.school_id "
            "WHERE s.urn = ? AND p.finished_on IS NULL",
            (urn,),
        ).fetchone()
        assert current > 0, urn
    for body in bodies:
        (caseload,) = seeded.execute(
            "SELECT count(*) FROM induction_periods WHERE appropriate_body_id = ? "
            "AND finished_on IS NULL",
            (int(body),),
        ).fetchone()
        assert caseload > 0, body


def test_seed_reset_says_what_it_revokes(env, seeded) -> None:
    seeded.execute("DELETE FROM lead_provider_api_tokens")
    seeded.commit()
    for _ in range(2):
        assert run("token", "--role", "lead_provider", "--lead-provider-id", "1", env=env).stdout
    result = run("seed", "--scale", "0.002", "--reset", "--today", "2026-11-29", env=env)
    assert result.returncode == 0, result.stderr
    assert "2 lead provider API tokens" in result.stderr
    assert seeded.execute("SELECT count(*) FROM lead_provider_api_tokens").fetchone() == (0,)


def test_serve_on_a_busy_port_refuses_in_one_line_without_a_banner(env, seeded) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line_refusal(run("serve", "--port", str(port), env=env))
    assert f"cannot listen on 127.0.0.1:{port}" in line


def test_serve_banner_comes_after_the_bind_and_names_every_role(env, seeded) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", "0"],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            banner.append(line)
            if "gateway token --list" in line or not line:
                break
        text = "".join(banner)
        port = int(re.search(r"listening on http://127\.0\.0\.1:(\d+)", text).group(1))
        # The banner is printed once the port is bound: the address answers.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as r:
            assert r.read() == b"ok"
        assert f"GraphiQL: http://127.0.0.1:{port}/graphql" in text
        for role in ("admin", "finance", "school_user", "appropriate_body_user", "lead_provider"):
            assert f"--role {role}" in text, role
    finally:
        process.terminate()
        process.wait(timeout=30)
