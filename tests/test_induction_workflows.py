"""Appropriate bodies act: claim an ECT, extend, pass, fail, release; refusals change
nothing; every change is in the teacher's timeline."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from gateway.app import create_app
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.clock import FixedClock
from gateway.db import Database
from gateway.models import inductions as im
from gateway.models import schools as sm
from gateway.models import teachers as tm
from tests.conftest import SEED_TODAY
from tests.graph import answer, call, global_id

CLAIMABLE = """
    SELECT t.id, t.trn, r.date_of_birth, t.trs_qts_awarded_on, e.school_reported_appropriate_body_id
    FROM teachers t
    JOIN teacher_records r ON r.trn = t.trn
    JOIN ect_at_school_periods e ON e.teacher_id = t.id
    WHERE (e.finished_on IS NULL OR e.finished_on >= :today)
      AND t.trs_qts_awarded_on IS NOT NULL
      AND t.trs_induction_status NOT IN ('Passed', 'Failed', 'Exempt')
      AND t.id NOT IN (SELECT teacher_id FROM induction_periods
                       WHERE outcome IS NOT NULL OR finished_on IS NULL)
    ORDER BY t.id
"""

CLAIM = """mutation($input: ClaimECTInput!) { claimEct(input: $input) {
    inductionPeriod { id startedOn finishedOn outcome appropriateBody { name } }
    userErrors { field message code } } }"""
CLOSE = """mutation($input: CloseInductionInput!) { %s(input: $input) {
    inductionPeriod { id finishedOn numberOfTerms outcome }
    userErrors { field message code } } }"""
EXTEND = """mutation($input: AddInductionExtensionInput!) { addInductionExtension(input: $input) {
    inductionExtension { numberOfTerms } userErrors { field code message } } }"""


def body_token(db: Database, body_id: int) -> str:
    return mint_development_token(
        db.settings, Role.APPROPRIATE_BODY_USER, appropriate_body_id=body_id
    )


async def claimable(db: Database) -> list[Any]:
    async with db.session() as s:
        typed = sa.text(CLAIMABLE).columns(
            sa.column("id", sa.Integer),
            sa.column("trn", sa.String),
            sa.column("date_of_birth", sa.Date),
            sa.column("trs_qts_awarded_on", sa.Date),
            sa.column("school_reported_appropriate_body_id", sa.Integer),
        )
        return list(await s.execute(typed, {"today": SEED_TODAY}))


_new_trns = iter(range(9_900_000, 9_999_999))


async def new_claimable_teacher(db: Database) -> Any:
    """A teacher any body could claim: QTS, no induction, an ECT at a school now that
    reported an appropriate body (the seed has too few to spend one per test)."""
    trn = str(next(_new_trns))
    dob, qts = dt.date(1998, 5, 17), dt.date(2024, 7, 20)
    async with db.session() as s:
        school_id = await s.scalar(sa.select(sa.func.min(sm.School.id)))
        body_id = await s.scalar(
            sa.select(sa.func.min(im.AppropriateBody.id)).where(
                im.AppropriateBody.type == im.AppropriateBodyType.TEACHING_SCHOOL_HUB
            )
        )
        teacher = tm.Teacher(
            trn=trn,
            trs_first_name="Ada",
            trs_last_name=f"Claimable{trn}",
            trs_qts_awarded_on=qts,
            trs_induction_status=tm.TRSInductionStatus.REQUIRED_TO_COMPLETE,
        )
        s.add(teacher)
        s.add(
            tm.TeacherRecord(
                trn=trn,
                first_name="Ada",
                last_name=f"Claimable{trn}",
                date_of_birth=dob,
                qts_awarded_on=qts,
                induction_status=tm.TRSInductionStatus.REQUIRED_TO_COMPLETE,
            )
        )
        await s.flush()
        s.add(
            sm.ECTAtSchoolPeriod(
                teacher_id=teacher.id,
                school_id=school_id,
                started_on=dt.date(2024, 9, 1),
                working_pattern=sm.WorkingPattern.FULL_TIME,
                school_reported_appropriate_body_id=body_id,
            )
        )
        await s.commit()
        return type(
            "Claimable",
            (),
            {
                "id": teacher.id,
                "trn": trn,
                "date_of_birth": dob,
                "trs_qts_awarded_on": qts,
                "school_reported_appropriate_body_id": body_id,
            },
        )


async def count(db: Database, sql: str, **params: Any) -> int:
    async with db.session() as s:
        return int(await s.scalar(sa.text(sql), params))


async def other_body(db: Database, body_id: int) -> int:
    async with db.session() as s:
        return int(
            await s.scalar(
                sa.text("SELECT min(id) FROM appropriate_bodies WHERE id <> :b"), {"b": body_id}
            )
        )


async def test_an_appropriate_body_sees_exactly_its_claimable_teachers(
    app_client, seeded_db: Database
) -> None:
    rows = await claimable(seeded_db)
    body_id = rows[0].school_reported_appropriate_body_id
    expected = {r.trn for r in rows if r.school_reported_appropriate_body_id == body_id}
    result = await call(
        app_client,
        body_token(seeded_db, body_id),
        "{ claimableTeachers(first: 100) { trn fullName } }",
        {},
    )
    assert {t["trn"] for t in result["data"]["claimableTeachers"]} == expected
    admin = mint_development_token(seeded_db.settings, Role.ADMIN)
    assert (await call(app_client, admin, "{ claimableTeachers { trn } }", {}))["data"] == {
        "claimableTeachers": []
    }


async def test_claim_extend_pass_and_the_timeline(app_client, seeded_db: Database) -> None:
    teacher = await new_claimable_teacher(seeded_db)
    body_id = teacher.school_reported_appropriate_body_id
    token = body_token(seeded_db, body_id)
    periods_sql = "SELECT count(*) FROM induction_periods WHERE teacher_id = :t"
    before = await count(seeded_db, periods_sql, t=teacher.id)
    start = max(teacher.trs_qts_awarded_on, dt.date(2024, 9, 1))

    def claim_input(**overrides: Any) -> dict:
        return {
            "input": {
                "trn": teacher.trn,
                "dateOfBirth": teacher.date_of_birth.isoformat(),
                "startedOn": start.isoformat(),
                "trainingProgramme": "PROVIDER_LED",
                **overrides,
            }
        }

    # Refusals: each a user error with a stable code and field; nothing written.
    wrong_dob = await call(
        app_client,
        token,
        CLAIM,
        claim_input(dateOfBirth=(teacher.date_of_birth + dt.timedelta(days=1)).isoformat()),
    )
    unknown_trn = await call(app_client, token, CLAIM, claim_input(trn="0000001"))
    assert wrong_dob["data"]["claimEct"] == unknown_trn["data"]["claimEct"], (
        "an unknown TRN and a wrong date of birth get the same answer"
    )
    assert wrong_dob["data"]["claimEct"]["userErrors"][0]["code"] == "TEACHER_NOT_FOUND"
    cases = {
        "START_IN_FUTURE": {"startedOn": (SEED_TODAY + dt.timedelta(days=1)).isoformat()},
        "START_BEFORE_QTS": {
            "startedOn": (teacher.trs_qts_awarded_on - dt.timedelta(days=1)).isoformat()
        },
    }
    for code, overrides in cases.items():
        refused = (await call(app_client, token, CLAIM, claim_input(**overrides)))["data"][
            "claimEct"
        ]
        assert refused["inductionPeriod"] is None
        assert refused["userErrors"] == [
            {
                "field": ["input", "startedOn"],
                "message": refused["userErrors"][0]["message"],
                "code": code,
            }
        ]
    assert await count(seeded_db, periods_sql, t=teacher.id) == before

    # A school user may not claim.
    school = mint_development_token(
        seeded_db.settings, Role.SCHOOL_USER, school_urn=await _any_urn(seeded_db)
    )
    forbidden = await call(app_client, school, CLAIM, claim_input())
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    claimed = (await call(app_client, token, CLAIM, claim_input()))["data"]["claimEct"]
    assert claimed["userErrors"] == []
    period = claimed["inductionPeriod"]
    assert period["startedOn"] == start.isoformat() and period["finishedOn"] is None

    # Now claimed: another body cannot, and the same body is told it already has them.
    other = body_token(seeded_db, await other_body(seeded_db, body_id))
    again = (await call(app_client, other, CLAIM, claim_input()))["data"]["claimEct"]
    assert again["userErrors"][0]["code"] == "CLAIMED_BY_ANOTHER_BODY"
    mine = (await call(app_client, token, CLAIM, claim_input()))["data"]["claimEct"]
    assert mine["userErrors"][0]["code"] == "ALREADY_CLAIMED"

    teacher_gid = global_id("Teacher", teacher.id)
    too_fine = await call(
        app_client, token, EXTEND, {"input": {"teacherId": teacher_gid, "numberOfTerms": "0.15"}}
    )
    assert too_fine["data"]["addInductionExtension"]["userErrors"][0]["code"] == "TERMS_PRECISION"
    not_theirs = await call(
        app_client, other, EXTEND, {"input": {"teacherId": teacher_gid, "numberOfTerms": "1"}}
    )
    assert not_theirs["data"]["addInductionExtension"]["userErrors"][0]["code"] == "NOT_FOUND"
    extended = await call(
        app_client, token, EXTEND, {"input": {"teacherId": teacher_gid, "numberOfTerms": "1.5"}}
    )
    assert extended["data"]["addInductionExtension"] == {
        "inductionExtension": {"numberOfTerms": "1.5"},
        "userErrors": [],
    }

    def close_input(**overrides: Any) -> dict:
        return {
            "input": {
                "inductionPeriodId": period["id"],
                "finishedOn": SEED_TODAY.isoformat(),
                "numberOfTerms": "6",
                **overrides,
            }
        }

    pass_ = CLOSE % "recordInductionPass"
    for code, overrides in {
        "TERMS_OUT_OF_RANGE": {"numberOfTerms": "16.5"},
        "FINISH_BEFORE_START": {"finishedOn": (start - dt.timedelta(days=1)).isoformat()},
        "FINISH_IN_FUTURE": {"finishedOn": (SEED_TODAY + dt.timedelta(days=1)).isoformat()},
    }.items():
        refused = (await call(app_client, token, pass_, close_input(**overrides)))["data"]
        assert refused["recordInductionPass"]["userErrors"][0]["code"] == code
    by_other = (await call(app_client, other, pass_, close_input()))["data"]["recordInductionPass"]
    assert by_other["userErrors"][0]["code"] == "NOT_FOUND"

    open_training = """SELECT count(*) FROM training_periods tp
        JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id
        WHERE e.teacher_id = :t AND tp.finished_on IS NULL"""
    open_mentorships = """SELECT count(*) FROM mentorship_periods m
        JOIN ect_at_school_periods e ON e.id = m.ect_at_school_period_id
        WHERE e.teacher_id = :t AND m.finished_on IS NULL"""
    passed = (await call(app_client, token, pass_, close_input()))["data"]["recordInductionPass"]
    assert passed["userErrors"] == []
    assert passed["inductionPeriod"] == {
        "id": period["id"],
        "finishedOn": SEED_TODAY.isoformat(),
        "numberOfTerms": "6",
        "outcome": "PASS",
    }
    assert await count(seeded_db, open_training, t=teacher.id) == 0
    assert await count(seeded_db, open_mentorships, t=teacher.id) == 0
    failed = (await call(app_client, token, CLOSE % "recordInductionFail", close_input()))["data"]
    assert failed["recordInductionFail"]["userErrors"][0]["code"] == "PERIOD_CLOSED"
    after_pass = (await call(app_client, other, CLAIM, claim_input()))["data"]["claimEct"]
    assert after_pass["userErrors"][0]["code"] == "INDUCTION_COMPLETE"

    timeline = """query($id: ID!) { node(id: $id) { ... on Teacher {
        events { eventType authorType authorId modifications } } } }"""
    admin = mint_development_token(seeded_db.settings, Role.ADMIN)
    events = (await call(app_client, admin, timeline, {"id": teacher_gid}))["data"]["node"][
        "events"
    ]
    ours = [e for e in events if e["authorId"] == f"appropriate_body:{body_id}"]
    assert [e["eventType"] for e in ours] == [
        "induction_period_opened",
        "induction_extended",
        "induction_passed",
    ]
    assert ours[-1]["modifications"]["outcome"] == [None, "pass"]
    assert ours[-1]["modifications"]["number_of_terms"] == [None, "6"]
    as_body = (await call(app_client, token, timeline, {"id": teacher_gid}))["data"]["node"][
        "events"
    ]
    assert as_body == ours, "the body reads the events it caused"


async def test_release_lets_another_body_claim(app_client, seeded_db: Database) -> None:
    teacher = await new_claimable_teacher(seeded_db)
    body_id = teacher.school_reported_appropriate_body_id
    token, other = (
        body_token(seeded_db, body_id),
        body_token(seeded_db, await other_body(seeded_db, body_id)),
    )
    start = max(teacher.trs_qts_awarded_on, dt.date(2024, 9, 1))
    claim = {
        "input": {
            "trn": teacher.trn,
            "dateOfBirth": teacher.date_of_birth.isoformat(),
            "startedOn": start.isoformat(),
            "trainingProgramme": "SCHOOL_LED",
        }
    }
    period = (await call(app_client, token, CLAIM, claim))["data"]["claimEct"]["inductionPeriod"]
    released = await call(
        app_client,
        token,
        CLOSE % "releaseEct",
        {
            "input": {
                "inductionPeriodId": period["id"],
                "finishedOn": (SEED_TODAY - dt.timedelta(days=10)).isoformat(),
                "numberOfTerms": "1.5",
            }
        },
    )
    assert released["data"]["releaseEct"]["inductionPeriod"]["outcome"] is None
    overlapping = (await call(app_client, other, CLAIM, claim))["data"]["claimEct"]
    assert overlapping["userErrors"][0]["code"] == "OVERLAPS_PERIOD"
    later = {
        "input": {**claim["input"], "startedOn": (SEED_TODAY - dt.timedelta(days=5)).isoformat()}
    }
    reclaimed = (await call(app_client, other, CLAIM, later))["data"]["claimEct"]
    assert reclaimed["userErrors"] == [] and reclaimed["inductionPeriod"]["finishedOn"] is None


async def test_two_bodies_claiming_at_once_end_with_one_claim(seeded_db: Database) -> None:
    """Truly concurrent transactions: one claim, one clean user error (PostgreSQL: row
    lock and the one-open-period index; SQLite: the write lock taken first)."""
    teacher = await new_claimable_teacher(seeded_db)
    body_id = teacher.school_reported_appropriate_body_id
    tokens = [
        body_token(seeded_db, body_id),
        body_token(seeded_db, await other_body(seeded_db, body_id)),
    ]
    start = max(teacher.trs_qts_awarded_on, dt.date(2024, 9, 1))
    claim = {
        "input": {
            "trn": teacher.trn,
            "dateOfBirth": teacher.date_of_birth.isoformat(),
            "startedOn": start.isoformat(),
            "trainingProgramme": "PROVIDER_LED",
        }
    }
    app = create_app(seeded_db.settings, database=seeded_db, clock=FixedClock(SEED_TODAY))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        results = await asyncio.gather(*(call(c, t, CLAIM, claim) for t in tokens))
    outcomes = sorted(
        (
            r["data"]["claimEct"]["userErrors"][0]["code"]
            if r["data"]["claimEct"]["userErrors"]
            else "OK"
        )
        for r in results
    )
    assert outcomes == ["CLAIMED_BY_ANOTHER_BODY", "OK"]
    open_periods = (
        "SELECT count(*) FROM induction_periods WHERE teacher_id = :t AND finished_on IS NULL"
    )
    assert await count(seeded_db, open_periods, t=teacher.id) == 1


async def _any_urn(db: Database) -> str:
    async with db.session() as s:
        return str(await s.scalar(sa.text("SELECT urn FROM schools ORDER BY id LIMIT 1")))


CORRECT = """mutation($input: CorrectInductionPeriodInput!) { correctInductionPeriod(input: $input) {
    inductionPeriod { startedOn finishedOn numberOfTerms updatedAt } userErrors { field code } } }"""
REOPEN = """mutation($input: InductionPeriodVersionInput!) { reopenInductionPeriod(input: $input) {
    inductionPeriod { finishedOn numberOfTerms outcome updatedAt } userErrors { field code } } }"""
DELETE = """mutation($input: InductionPeriodVersionInput!) { deleteInductionPeriod(input: $input) {
    deletedInductionPeriodId userErrors { field code } } }"""
PERIOD = """query($id: ID!) { node(id: $id) { ... on InductionPeriod {
    startedOn finishedOn numberOfTerms outcome updatedAt teacher { events { eventType modifications } } } } }"""


async def test_admin_corrects_reopens_and_deletes_with_a_record_of_each(
    app_client, seeded_db: Database
) -> None:
    teacher = await new_claimable_teacher(seeded_db)
    body = body_token(seeded_db, teacher.school_reported_appropriate_body_id)
    admin = mint_development_token(seeded_db.settings, Role.ADMIN)
    claim = {
        "input": {
            "trn": teacher.trn,
            "dateOfBirth": teacher.date_of_birth.isoformat(),
            "startedOn": "2024-09-02",
            "trainingProgramme": "PROVIDER_LED",
        }
    }
    period_id = (await call(app_client, body, CLAIM, claim))["data"]["claimEct"]["inductionPeriod"][
        "id"
    ]
    passed = await call(
        app_client,
        body,
        CLOSE % "recordInductionPass",
        {
            "input": {
                "inductionPeriodId": period_id,
                "finishedOn": "2026-07-20",
                "numberOfTerms": "6",
            }
        },
    )
    assert passed["data"]["recordInductionPass"]["userErrors"] == []

    read = (await call(app_client, admin, PERIOD, {"id": period_id}))["data"]["node"]
    stale = "2020-01-01T00:00:00+00:00"
    refused = await call(
        app_client,
        admin,
        CORRECT,
        {
            "input": {
                "inductionPeriodId": period_id,
                "expectedUpdatedAt": stale,
                "numberOfTerms": "5.5",
            }
        },
    )
    assert refused["data"]["correctInductionPeriod"]["userErrors"] == [
        {"field": ["input", "expectedUpdatedAt"], "code": "STALE_UPDATE"}
    ]
    as_body = await call(
        app_client,
        body,
        CORRECT,
        {
            "input": {
                "inductionPeriodId": period_id,
                "expectedUpdatedAt": read["updatedAt"],
                "numberOfTerms": "5.5",
            }
        },
    )
    assert as_body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    corrected = await call(
        app_client,
        admin,
        CORRECT,
        {
            "input": {
                "inductionPeriodId": period_id,
                "expectedUpdatedAt": read["updatedAt"],
                "numberOfTerms": "5.5",
            }
        },
    )
    period = corrected["data"]["correctInductionPeriod"]["inductionPeriod"]
    assert period["numberOfTerms"] in ("5.5", "5.50") and period["finishedOn"] == "2026-07-20"

    reopened = await call(
        app_client,
        admin,
        REOPEN,
        {"input": {"inductionPeriodId": period_id, "expectedUpdatedAt": period["updatedAt"]}},
    )
    again = reopened["data"]["reopenInductionPeriod"]["inductionPeriod"]
    assert (again["finishedOn"], again["numberOfTerms"], again["outcome"]) == (None, None, None)
    failed = await call(
        app_client,
        body,
        CLOSE % "recordInductionFail",
        {
            "input": {
                "inductionPeriodId": period_id,
                "finishedOn": "2026-07-21",
                "numberOfTerms": "6",
            }
        },
    )
    assert failed["data"]["recordInductionFail"]["inductionPeriod"]["outcome"] == "FAIL"

    read = (await call(app_client, admin, PERIOD, {"id": period_id}))["data"]["node"]
    deleted = await call(
        app_client,
        admin,
        DELETE,
        {"input": {"inductionPeriodId": period_id, "expectedUpdatedAt": read["updatedAt"]}},
    )
    assert deleted["data"]["deleteInductionPeriod"] == {
        "deletedInductionPeriodId": period_id,
        "userErrors": [],
    }
    assert (await call(app_client, admin, PERIOD, {"id": period_id}))["data"]["node"] is None
    timeline = await call(
        app_client,
        admin,
        """query($id: ID!) { node(id: $id) {
        ... on Teacher { events { eventType modifications } } } }""",
        {"id": global_id("Teacher", teacher.id)},
    )
    events = timeline["data"]["node"]["events"]
    assert [e["eventType"] for e in events] == [
        "induction_period_opened",
        "induction_passed",
        "induction_period_corrected",
        "induction_period_reopened",
        "induction_failed",
        "induction_period_deleted",
    ]
    assert events[2]["modifications"] == {"number_of_terms": ["6", "5.5"]}
    assert events[3]["modifications"]["outcome"] == ["pass", None]
    assert events[5]["modifications"]["outcome"] == ["fail", None]


async def test_a_correction_may_not_make_periods_overlap(app_client, seeded_db: Database) -> None:
    teacher = await new_claimable_teacher(seeded_db)
    body_id = teacher.school_reported_appropriate_body_id
    token, other = (
        body_token(seeded_db, body_id),
        body_token(seeded_db, await other_body(seeded_db, body_id)),
    )
    admin = mint_development_token(seeded_db.settings, Role.ADMIN)
    claim = {
        "input": {
            "trn": teacher.trn,
            "dateOfBirth": teacher.date_of_birth.isoformat(),
            "startedOn": "2024-09-02",
            "trainingProgramme": "PROVIDER_LED",
        }
    }
    first = (await call(app_client, token, CLAIM, claim))["data"]["claimEct"]["inductionPeriod"][
        "id"
    ]
    await call(
        app_client,
        token,
        CLOSE % "releaseEct",
        {"input": {"inductionPeriodId": first, "finishedOn": "2025-07-18", "numberOfTerms": "3"}},
    )
    later = {"input": {**claim["input"], "startedOn": "2025-09-01"}}
    second = (await call(app_client, other, CLAIM, later))["data"]["claimEct"]["inductionPeriod"][
        "id"
    ]
    read = (await call(app_client, admin, PERIOD, {"id": second}))["data"]["node"]
    overlapping = await call(
        app_client,
        admin,
        CORRECT,
        {
            "input": {
                "inductionPeriodId": second,
                "expectedUpdatedAt": read["updatedAt"],
                "startedOn": "2025-07-01",
            }
        },
    )
    assert overlapping["data"]["correctInductionPeriod"]["userErrors"] == [
        {"field": ["input", "startedOn"], "code": "OVERLAPS_PERIOD"}
    ]
    after = (await call(app_client, admin, PERIOD, {"id": second}))["data"]["node"]
    assert after["startedOn"] == "2025-09-01", "nothing was written"


async def test_a_period_says_which_actions_apply_now(app_client, seeded_db: Database) -> None:
    teacher = await new_claimable_teacher(seeded_db)
    body_id = teacher.school_reported_appropriate_body_id
    token, other = (
        body_token(seeded_db, body_id),
        body_token(seeded_db, await other_body(seeded_db, body_id)),
    )
    claim = {
        "input": {
            "trn": teacher.trn,
            "dateOfBirth": teacher.date_of_birth.isoformat(),
            "startedOn": "2024-09-02",
            "trainingProgramme": "PROVIDER_LED",
        }
    }
    period_id = (await call(app_client, token, CLAIM, claim))["data"]["claimEct"][
        "inductionPeriod"
    ]["id"]
    query = """query($id: ID!) { node(id: $id) { ... on InductionPeriod {
        availableActions { name available reason } } } }"""

    async def actions(as_token: str) -> dict[str, Any]:
        node = (await call(app_client, as_token, query, {"id": period_id}))["data"]["node"]
        return {a["name"]: (a["available"], a["reason"]) for a in node["availableActions"]}

    assert await actions(token) == {
        "recordInductionPass": (True, None),
        "recordInductionFail": (True, None),
        "releaseEct": (True, None),
        "updateInductionPeriod": (True, None),
    }
    await call(
        app_client,
        token,
        CLOSE % "releaseEct",
        {
            "input": {
                "inductionPeriodId": period_id,
                "finishedOn": "2025-07-18",
                "numberOfTerms": "3",
            }
        },
    )
    closed = await actions(token)
    assert closed["releaseEct"] == (False, "The period is closed.")
    admin = mint_development_token(seeded_db.settings, Role.ADMIN)
    assert (await actions(admin))["reopenInductionPeriod"] == (True, None)
    # Another body cannot see the period at all (it never claimed the teacher).
    assert (await call(app_client, other, query, {"id": period_id}))["data"]["node"] is None


UPDATE = (
    Path(__file__).parent.parent / "operations/appropriate_body_user/UpdateInductionPeriod.graphql"
).read_text()


async def test_a_body_edits_its_open_period_unless_it_changed_since_read(
    app_client, seeded_db: Database
) -> None:
    teacher = await new_claimable_teacher(seeded_db)
    token = body_token(seeded_db, teacher.school_reported_appropriate_body_id)
    claim = {
        "input": {
            "trn": teacher.trn,
            "dateOfBirth": teacher.date_of_birth.isoformat(),
            "startedOn": "2024-09-02",
            "trainingProgramme": "PROVIDER_LED",
        }
    }
    period_id = (await call(app_client, token, CLAIM, claim))["data"]["claimEct"][
        "inductionPeriod"
    ]["id"]
    read = (
        await call(
            app_client,
            token,
            PERIOD.replace(" teacher { events { eventType modifications } }", ""),
            {"id": period_id},
        )
    )["data"]["node"]

    def edit(**fields: Any) -> dict:
        return {
            "input": {
                "inductionPeriodId": period_id,
                "expectedUpdatedAt": read["updatedAt"],
                **fields,
            }
        }

    before_qts = (await call(app_client, token, UPDATE, edit(startedOn="2024-07-01")))["data"]
    assert before_qts["updateInductionPeriod"]["userErrors"][0]["code"] == "START_BEFORE_QTS"
    edited = await call(
        app_client, token, UPDATE, edit(startedOn="2024-09-09", trainingProgramme="SCHOOL_LED")
    )
    period = edited["data"]["updateInductionPeriod"]["inductionPeriod"]
    assert (period["startedOn"], period["trainingProgramme"]) == ("2024-09-09", "SCHOOL_LED")
    stale = (await call(app_client, token, UPDATE, edit(startedOn="2024-09-10")))["data"]
    assert stale["updateInductionPeriod"]["userErrors"][0]["code"] == "STALE_UPDATE"
    assert (
        await call(
            app_client,
            token,
            PERIOD.replace(" teacher { events { eventType modifications } }", ""),
            {"id": period_id},
        )
    )["data"]["node"]["startedOn"] == "2024-09-09"


async def test_looking_a_teacher_up_needs_both_trn_and_date_of_birth(
    app_client, seeded_db: Database
) -> None:
    teacher = await new_claimable_teacher(seeded_db)
    body = body_token(seeded_db, teacher.school_reported_appropriate_body_id)
    query = """query($trn: String!, $dob: Date!) { teacherRecord(trn: $trn, dateOfBirth: $dob) {
        trn lastName qtsAwardedOn inductionStatus } }"""
    dob = teacher.date_of_birth.isoformat()
    found = (await call(app_client, body, query, {"trn": teacher.trn, "dob": dob}))["data"]
    assert found["teacherRecord"] == {
        "trn": teacher.trn,
        "lastName": f"Claimable{teacher.trn}",
        "qtsAwardedOn": teacher.trs_qts_awarded_on.isoformat(),
        "inductionStatus": "REQUIRED_TO_COMPLETE",
    }
    wrong = await call(app_client, body, query, {"trn": teacher.trn, "dob": "1998-05-18"})
    unknown = await call(app_client, body, query, {"trn": "0000002", "dob": dob})
    assert answer(wrong) == answer(unknown) == {"data": {"teacherRecord": None}}
    async with seeded_db.session() as s:
        from gateway.auth import api_tokens

        provider = await api_tokens.issue(s, 1, "lookup test")
        await s.commit()
    as_provider = await call(app_client, provider, query, {"trn": teacher.trn, "dob": dob})
    assert answer(as_provider) == {"data": {"teacherRecord": None}}, (
        "lead providers do not look teachers up"
    )


def _document(path: str) -> str:
    return (Path(__file__).parent.parent / "operations" / f"{path}.graphql").read_text()


async def test_a_body_changes_an_extension_of_a_teacher_it_supervises(
    app_client, seeded_db: Database
) -> None:
    teacher = await new_claimable_teacher(seeded_db)
    body_id = teacher.school_reported_appropriate_body_id
    token, other = (
        body_token(seeded_db, body_id),
        body_token(seeded_db, await other_body(seeded_db, body_id)),
    )
    claim = {
        "input": {
            "trn": teacher.trn,
            "dateOfBirth": teacher.date_of_birth.isoformat(),
            "startedOn": "2024-09-02",
            "trainingProgramme": "PROVIDER_LED",
        }
    }
    await call(app_client, token, CLAIM, claim)
    added = await call(
        app_client,
        token,
        _document("appropriate_body_user/AddInductionExtension"),
        {"input": {"teacherId": global_id("Teacher", teacher.id), "numberOfTerms": "1.5"}},
    )
    extension_id = added["data"]["addInductionExtension"]["inductionExtension"]["id"]
    update = _document("appropriate_body_user/UpdateInductionExtension")

    def terms(value: str) -> dict:
        return {"input": {"inductionExtensionId": extension_id, "numberOfTerms": value}}

    by_other = (await call(app_client, other, update, terms("2")))["data"][
        "updateInductionExtension"
    ]
    assert by_other["userErrors"][0]["code"] == "NOT_FOUND"
    too_many = (await call(app_client, token, update, terms("17")))["data"][
        "updateInductionExtension"
    ]
    assert too_many["userErrors"][0]["code"] == "TERMS_OUT_OF_RANGE"
    changed = (await call(app_client, token, update, terms("2.5")))["data"][
        "updateInductionExtension"
    ]
    assert changed == {
        "inductionExtension": {"id": extension_id, "numberOfTerms": "2.5"},
        "userErrors": [],
    }
    admin = mint_development_token(seeded_db.settings, Role.ADMIN)
    events = await call(
        app_client,
        admin,
        """query($id: ID!) { node(id: $id) { ... on Teacher {
        events { eventType modifications } } } }""",
        {"id": global_id("Teacher", teacher.id)},
    )
    assert events["data"]["node"]["events"][-1] == {
        "eventType": "induction_extension_changed",
        "modifications": {"number_of_terms": ["1.5", "2.5"]},
    }
