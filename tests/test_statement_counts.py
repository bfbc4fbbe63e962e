"""A query costs one SQL statement per relation level, whatever the page size."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event

from gateway.db import Database
from tests.graph import callers, gql

PARTICIPANTS = """query($first: Int!) { teachers(first: $first) { edges { node {
    id participantId fullName eligibleForFunding inductionStatus
    trainingPeriods { id trainingStatus participantStatus cohort
        schedule { identifier } school { urn }
        deliveryPartner { id name } leadProvider { id name }
        declarations { id state statement { id } } } } } } }"""


@contextlib.contextmanager
def count_statements(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engines = [e.sync_engine for e in db.engines.values()]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


async def test_participants_cost_the_same_for_1_100_and_1000_rows(client, seeded_db) -> None:
    provider = next(c for c in await callers(seeded_db) if c.role.value == "lead_provider")
    counts = {}
    returned = {}
    for first in (1, 100, 1000):
        # Warm the token's "last used" write so it does not count against the first run.
        await gql(client, "{ viewer { authenticated } }", provider.token)
        with count_statements(seeded_db) as statements:
            result = await gql(client, PARTICIPANTS, provider.token, {"first": first})
        assert "errors" not in result, result
        returned[first] = len(result["data"]["teachers"]["edges"])
        counts[first] = len(statements)
    assert returned[1] == 1 and returned[100] == 100 and returned[1000] >= 500
    assert counts[1] == counts[100] == counts[1000], counts
    # Auth lookup + page + one per relation level: a bound, not a measurement.
    assert counts[1] <= 16, counts
