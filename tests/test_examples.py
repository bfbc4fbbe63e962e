"""The client examples (examples/, gql) against a live gateway: `gateway serve` (uvicorn)
on 127.0.0.1, a free port, a throwaway seeded SQLite database. Each example runs as a
subprocess, as an integrator runs it; its results are checked against plain SQL.

Retry is tested against a tiny proxy on 127.0.0.1 in front of that gateway which answers
429 and 503 to some requests (a bounded handful), and against a stub that always does.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

# Uses its own SQLite files whatever TEST_DATABASE_URL says: CI's PostgreSQL pass leaves
# it out (-m "not own_database") rather than run it twice identically.
pytestmark = pytest.mark.own_database

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES))

from gateway_client import client, execute  # noqa: E402
from gql.transport.exceptions import TransportServerError  # noqa: E402

from tests.live import serve  # noqa: E402


def cli(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def example(name: str, *args: str, token: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env={**os.environ, "GATEWAY_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=120,
    )


class Gateway:
    def __init__(self, url: str, env: dict[str, str], db: sqlite3.Connection) -> None:
        self.url, self.env, self.db = url, env, db

    def token(self, *args: str) -> str:
        return cli("token", *args, env=self.env)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("examples")
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/gateway.db",
        "GATEWAY_VAR_DIR": str(tmp / "var"),
        "GATEWAY_ENV": "development",
        "JWT_SECRET": "",
    }
    cli("seed", "--scale", "0.01", "--seed", "5", "--today", "2026-11-29", env=env)
    with serve(env) as url:
        yield Gateway(f"{url}/graphql", env, sqlite3.connect(tmp / "gateway.db"))


LP_PARTICIPANTS = """
    SELECT count(DISTINCT tp.teacher_id) FROM training_periods tp
    LEFT JOIN school_partnerships sp ON sp.id = tp.school_partnership_id
    LEFT JOIN lead_provider_delivery_partnerships lpdp
           ON lpdp.id = sp.lead_provider_delivery_partnership_id
    LEFT JOIN active_lead_providers alp ON alp.id = lpdp.active_lead_provider_id
    LEFT JOIN active_lead_providers eoi ON eoi.id = tp.expression_of_interest_id
    WHERE alp.lead_provider_id = ? OR eoi.lead_provider_id = ?
