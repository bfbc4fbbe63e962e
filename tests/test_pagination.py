"""Cursor pages: walking a list page by page gives each row once, in the list's order."""

from __future__ import annotations

from gateway.auth.viewer import Role
from tests.graph import callers, gql

TEACHERS = """query($first: Int!, $after: String, $since: DateTime) {
  teachers(first: $first, after: $after, updatedSince: $since) {
    pageInfo { hasNextPage endCursor }
    edges { node { id updatedAt } } } }"""


async def walk(client, token: str, first: int, since: str | None = None) -> list[dict]:
    nodes, after = [], None
    for _ in range(200):  # bounded: the seed has a few thousand teachers
        page = await gql(client, TEACHERS, token, {"first": first, "after": after, "since": since})
        assert "errors" not in page, page
        connection = page["data"]["teachers"]
        nodes += [e["node"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


async def test_pages_of_37_equal_one_page_of_3000(client, seeded_db) -> None:
    provider = next(c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER)
    one_page = await walk(client, provider.token, 3000)
    in_pages = await walk(client, provider.token, 37)
    assert len(one_page) > 37 * 3
    assert in_pages == one_page
    assert len({n["id"] for n in in_pages}) == len(in_pages)
    stamps = [n["updatedAt"] for n in in_pages]
    assert stamps == sorted(stamps), "least recently updated first"


async def test_updated_since_keeps_only_later_changes(client, seeded_db) -> None:
    admin = next(c for c in await callers(seeded_db) if c.role is Role.ADMIN)
    everyone = await walk(client, admin.token, 100)
    since = everyone[len(everyone) // 2]["updatedAt"]
    later = await walk(client, admin.token, 100, since)
    assert later and all(n["updatedAt"] >= since for n in later)
    assert [n["id"] for n in later] == [n["id"] for n in everyone if n["updatedAt"] >= since]


async def test_a_forged_cursor_is_bad_user_input(client, seeded_db) -> None:
    admin = next(c for c in await callers(seeded_db) if c.role is Role.ADMIN)
    result = await gql(client, TEACHERS, admin.token, {"first": 5, "after": "bm9wZQ=="})
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cursor" in error["message"]
