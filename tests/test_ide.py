"""GraphiQL's page: local files only, a strict CSP, working example tabs in development,
no token outside it, and a page that says how to install the files when they are missing.

The browser itself is tested by tests/browser/ (Chromium); this checks what the
gateway serves."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.db import Database

ROOT = Path(__file__).parent.parent
HTML = {"Accept": "text/html"}


def client_for(db: Database, **changes) -> httpx.AsyncClient:
    settings = dataclasses.replace(db.settings, **changes)
    app = create_app(settings, database=db)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


async def test_page_loads_only_local_files_under_a_strict_policy(seeded_db) -> None:
    async with client_for(seeded_db, environment="development") as c:
        page = await c.get("/graphql", headers=HTML)
        assert page.status_code == 200, page.text
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
        assert scripts and all(body.strip() == "" for _, body in scripts), "no inline script"
        urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert urls and all(u.startswith("/ide/") for u in urls), urls
        for url in urls:
            response = await c.get(url)
            assert response.status_code == 200, (url, response.text[:200])
            assert len(response.content) > 100, url
        graphiql = await c.get("/ide/graphiql.min.js")
        assert graphiql.headers["content-type"].startswith("text/javascript")


async def test_only_the_named_files_are_served(seeded_db) -> None:
    async with client_for(seeded_db) as c:
        for path in ("/ide/package.json", "/ide/..%2Fpyproject.toml", "/ide/react.development.js"):
            assert (await c.get(path)).status_code == 404, path


async def test_missing_files_page_says_how_to_install_them(seeded_db, tmp_path) -> None:
    async with client_for(seeded_db, graphiql_assets_dir=str(tmp_path)) as c:
        page = await c.get("/graphql", headers=HTML)
    assert page.status_code == 503
    assert "npm ci" in page.text and "not installed" in page.text
    assert "<script" not in page.text


async def test_development_tabs_run_every_operation_with_its_roles_token(seeded_db) -> None:
    async with client_for(seeded_db, environment="development") as c:
        config = (await c.get("/ide/config.json")).json()
        tabs = config["tabs"]
        operations = sorted(ROOT.glob("operations/*/*.graphql"))
        assert len(tabs) == 1 + len(operations)
        assert {t["query"] for t in tabs[1:]} == {p.read_text() for p in operations}
        for tab in tabs:
            headers = json.loads(tab["headers"])
            assert headers["Authorization"].startswith("Bearer ")
            if re.search(r"^\s*mutation\b", tab["query"], re.MULTILINE):
                # A mutation tab writes: it opens with its document and its role's token,
                # and tests/test_operations.py runs it with real input.
                continue
            variables = json.loads(tab["variables"] or "{}")
            response = await c.post(
                "/graphql", json={"query": tab["query"], "variables": variables}, headers=headers
            )
            body = response.json()
            assert "errors" not in body, (tab["query"][:60], body.get("errors"))
            # Each example finds data: its root field is neither null nor an empty page.
            (root,) = body["data"].values() if len(body["data"]) == 1 else [body["data"]]
            assert root, tab["query"][:60]
            if isinstance(root, dict) and "edges" in root:
                assert root["edges"], tab["query"][:60]
        welcome = await c.post(
            "/graphql",
            json={"query": "{ viewer { role } }"},
            headers=json.loads(tabs[0]["headers"]),
        )
        assert welcome.json()["data"]["viewer"]["role"] == "ADMIN"


@pytest.mark.parametrize("environment", ["test", "production"])
async def test_no_token_outside_development(seeded_db, environment) -> None:
    async with client_for(
        seeded_db, environment=environment, jwt_public_key="unused-public-key"
    ) as c:
        config = await c.get("/ide/config.json")
    assert config.status_code == 200
    tabs = config.json()["tabs"]
    assert len(tabs) > 1 and all(t["headers"] == "" for t in tabs)
    assert "eyJ" not in config.text and "ecf_lp_" not in config.text  # no JWT, no API token
