"""The container image, tested without a Docker engine (none runs here): the Dockerfile's
shape is read, and its entry commands (migrate, serve, healthcheck) are run outside the
container with the image's settings, against a fresh database, as the image would."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# Uses its own SQLite files whatever TEST_DATABASE_URL says: CI's PostgreSQL pass leaves
# it out (-m "not own_database") rather than run it twice identically.
pytestmark = pytest.mark.own_database

ROOT = Path(__file__).parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def stages() -> list[str]:
    """The Dockerfile's stages, each from its FROM line (comments and continuations joined)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    found: list[list[str]] = []
    for line in lines:
        if line.startswith("FROM "):
            found.append([])
        if found:
            found[-1].append(line)
    return ["\n".join(s) for s in found]


def instruction(stage: str, name: str) -> list[str]:
    return [line[len(name) + 1 :] for line in stage.splitlines() if line.startswith(name + " ")]


def test_multi_stage_slim_non_root_with_a_readiness_healthcheck() -> None:
    build, final = stages()[0], stages()[-1]
    assert len(stages()) >= 2
    assert "npm ci" in build and "-c requirements.lock" in build
    assert instruction(final, "FROM")[0].startswith("python:3.11-slim")
    for tool in ("apt-get", "npm", "node", "gcc", "pip install"):
        assert tool not in final, f"the final image must not install {tool}"
    user = instruction(final, "USER")
    assert user and user[-1] not in ("root", "0")
    assert "/readyz" in instruction(final, "HEALTHCHECK")[0]
    cmd = instruction(final, "CMD")[0]
    assert "serve" in cmd and "upgrade" not in cmd, "migrations are a separate command"


def image_env(final: str) -> dict[str, str]:
    """The ENV of the final stage (KEY=value pairs)."""
    env: dict[str, str] = {}
    for line in instruction(final, "ENV"):
        for pair in shlex.split(line):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


@pytest.fixture
def image(tmp_path: Path) -> dict[str, str]:
    """The image's files and environment, laid out under tmp_path as the Dockerfile does."""
    final = stages()[-1]
    env = image_env(final)
    copied = re.search(r"cp -r ((?:node_modules/\S+ )+)/graphiql/", stages()[0])
    assert copied, "the build stage copies GraphiQL's folders"
    assets = tmp_path / "graphiql"
    for folder in copied.group(1).split():
        shutil.copytree(ROOT / folder, assets / Path(folder).name)
    shutil.copytree(ROOT / "operations", tmp_path / "operations")
    (tmp_path / "var").mkdir()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = tmp_path / "idp-public.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert env["GATEWAY_ENV"] == "production"
    return {
        **{k: v for k, v in env.items() if k != "PATH"},
        "GRAPHIQL_ASSETS_DIR": str(assets),
        "OPERATIONS_DIR": str(tmp_path / "operations"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/var/gateway.db",
        "JWT_PUBLIC_KEY_FILE": str(public),
        "CWD": str(tmp_path),
    }


def command(argv: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess[str]:
    cwd = env["CWD"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "GATEWAY_"))}
    # The image's PATH starts with its venv; here, this interpreter's.
    clean["PATH"] = f"{Path(sys.executable).parent}:{clean.get('PATH', '')}"
    return subprocess.run(
        argv,
        env={**clean, **{k: v for k, v in env.items() if k != "CWD"}},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def gateway_argv(args: list[str]) -> list[str]:
    assert args[0] == "gateway"
    return [sys.executable, "-m", "gateway.cli", *args[1:]]


def test_entry_commands_migrate_then_serve_then_report_healthy(image) -> None:
    # Migrations: production settings and no token keys, as the compose file's `migrate`.
    no_keys = {k: v for k, v in image.items() if k != "JWT_PUBLIC_KEY_FILE"}
    upgrade = command(gateway_argv(["gateway", "db", "upgrade"]), no_keys)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "applied" in upgrade.stderr

    # serve: the image's CMD, on 127.0.0.1 and a free port instead of 0.0.0.0:8000.
    cmd = [a.strip('"') for a in re.findall(r'"[^"]*"', instruction(stages()[-1], "CMD")[0])]
    cmd = [{"0.0.0.0": "127.0.0.1", "8000": "0"}.get(a, a) for a in cmd]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "GATEWAY_"))}
    process = subprocess.Popen(
        gateway_argv(cmd),
        env={**clean, **{k: v for k, v in image.items() if k != "CWD"}},
        cwd=image["CWD"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port, deadline = None, time.monotonic() + 60
        while port is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line, "serve exited before listening"
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            port = found and found.group(1)
        assert "(production)" in line

        healthcheck = instruction(stages()[-1], "HEALTHCHECK")[0].split(" CMD ", 1)[1]
        healthy = command(["sh", "-c", healthcheck], {**image, "GATEWAY_PORT": str(port)})
        for _ in range(40):
            if healthy.returncode == 0:
                break
            time.sleep(0.5)
            healthy = command(["sh", "-c", healthcheck], {**image, "GATEWAY_PORT": str(port)})
        assert healthy.returncode == 0, healthy.stderr

        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql", headers={"Accept": "text/html"}
        )
        with urllib.request.urlopen(request, timeout=10) as page:
            assert page.status == 200 and "/ide/graphiql.min.js" in page.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ide/config.json") as config:
            text = config.read().decode()
        tabs = json.loads(text)["tabs"]
        assert any("query SchoolDashboard" in t["query"] for t in tabs)
        assert all(t["headers"] == "" for t in tabs), "production GraphiQL carries no token"
        assert "eyJ" not in text and "ecf_lp_" not in text
    finally:
        process.terminate()
        process.wait(timeout=30)

    # Nothing listens now: the same healthcheck reports unhealthy.
    down = command(["sh", "-c", healthcheck], {**image, "GATEWAY_PORT": str(port)})
    assert down.returncode != 0


def test_compose_runs_migrations_once_then_replicas_behind_one_address() -> None:
    import yaml  # PyYAML, installed with uvicorn[standard]

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "gateway", "proxy"} <= set(services)
    assert services["migrate"]["command"] == ["gateway", "db", "upgrade"]
    gateway = services["gateway"]
    assert gateway["deploy"]["replicas"] > 1
    assert gateway["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "ports" not in gateway, "replicas are reached only through the proxy"
    assert len(services["proxy"]["ports"]) == 1
    env = gateway["environment"]
    assert env["GATEWAY_ENV"] == "production" and env["JWT_PUBLIC_KEY_FILE"]
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"], "no password in the file"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server gateway:8000" in nginx
