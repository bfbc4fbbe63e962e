"""Bad input from outside gets BAD_USER_INPUT (or null for an id nothing has), never an
internal error (issue 12's probes)."""

from __future__ import annotations

import base64
import json

from gateway.auth.viewer import Role
from tests.graph import callers, gql


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def _token(db, role: Role) -> str:
    return next(c for c in await callers(db) if c.role is role).token


async def test_ids_and_cursors_that_cannot_be_read(client, seeded_db) -> None:
    token = await _token(seeded_db, Role.ADMIN)
    node = "query($id: ID!) { node(id: $id) { id } }"
    for raw in ("Teacher:99999999999999999999", "Node:1", "Teacher:-1", "nonsense"):
        result = await gql(client, node, token, {"id": _b64(raw)})
        codes = [e["extensions"]["code"] for e in result.get("errors", [])]
        assert result.get("data", {}) in (None, {"node": None}), raw
        assert set(codes) <= {"BAD_USER_INPUT"}, (raw, result)
    teachers = "query($after: String) { teachers(first: 2, after: $after) { edges { cursor } } }"
    overflowing = base64.urlsafe_b64encode(
        json.dumps(["2026-01-01T00:00:00+00:00", 10**30]).encode()
    ).decode()
    naive = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", 1]).encode()).decode()
    for cursor in (overflowing, naive):
        result = await gql(client, teachers, token, {"after": cursor})
        assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"], result


async def test_updated_since_needs_a_zone(client, seeded_db) -> None:
    token = await _token(seeded_db, Role.ADMIN)
    query = "query($s: DateTime) { teachers(first: 1, updatedSince: $s) { edges { cursor } } }"
    result = await gql(client, query, token, {"s": "2026-01-01T00:00:00"})
    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"], result
    assert "zone" in result["errors"][0]["message"].lower()