"""


def test_lead_provider_syncs_every_participant_across_pages(gateway) -> None:
    provider = gateway.db.execute("SELECT id FROM lead_providers ORDER BY id LIMIT 1").fetchone()[0]
    (expected,) = gateway.db.execute(LP_PARTICIPANTS, (provider, provider)).fetchone()
    assert expected > 400, "enough participants for several pages"
    token = gateway.token("--role", "lead_provider", "--lead-provider-id", str(provider))
    result = example(
        "lead_provider_sync.py", "--url", gateway.url, "--page-size", "200", token=token
    )
    assert result.returncode == 0, result.stderr
    participants = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(participants) == expected
    assert len({p["participantId"] for p in participants}) == expected, "no duplicates"
    assert f"synced {expected} participants" in result.stderr
    assert "--updated-since 20" in result.stderr


def test_lead_provider_sync_since_a_time_gets_only_later_updates(gateway) -> None:
    provider = gateway.db.execute("SELECT id FROM lead_providers ORDER BY id LIMIT 1").fetchone()[0]
    token = gateway.token("--role", "lead_provider", "--lead-provider-id", str(provider))
    everyone = example("lead_provider_sync.py", "--url", gateway.url, token=token)
    stamps = sorted(json.loads(line)["updatedAt"] for line in everyone.stdout.splitlines())
    since = stamps[len(stamps) // 2]
    later = example(
        "lead_provider_sync.py", "--url", gateway.url, "--updated-since", since, token=token
    )
    assert later.returncode == 0, later.stderr
    got = [json.loads(line)["updatedAt"] for line in later.stdout.splitlines()]
    assert got and len(got) == sum(1 for s in stamps if s >= since)


def test_school_reads_its_dashboard(gateway) -> None:
    school_id, urn = gateway.db.execute(
        "SELECT s.id, s.urn FROM schools s JOIN ect_at_school_periods p ON p.school_id = s.id "
        "WHERE p.finished_on IS NULL GROUP BY s.id ORDER BY count(*) DESC, s.id LIMIT 1"
    ).fetchone()
    trns = {
        trn
        for (trn,) in gateway.db.execute(
            "SELECT t.trn FROM ect_at_school_periods p JOIN teachers t ON t.id = p.teacher_id "
            "WHERE p.school_id = ? AND p.finished_on IS NULL",
            (school_id,),
        )
    }
    token = gateway.token("--role", "school_user", "--school-urn", urn)
    result = example("school_dashboard.py", "--url", gateway.url, "--urn", urn, token=token)
    assert result.returncode == 0, result.stderr
    assert f"(URN {urn})" in result.stdout
    assert f"\n{len(trns)} current ECTs\n" in result.stdout
    shown = set(re.findall(r"^  (\d{7})  ", result.stdout, re.M))
    assert shown == trns

    other = gateway.db.execute("SELECT urn FROM schools WHERE id <> ? LIMIT 1", (school_id,))
    refused = example(
        "school_dashboard.py", "--url", gateway.url, "--urn", other.fetchone()[0], token=token
    )
    assert refused.returncode == 1 and "is visible to this token" in refused.stderr


def test_appropriate_body_pages_through_its_caseload(gateway) -> None:
    body, current = gateway.db.execute(
        "SELECT appropriate_body_id, count(*) FROM induction_periods WHERE finished_on IS NULL "
        "GROUP BY appropriate_body_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    assert current > 25, "enough for several pages of 25"
    token = gateway.token("--role", "appropriate_body_user", "--appropriate-body-id", str(body))
    result = example(
        "appropriate_body_caseload.py", "--url", gateway.url, "--page-size", "25", token=token
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{current} current induction periods"
    assert len(lines) - 1 == current


# -- retry --------------------------------------------------------------------------------


class Throttle(http.server.ThreadingHTTPServer):
    """Forwards to the gateway, but answers the statuses in ``script`` first, in turn."""

    def __init__(self, upstream: str, script: list[int]) -> None:
        self.upstream, self.script, self.seen = upstream, list(script), []
        super().__init__(("127.0.0.1", 0), ThrottleHandler)


class ThrottleHandler(http.server.BaseHTTPRequestHandler):
    server: Throttle

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.server.script.pop(0) if self.server.script else 200
        self.server.seen.append(status)
        if status != 200:
            self.send_response(status)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        request = urllib.request.Request(
            self.server.upstream,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": self.headers["Authorization"],
            },
        )
        with urllib.request.urlopen(request, timeout=60) as upstream:
            answer = upstream.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


def serving(server: Throttle) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/graphql"


def test_sync_waits_out_429_and_503_and_still_gets_everyone(gateway) -> None:
    provider = gateway.db.execute("SELECT id FROM lead_providers ORDER BY id LIMIT 1").fetchone()[0]
    (expected,) = gateway.db.execute(LP_PARTICIPANTS, (provider, provider)).fetchone()
    token = gateway.token("--role", "lead_provider", "--lead-provider-id", str(provider))
    throttle = Throttle(gateway.url, [429, 200, 503, 429, 200])
    try:
        url = serving(throttle)
        result = example("lead_provider_sync.py", "--url", url, "--page-size", "300", token=token)
    finally:
        throttle.shutdown()
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == expected
    assert throttle.seen[:5] == [429, 200, 503, 429, 200]
    assert result.stderr.count("HTTP 429: retry") == 2 and "HTTP 503: retry 1" in result.stderr


async def test_retry_gives_up_after_its_attempts_and_never_retries_other_errors() -> None:
    delays: list[float] = []

    async def no_wait(seconds: float) -> None:
        delays.append(seconds)

    for status, attempts, expected_calls in ((503, 3, 3), (400, 3, 1)):
        stub = Throttle("http://127.0.0.1:1/unused", [status] * 10)
        try:
            url = serving(stub)
            async with client(url, "token") as session:
                with pytest.raises(TransportServerError) as raised:
                    await execute(session, "{ viewer { role } }", attempts=attempts, sleep=no_wait)
        finally:
            stub.shutdown()
        assert raised.value.code == status
        assert len(stub.seen) == expected_calls, status
    assert delays == [0, 0]  # the server's Retry-After: 0, twice, for the 503s
    await asyncio.sleep(0)
