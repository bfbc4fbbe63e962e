"""A caller cannot tell "exists but not yours" from "does not exist" by what the gateway
does (issue 12: a lead provider asking for a TRN it may not see was slower than for a
TRN that does not exist). Both run the same SQL statements, in number and in text, with
the visibility rule inside the one lookup statement: no second query for rows found.
Timings belong in bench/, so this test compares the statements, not the time."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.auth import policy
from gateway.auth.viewer import Role, Viewer
from gateway.models import teachers as tm
from tests.graph import Caller, callers, global_id, gql
from tests.test_statement_counts import count_statements

BY_TRN = "query($trn: String) { teacher(trn: $trn) { id fullName } }"
BY_NODE = "query($id: ID!) { node(id: $id) { id ... on Teacher { fullName } } }"


async def statements_for(client, db, caller: Caller, query: str, variables: dict) -> list[str]:
    with count_statements(db) as statements:
        result = await gql(client, query, caller.token, variables)
    assert "errors" not in result, result
    assert list(result["data"].values()) == [None]
    return statements


async def test_hidden_and_missing_teachers_run_the_same_statements(client, seeded_db) -> None:
    everyone = await callers(seeded_db)
    checked = 0
    for caller in everyone:
        if caller.role not in (Role.LEAD_PROVIDER, Role.SCHOOL_USER):
            continue
        # Use the token once, so recording its use does not count below.
        await gql(client, "{ viewer { role } }", caller.token)
        viewer = Viewer(
            role=caller.role,
            subject="probe",
            lead_provider_id=caller.org_id if caller.role is Role.LEAD_PROVIDER else None,
            school_id=caller.org_id if caller.role is Role.SCHOOL_USER else None,
        )
        async with seeded_db.session() as s:
            hidden = (
                await s.execute(
                    sa.select(tm.Teacher.id, tm.Teacher.trn)
                    .where(sa.not_(policy.teachers(viewer)), tm.Teacher.trn.is_not(None))
                    .order_by(tm.Teacher.id)
                    .limit(1)
                )
            ).one()
            missing_id = (await s.scalar(sa.select(sa.func.max(tm.Teacher.id)))) + 1000
        missing_trn = "0000001"
        for query, hidden_vars, missing_vars in (
            (BY_TRN, {"trn": hidden.trn}, {"trn": missing_trn}),
            (
                BY_NODE,
                {"id": global_id("Teacher", hidden.id)},
                {"id": global_id("Teacher", missing_id)},
            ),
        ):
            seen = await statements_for(client, seeded_db, caller, query, hidden_vars)
            unknown = await statements_for(client, seeded_db, caller, query, missing_vars)
            assert seen == unknown, (caller.label, query)
            # One lookup statement carries the visibility rule (it reads the tables the
            # caller's scope is decided by), in both cases.
            scope_table = (
                "training_periods" if caller.role is Role.LEAD_PROVIDER else "at_school_periods"
            )
            lookups = [s for s in seen if "FROM teachers" in s and scope_table in s]
            assert len(lookups) == 1, seen
            checked += 1
    assert checked >= 4
