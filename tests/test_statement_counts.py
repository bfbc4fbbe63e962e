"""A query costs one SQL statement per relation level, whatever the page size.

Loaders batch every sibling at one depth into one SELECT, so the count depends on the
shape of the query (and on which kinds of rows a page holds: an ECT's school is reached
through an ECT period, a mentor's through a mentor period), never on how many rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event

from gateway.auth.viewer import Role
from gateway.db import Database
from tests.graph import callers, gql

# Every level here exists for every participant of a lead provider, so pages of any size
# have the same shape: teachers, their induction facts and ECT periods (eligibility),
# their training periods, those periods' schedules and declarations.
UNIFORM = """query($first: Int!) { teachers(first: $first) { edges { node {
    id participantId fullName eligibleForFunding inductionStatus
    trainingPeriods { id trainingStatus schedule { identifier }
        declarations { id state } } } } } }"""

# The participants page as integrators fetch it: every relation they use.
FULL = """query($first: Int!) { teachers(first: $first) { edges { node {
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


async def statements_per_size(client, db: Database, query: str) -> tuple[dict, dict]:
    provider = next(c for c in await callers(db) if c.role is Role.LEAD_PROVIDER)
    counts, returned = {}, {}
    for first in (1, 100, 1000):
        # Use the token once first, so recording its last use is not counted.
        await gql(client, "{ viewer { authenticated } }", provider.token)
        with count_statements(db) as statements:
            result = await gql(client, query, provider.token, {"first": first})
        assert "errors" not in result, result
        returned[first] = len(result["data"]["teachers"]["edges"])
        counts[first] = len(statements)
    assert returned[1] == 1 and returned[100] == 100 and returned[1000] >= 500, returned
    return counts, returned


async def test_same_statement_count_for_1_100_and_1000_rows(client, seeded_db) -> None:
    counts, _ = await statements_per_size(client, seeded_db, UNIFORM)
    # token lookup, teachers, induction facts (inductionStatus), training periods,
    # schedules, declarations: one each (eligibleForFunding is a stored column).
    assert counts == {1: 6, 100: 6, 1000: 6}, counts


async def test_full_participants_page_is_bounded_by_relation_levels(client, seeded_db) -> None:
    counts, _ = await statements_per_size(client, seeded_db, FULL)
    # 17 relations are reachable in FULL (counting the two ways to a school and to a lead
    # provider); a page never costs more than one statement for each, at any size.
    assert max(counts.values()) <= 17, counts
    assert counts[100] <= counts[1000] <= 17


async def test_v3_participants_operation_is_bounded_by_relation_levels(client, seeded_db) -> None:
    """The lead provider's sync document (every v3 field) costs a bounded number of
    statements, the same bound for a page of 1 as of 1,000."""
    from pathlib import Path

    document = (
        Path(__file__).parent.parent / "operations" / "lead_provider" / "Participants.graphql"
    ).read_text()
    counts, _ = await statements_per_size(client, seeded_db, document)
    # token, teachers, id changes, training periods, teacher rows, induction facts, ECT
    # and mentor periods, their contacts, mentorships, partnerships, schedules, schools
    # and funding (each reached through an ECT and through a mentor period: two ways),
    # delivery partnerships, contract periods, delivery partners: 20 at most.
    assert max(counts.values()) <= 20, counts
    assert counts[100] <= counts[1000] <= 20
