"""School users act: register ECTs and mentors, assign mentors, report leavers, name the
induction tutor. Refusals change nothing; another school's rows are NOT_FOUND; every
change is in the teacher's timeline."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from gateway.app import create_app
from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.clock import FixedClock
from gateway.db import Database
from gateway.models import inductions as im
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from tests.conftest import SEED_TODAY
from tests.graph import call, decode_global_id, global_id

NOW = dt.datetime.combine(SEED_TODAY, dt.time(12), tzinfo=dt.UTC)

REGISTER_ECT = """mutation($input: RegisterECTInput!) { registerEct(input: $input) {
    ectAtSchoolPeriod { id startedOn finishedOn workingPattern email
        schoolReportedAppropriateBody { name } teacher { trn fullName }
        trainingPeriods { id } }
    userErrors { field message code } } }"""
REGISTER_MENTOR = """mutation($input: RegisterMentorInput!) { registerMentor(input: $input) {
    mentorAtSchoolPeriod { id startedOn finishedOn trainingPeriods { id } }
    userErrors { field message code } } }"""
ASSIGN = """mutation($input: AssignMentorInput!) { assignMentor(input: $input) {
    mentorshipPeriod { id startedOn finishedOn mentor { id } mentee { id } }
    userErrors { field message code } } }"""
LEAVING = """mutation($input: ReportLeavingInput!) { reportLeaving(input: $input) {
    atSchoolPeriod { id startedOn finishedOn }
    userErrors { field message code } } }"""
TUTOR = """mutation($input: SetInductionTutorInput!) { setInductionTutor(input: $input) {
    school { urn inductionTutorName inductionTutorEmail }
    userErrors { field message code } } }"""

# What a refusal must leave untouched: every table a school mutation writes.
WRITTEN = (
    "teachers",
    "ect_at_school_periods",
    "mentor_at_school_periods",
    "mentorship_periods",
    "training_periods",
    "events",
)


async def scalar(db: Database, sql: str, **params: Any) -> Any:
    async with db.session() as s:
        return await s.scalar(sa.text(sql), params)


async def snapshot(db: Database) -> dict[str, Any]:
    """Row counts and the latest update of each written table: a refusal moves none."""
    out: dict[str, Any] = {}
    for table in WRITTEN:
        out[table] = await scalar(db, f"SELECT count(*) FROM {table}")
    out["teachers.api_updated_at"] = await scalar(db, "SELECT max(api_updated_at) FROM teachers")
    out["tutors"] = await scalar(
        db, "SELECT count(*) FROM schools WHERE induction_tutor_email LIKE '%@tutor.test'"
    )
    return out


@dataclass(frozen=True)
class Place:
    """A school in the seed, the token of its user, and an appropriate body it may report."""

    id: int
    urn: str
    token: str
    body_gid: str


async def _school(db: Database, types: frozenset[sm.SchoolType], nth: int = 0) -> tuple[int, str]:
    async with db.session() as s:
        row = (
            await s.execute(
                sa.select(sm.School.id, sm.School.urn)
                .where(sm.School.type.in_(sorted(types)))
                .order_by(sm.School.id)
                .offset(nth)
                .limit(1)
            )
        ).one()
        return int(row.id), str(row.urn)


async def body_id(db: Database, type_: im.AppropriateBodyType) -> int:
    return int(
        await scalar(db, "SELECT min(id) FROM appropriate_bodies WHERE type = :t", t=type_.value)
    )


async def place(db: Database, *, independent: bool = False, nth: int = 0) -> Place:
    types = sm.INDEPENDENT_TYPES if independent else sm.STATE_FUNDED_TYPES
    school_id, urn = await _school(db, types, nth)
    hub = await body_id(db, im.AppropriateBodyType.TEACHING_SCHOOL_HUB)
    token = mint_development_token(db.settings, Role.SCHOOL_USER, school_urn=urn)
    return Place(school_id, urn, token, global_id("AppropriateBody", hub))


@dataclass(frozen=True)
class Record:
    trn: str
    date_of_birth: dt.date
    last_name: str


async def new_record(
    db: Database,
    *,
    qts: dt.date | None = dt.date(2026, 7, 20),
    status: tm.TRSInductionStatus = tm.TRSInductionStatus.REQUIRED_TO_COMPLETE,
) -> Record:
    """A teacher known only to the record source (no teacher row yet): registering them
    creates the teacher. The seed has no such records to spare."""
    dob = dt.date(1999, 3, 4)
    async with db.session() as s:
        # The next free TRN of this range (other modules use this helper too).
        last = await s.scalar(
            sa.text(
                "SELECT max(trn) FROM teacher_records WHERE trn >= '9800000' AND trn < '9900000'"
            )
        )
        trn = str(int(last) + 1 if last else 9_800_000)
        s.add(
            tm.TeacherRecord(
                trn=trn,
                first_name="Grace",
                last_name=f"Newcomer{trn}",
                date_of_birth=dob,
                qts_awarded_on=qts,
                induction_status=status,
            )
        )
        await s.commit()
    return Record(trn, dob, f"Newcomer{trn}")


async def lead_provider_gid(db: Database) -> tuple[int, str]:
    """A lead provider active in the 2026 contract period."""
    lp = int(
        await scalar(
            db,
            "SELECT min(lead_provider_id) FROM active_lead_providers WHERE contract_period_year = 2026",
        )
    )
    return lp, global_id("LeadProvider", lp)


def ect_input(record: Record, at: Place, **overrides: Any) -> dict:
    return {
        "input": {
            "trn": record.trn,
            "dateOfBirth": record.date_of_birth.isoformat(),
            "startedOn": "2026-11-02",
            "email": f"ect{record.trn}@school.test",
            "workingPattern": "FULL_TIME",
            "appropriateBodyId": at.body_gid,
            "trainingProgramme": "SCHOOL_LED",
            **overrides,
        }
    }


def mentor_input(record: Record, **overrides: Any) -> dict:
    return {
        "input": {
            "trn": record.trn,
            "dateOfBirth": record.date_of_birth.isoformat(),
            "startedOn": "2026-09-01",
            "email": f"mentor{record.trn}@school.test",
            **overrides,
        }
    }


async def register_ect(client: httpx.AsyncClient, at: Place, record: Record, **kw: Any) -> dict:
    result = (await call(client, at.token, REGISTER_ECT, ect_input(record, at, **kw)))["data"]
    assert result["registerEct"]["userErrors"] == []
    return result["registerEct"]["ectAtSchoolPeriod"]


async def register_mentor(client: httpx.AsyncClient, at: Place, record: Record, **kw: Any) -> dict:
    result = (await call(client, at.token, REGISTER_MENTOR, mentor_input(record, **kw)))["data"]
    assert result["registerMentor"]["userErrors"] == []
    return result["registerMentor"]["mentorAtSchoolPeriod"]


def refused(result: dict, mutation: str) -> dict:
    """The one user error of a refused mutation (and no object back)."""
    payload = result["data"][mutation]
    assert len(payload["userErrors"]) == 1, payload
    assert [v for k, v in payload.items() if k != "userErrors"] == [None]
    return payload["userErrors"][0]


# -- registerEct ----------------------------------------------------------------------------


async def test_register_ect_provider_led_creates_the_teacher_and_training(
    app_client, seeded_db: Database
) -> None:
    at = await place(seeded_db)
    record = await new_record(seeded_db)
    lp, lp_gid = await lead_provider_gid(seeded_db)
    period = await register_ect(
        app_client,
        at,
        record,
        trainingProgramme="PROVIDER_LED",
        leadProviderId=lp_gid,
        workingPattern="PART_TIME",
    )
    assert period["startedOn"] == "2026-11-02" and period["finishedOn"] is None
    assert period["workingPattern"] == "PART_TIME"
    assert period["email"] == f"ect{record.trn}@school.test", "the school reads its ECT's email"
    assert period["teacher"] == {"trn": record.trn, "fullName": f"Grace {record.last_name}"}
    assert len(period["trainingPeriods"]) == 1

    async with seeded_db.session() as s:
        teacher = await s.scalar(sa.select(tm.Teacher).where(tm.Teacher.trn == record.trn))
        assert teacher is not None
        assert (teacher.trs_first_name, teacher.trs_last_name) == ("Grace", record.last_name)
        assert teacher.trs_qts_awarded_on == dt.date(2026, 7, 20)
        assert teacher.api_updated_at.replace(tzinfo=dt.UTC) == NOW
        training = (
            await s.execute(
                sa.select(trm.TrainingPeriod, trm.ActiveLeadProvider, trm.Schedule)
                .join(
                    trm.ActiveLeadProvider,
                    trm.ActiveLeadProvider.id == trm.TrainingPeriod.expression_of_interest_id,
                )
                .join(trm.Schedule, trm.Schedule.id == trm.TrainingPeriod.schedule_id)
                .where(trm.TrainingPeriod.teacher_id == teacher.id)
            )
        ).one()
        # November 2026 falls in the 2026 contract period; November is an autumn start.
        assert training.ActiveLeadProvider.lead_provider_id == lp
        assert training.ActiveLeadProvider.contract_period_year == 2026
        assert training.Schedule.contract_period_year == 2026
        assert training.Schedule.identifier == "ecf-standard-september"
        assert training.TrainingPeriod.training_programme is im.TrainingProgramme.PROVIDER_LED
        assert training.TrainingPeriod.school_partnership_id is None
        assert training.TrainingPeriod.started_on == dt.date(2026, 11, 2)
        event = await s.scalar(
            sa.select(sa.text("event_type || '|' || author_id"))
            .select_from(sa.table("events"))
            .where(sa.text("teacher_id = :t"))
            .params(t=teacher.id)
        )
        assert event == f"ect_registered|school:{at.id}"


async def test_a_january_start_joins_the_contract_period_it_falls_in(
    app_client, seeded_db: Database
) -> None:
    """11 January 2027 lies in the 2026 contract period (June 2026 to May 2027), on the
    January schedule."""
    at = await place(seeded_db, nth=1)
    record = await new_record(seeded_db)
    _, lp_gid = await lead_provider_gid(seeded_db)
    await register_ect(
        app_client,
        at,
        record,
        startedOn="2027-01-11",
        trainingProgramme="PROVIDER_LED",
        leadProviderId=lp_gid,
    )
    row = (
        await _query(
            seeded_db,
            """SELECT s.contract_period_year, s.identifier FROM training_periods tp
               JOIN schedules s ON s.id = tp.schedule_id
               JOIN teachers t ON t.id = tp.teacher_id WHERE t.trn = :trn""",
            trn=record.trn,
        )
    )[0]
    assert tuple(row) == (2026, "ecf-standard-january")


async def _query(db: Database, sql: str, **params: Any) -> list[Any]:
    async with db.session() as s:
        return list(await s.execute(sa.text(sql), params))


async def test_register_ect_school_led_at_an_independent_school(
    app_client, seeded_db: Database
) -> None:
    at = await place(seeded_db, independent=True)
    national = global_id(
        "AppropriateBody", await body_id(seeded_db, im.AppropriateBodyType.NATIONAL)
    )
    record = await new_record(seeded_db)
    period = await register_ect(app_client, at, record, appropriateBodyId=national)
    assert period["schoolReportedAppropriateBody"] is not None
    rows = await _query(
        seeded_db,
        """SELECT tp.training_programme, tp.expression_of_interest_id, tp.schedule_id
           FROM training_periods tp JOIN teachers t ON t.id = tp.teacher_id
           WHERE t.trn = :trn""",
        trn=record.trn,
    )
    assert [tuple(r) for r in rows] == [("school_led", None, None)]


async def test_register_ect_refusals_change_nothing(app_client, seeded_db: Database) -> None:
    at = await place(seeded_db, nth=2)
    elsewhere = await place(seeded_db, nth=3)
    independent = await place(seeded_db, independent=True, nth=1)
    record = await new_record(seeded_db)
    no_qts = await new_record(seeded_db, qts=None)
    passed = await new_record(seeded_db, status=tm.TRSInductionStatus.PASSED)
    exempt = await new_record(seeded_db, status=tm.TRSInductionStatus.EXEMPT)
    already = await new_record(seeded_db)
    registered = await register_ect(app_client, at, already)
    _, lp_gid = await lead_provider_gid(seeded_db)
    national = global_id(
        "AppropriateBody", await body_id(seeded_db, im.AppropriateBodyType.NATIONAL)
    )
    local_authority = global_id(
        "AppropriateBody", await body_id(seeded_db, im.AppropriateBodyType.LOCAL_AUTHORITY)
    )
    async with seeded_db.session() as s:
        dormant = trm.LeadProvider(name="Dormant Provider (school workflow tests)")
        s.add(dormant)
        await s.commit()
    try:
        wrong_dob = ect_input(record, at, dateOfBirth="1999-03-05")
        cases: list[tuple[Place, dict, str, str]] = [
            (at, wrong_dob, "TEACHER_NOT_FOUND", "trn"),
            (at, ect_input(record, at, trn="0000001"), "TEACHER_NOT_FOUND", "trn"),
            (at, ect_input(no_qts, at), "NO_QTS", "trn"),
            (at, ect_input(passed, at), "INDUCTION_COMPLETE", "trn"),
            (at, ect_input(exempt, at), "INDUCTION_COMPLETE", "trn"),
            (at, ect_input(already, at), "ALREADY_REGISTERED", "trn"),
            (elsewhere, ect_input(already, elsewhere), "REGISTERED_AT_ANOTHER_SCHOOL", "trn"),
            (
                at,
                ect_input(record, at, email=registered["email"].upper()),
                "EMAIL_IN_USE",
                "email",
            ),
            (at, ect_input(record, at, email="not-an-address"), "INVALID_EMAIL", "email"),
            (
                at,
                ect_input(record, at, appropriateBodyId=national),
                "WRONG_APPROPRIATE_BODY_TYPE",
                "appropriateBodyId",
            ),
            (
                independent,
                ect_input(record, independent, appropriateBodyId=local_authority),
                "WRONG_APPROPRIATE_BODY_TYPE",
                "appropriateBodyId",
            ),
            (
                at,
                ect_input(record, at, leadProviderId=lp_gid),
                "LEAD_PROVIDER_NOT_ALLOWED",
                "leadProviderId",
            ),
            (
                at,
                ect_input(record, at, trainingProgramme="PROVIDER_LED"),
                "LEAD_PROVIDER_REQUIRED",
                "leadProviderId",
            ),
            (
                at,
                ect_input(
                    record,
                    at,
                    trainingProgramme="PROVIDER_LED",
                    leadProviderId=global_id("LeadProvider", dormant.id),
                ),
                "LEAD_PROVIDER_NOT_ACTIVE",
                "leadProviderId",
            ),
            (at, ect_input(record, at, startedOn="2019-09-02"), "NO_CONTRACT_PERIOD", "startedOn"),
            (
                at,
                ect_input(record, at, appropriateBodyId=lp_gid),
                "BAD_ID",
                "appropriateBodyId",
            ),
        ]
        before = await snapshot(seeded_db)
        answers = []
        for who, variables, code, field in cases:
            error = refused(
                await call(app_client, who.token, REGISTER_ECT, variables), "registerEct"
            )
            assert (error["code"], error["field"]) == (code, ["input", field]), (code, error)
            assert error["message"]
            answers.append(error)
        assert answers[0] == answers[1], "an unknown TRN and a wrong date of birth read the same"
        assert await snapshot(seeded_db) == before
        assert (
            await scalar(seeded_db, "SELECT count(*) FROM teachers WHERE trn = :t", t=record.trn)
            == 0
        ), "a refused registration creates no teacher"
    finally:
        async with seeded_db.session() as s:
            await s.execute(sa.delete(trm.LeadProvider).where(trm.LeadProvider.id == dormant.id))
            await s.commit()


async def test_only_school_users_register(app_client, seeded_db: Database) -> None:
    at = await place(seeded_db)
    record = await new_record(seeded_db)
    before = await snapshot(seeded_db)
    for role, kwargs in (
        (Role.APPROPRIATE_BODY_USER, {"appropriate_body_id": 1}),
        (Role.ADMIN, {}),
        (Role.FINANCE, {}),
    ):
        token = mint_development_token(seeded_db.settings, role, **kwargs)
        result = await call(app_client, token, REGISTER_ECT, ect_input(record, at))
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await snapshot(seeded_db) == before


# -- registerMentor ---------------------------------------------------------------------------


async def test_register_mentor_at_several_schools_once_each(
    app_client, seeded_db: Database
) -> None:
    at, other = await place(seeded_db, nth=4), await place(seeded_db, nth=5)
    record = await new_record(seeded_db)
    period = await register_mentor(app_client, at, record)
    assert period["startedOn"] == "2026-09-01"
    assert period["trainingPeriods"] == [], "registering a mentor opens no training"

    before = await snapshot(seeded_db)
    again = refused(
        await call(app_client, at.token, REGISTER_MENTOR, mentor_input(record)), "registerMentor"
    )
    assert (again["code"], again["field"]) == ("ALREADY_REGISTERED", ["input", "trn"])
    stranger = await new_record(seeded_db)
    taken = refused(
        await call(
            app_client,
            at.token,
            REGISTER_MENTOR,
            mentor_input(stranger, email=f"mentor{record.trn}@school.test"),
        ),
        "registerMentor",
    )
    assert (taken["code"], taken["field"]) == ("EMAIL_IN_USE", ["input", "email"])
    unknown = refused(
        await call(app_client, at.token, REGISTER_MENTOR, mentor_input(record, trn="0000001")),
        "registerMentor",
    )
    assert unknown["code"] == "TEACHER_NOT_FOUND"
    assert await snapshot(seeded_db) == before

    # The same mentor at a second school, with the same (their own) email.
    await register_mentor(app_client, other, record)
    open_periods = await scalar(
        seeded_db,
        """SELECT count(*) FROM mentor_at_school_periods m JOIN teachers t ON t.id = m.teacher_id
           WHERE t.trn = :t AND m.finished_on IS NULL""",
        t=record.trn,
    )
    assert open_periods == 2


# -- assignMentor ----------------------------------------------------------------------------


async def test_assign_mentor_refusals_and_reassignment(app_client, seeded_db: Database) -> None:
    at, other = await place(seeded_db, nth=6), await place(seeded_db, nth=7)
    ect = await register_ect(app_client, at, ect_record := await new_record(seeded_db))
    first = await register_mentor(app_client, at, await new_record(seeded_db))
    second = await register_mentor(
        app_client, at, await new_record(seeded_db), startedOn="2026-11-20"
    )
    # The ECT is also a mentor at the school (an ECT may mentor others, never themself).
    self_mentor = await register_mentor(app_client, at, ect_record)
    theirs = await register_mentor(app_client, other, await new_record(seeded_db))

    def assign(ect_id: str, mentor_id: str, started_on: str) -> dict:
        return {
            "input": {
                "ectAtSchoolPeriodId": ect_id,
                "mentorAtSchoolPeriodId": mentor_id,
                "startedOn": started_on,
            }
        }

    before = await snapshot(seeded_db)
    cases = [
        (at, assign(ect["id"], theirs["id"], "2026-11-10"), "NOT_FOUND", "mentorAtSchoolPeriodId"),
        (other, assign(ect["id"], theirs["id"], "2026-11-10"), "NOT_FOUND", "ectAtSchoolPeriodId"),
        (
            at,
            assign(ect["id"], self_mentor["id"], "2026-11-10"),
            "CANNOT_MENTOR_SELF",
            "mentorAtSchoolPeriodId",
        ),
        # Before the ECT started (2 November), and before the second mentor started.
        (at, assign(ect["id"], first["id"], "2026-11-01"), "OUTSIDE_PERIOD", "startedOn"),
        (at, assign(ect["id"], second["id"], "2026-11-19"), "OUTSIDE_PERIOD", "startedOn"),
        (at, assign(first["id"], ect["id"], "2026-11-10"), "BAD_ID", "ectAtSchoolPeriodId"),
    ]
    for who, variables, code, field in cases:
        error = refused(await call(app_client, who.token, ASSIGN, variables), "assignMentor")
        assert (error["code"], error["field"]) == (code, ["input", field]), (code, error)
    assert await snapshot(seeded_db) == before

    made = (await call(app_client, at.token, ASSIGN, assign(ect["id"], first["id"], "2026-11-10")))[
        "data"
    ]["assignMentor"]
    assert made["userErrors"] == []
    assert made["mentorshipPeriod"]["startedOn"] == "2026-11-10"
    assert made["mentorshipPeriod"]["finishedOn"] is None
    assert made["mentorshipPeriod"]["mentor"]["id"] == first["id"]

    same = refused(
        await call(app_client, at.token, ASSIGN, assign(ect["id"], first["id"], "2026-11-25")),
        "assignMentor",
    )
    assert same["code"] == "ALREADY_ASSIGNED"
    third = await register_mentor(app_client, at, await new_record(seeded_db))
    overlap = refused(
        # The same day as the current mentorship started: it would not lie before it.
        await call(app_client, at.token, ASSIGN, assign(ect["id"], third["id"], "2026-11-10")),
        "assignMentor",
    )
    assert (overlap["code"], overlap["field"]) == ("MENTORSHIP_OVERLAP", ["input", "startedOn"])

    swapped = (
        await call(app_client, at.token, ASSIGN, assign(ect["id"], second["id"], "2026-11-25"))
    )["data"]["assignMentor"]
    assert swapped["userErrors"] == []
    _, ect_pk = decode_global_id(ect["id"])
    rows = await _query(
        seeded_db,
        """SELECT started_on, finished_on FROM mentorship_periods
           WHERE ect_at_school_period_id = :e ORDER BY started_on""",
        e=ect_pk,
    )
    as_dates = [tuple(str(v) if v is not None else None for v in r) for r in rows]
    assert as_dates == [("2026-11-10", "2026-11-24"), ("2026-11-25", None)], (
        "the first mentorship finishes the day before the second starts"
    )


# -- reportLeaving ---------------------------------------------------------------------------


async def test_report_leaving_refusals(app_client, seeded_db: Database) -> None:
    at, other = await place(seeded_db, nth=8), await place(seeded_db, nth=9)
    ect = await register_ect(app_client, at, await new_record(seeded_db))
    before = await snapshot(seeded_db)
    for who, variables, code, field in (
        (
            other,
            {"atSchoolPeriodId": ect["id"], "finishedOn": "2026-12-19"},
            "NOT_FOUND",
            "atSchoolPeriodId",
        ),
        (
            at,
            {"atSchoolPeriodId": ect["id"], "finishedOn": "2026-11-01"},
            "FINISH_BEFORE_START",
            "finishedOn",
        ),
        (
            at,
            {"atSchoolPeriodId": global_id("School", at.id), "finishedOn": "2026-12-19"},
            "BAD_ID",
            "atSchoolPeriodId",
        ),
    ):
        error = refused(
            await call(app_client, who.token, LEAVING, {"input": variables}), "reportLeaving"
        )
        assert (error["code"], error["field"]) == (code, ["input", field]), (code, error)
    assert await snapshot(seeded_db) == before


async def test_a_mentor_leaving_ends_their_mentorships(app_client, seeded_db: Database) -> None:
    at = await place(seeded_db, nth=10)
    ect = await register_ect(app_client, at, await new_record(seeded_db))
    mentor = await register_mentor(app_client, at, await new_record(seeded_db))
    assigned = await call(
        app_client,
        at.token,
        ASSIGN,
        {
            "input": {
                "ectAtSchoolPeriodId": ect["id"],
                "mentorAtSchoolPeriodId": mentor["id"],
                "startedOn": "2026-11-02",
            }
        },
    )
    assert assigned["data"]["assignMentor"]["userErrors"] == []
    left = await call(
        app_client,
        at.token,
        LEAVING,
        {"input": {"atSchoolPeriodId": mentor["id"], "finishedOn": "2026-11-27"}},
    )
    assert left["data"]["reportLeaving"] == {
        "atSchoolPeriod": {
            "id": mentor["id"],
            "startedOn": "2026-09-01",
            "finishedOn": "2026-11-27",
        },
        "userErrors": [],
    }
    _, ect_pk = decode_global_id(ect["id"])
    assert await scalar(
        seeded_db,
        "SELECT finished_on FROM mentorship_periods WHERE ect_at_school_period_id = :e",
        e=ect_pk,
    ) in (dt.date(2026, 11, 27), "2026-11-27")
    assert (
        await scalar(
            seeded_db,
            "SELECT finished_on FROM ect_at_school_periods WHERE id = :e",
            e=ect_pk,
        )
        is None
    ), "the ECT stays at the school"
    closed = refused(
        await call(
            app_client,
            at.token,
            LEAVING,
            {"input": {"atSchoolPeriodId": mentor["id"], "finishedOn": "2026-11-28"}},
        ),
        "reportLeaving",
    )
    assert closed["code"] == "PERIOD_CLOSED"


# -- setInductionTutor ------------------------------------------------------------------------


async def test_set_induction_tutor(app_client, seeded_db: Database) -> None:
    at = await place(seeded_db, nth=11)
    before = await snapshot(seeded_db)
    for variables, code, field in (
        ({"name": "Mary Tutor", "email": "mary at school"}, "INVALID_EMAIL", "email"),
        ({"name": "   ", "email": "mary@tutor.test"}, "INVALID_NAME", "name"),
    ):
        error = refused(
            await call(app_client, at.token, TUTOR, {"input": variables}), "setInductionTutor"
        )
        assert (error["code"], error["field"]) == (code, ["input", field])
    assert await snapshot(seeded_db) == before

    done = await call(
        app_client, at.token, TUTOR, {"input": {"name": " Mary Tutor ", "email": "mary@tutor.test"}}
    )
    assert done["data"]["setInductionTutor"] == {
        "school": {
            "urn": at.urn,
            "inductionTutorName": "Mary Tutor",
            "inductionTutorEmail": "mary@tutor.test",
        },
        "userErrors": [],
    }
    events = await _query(
        seeded_db,
        "SELECT modifications FROM events WHERE school_id = :s AND event_type = 'induction_tutor_changed'",
        s=at.id,
    )
    assert len(events) == 1
    assert "mary@tutor.test" not in str(events[0][0]), "no email in the audit trail"


# -- one ECT, end to end ------------------------------------------------------------------------


async def test_an_ect_registered_mentored_and_leaving_in_the_timeline(
    app_client, seeded_db: Database
) -> None:
    at = await place(seeded_db, nth=12)
    record = await new_record(seeded_db)
    _, lp_gid = await lead_provider_gid(seeded_db)
    ect = await register_ect(
        app_client, at, record, trainingProgramme="PROVIDER_LED", leadProviderId=lp_gid
    )
    mentor = await register_mentor(app_client, at, await new_record(seeded_db))
    assigned = await call(
        app_client,
        at.token,
        ASSIGN,
        {
            "input": {
                "ectAtSchoolPeriodId": ect["id"],
                "mentorAtSchoolPeriodId": mentor["id"],
                "startedOn": "2026-11-16",
            }
        },
    )
    assert assigned["data"]["assignMentor"]["userErrors"] == []
    left = await call(
        app_client,
        at.token,
        LEAVING,
        {"input": {"atSchoolPeriodId": ect["id"], "finishedOn": "2026-12-18"}},
    )
    assert left["data"]["reportLeaving"]["atSchoolPeriod"]["finishedOn"] == "2026-12-18"

    _, ect_pk = decode_global_id(ect["id"])
    still_open = await scalar(
        seeded_db,
        """SELECT (SELECT count(*) FROM training_periods WHERE ect_at_school_period_id = :e
                   AND (finished_on IS NULL OR finished_on > '2026-12-18'))
                + (SELECT count(*) FROM mentorship_periods WHERE ect_at_school_period_id = :e
                   AND (finished_on IS NULL OR finished_on > '2026-12-18'))""",
        e=ect_pk,
    )
    assert still_open == 0, "leaving finishes the ECT's training and mentorship on that day"

    teacher_id = await scalar(seeded_db, "SELECT id FROM teachers WHERE trn = :t", t=record.trn)
    timeline = """query($id: ID!) { node(id: $id) { ... on Teacher {
        events { eventType authorType authorId modifications } } } }"""
    admin = mint_development_token(seeded_db.settings, Role.ADMIN)
    events = (await call(app_client, admin, timeline, {"id": global_id("Teacher", teacher_id)}))[
        "data"
    ]["node"]["events"]
    assert [(e["eventType"], e["authorId"]) for e in events] == [
        ("ect_registered", f"school:{at.id}"),
        ("mentor_assigned", f"school:{at.id}"),
        ("ect_left_school", f"school:{at.id}"),
    ]
    assert events[0]["modifications"]["contract_period_year"] == [None, 2026]
    assert events[-1]["modifications"] == {"finished_on": [None, "2026-12-18"]}
    assert all(record.trn not in str(e) and "@" not in str(e) for e in events), (
        "no email in the timeline"
    )


# -- changeEctDetails ---------------------------------------------------------------------------

CHANGE = """mutation($input: ChangeECTDetailsInput!) { changeEctDetails(input: $input) {
    ectAtSchoolPeriod { id email workingPattern updatedAt
        schoolReportedAppropriateBody { name } }
    userErrors { field message code } } }"""
READ_ECT = """query($id: ID!) { node(id: $id) { ... on ECTAtSchoolPeriod {
    updatedAt email workingPattern } } }"""


async def test_change_ect_details_refuses_stale_and_bad_changes(
    app_client, seeded_db: Database
) -> None:
    at, other = await place(seeded_db, nth=13), await place(seeded_db, nth=14)
    ect = await register_ect(app_client, at, await new_record(seeded_db))
    neighbour = await register_ect(app_client, at, await new_record(seeded_db))
    read = (await call(app_client, at.token, READ_ECT, {"id": ect["id"]}))["data"]["node"]
    national = global_id(
        "AppropriateBody", await body_id(seeded_db, im.AppropriateBodyType.NATIONAL)
    )

    def change(**fields: Any) -> dict:
        return {
            "input": {
                "ectAtSchoolPeriodId": ect["id"],
                "expectedUpdatedAt": read["updatedAt"],
                **fields,
            }
        }

    before = await snapshot(seeded_db)
    ect_pk = decode_global_id(ect["id"])[1]
    row_sql = "SELECT email || '|' || working_pattern FROM ect_at_school_periods WHERE id = :e"
    row_before = await scalar(seeded_db, row_sql, e=ect_pk)
    a_second_earlier = (
        dt.datetime.fromisoformat(read["updatedAt"]) - dt.timedelta(seconds=1)
    ).isoformat()
    for who, variables, code, field in (
        (other, change(workingPattern="PART_TIME"), "NOT_FOUND", "ectAtSchoolPeriodId"),
        (
            at,
            change(workingPattern="PART_TIME", expectedUpdatedAt=a_second_earlier),
            "STALE_UPDATE",
            "expectedUpdatedAt",
        ),
        (at, change(email=neighbour["email"]), "EMAIL_IN_USE", "email"),
        (at, change(email="nope"), "INVALID_EMAIL", "email"),
        (
            at,
            change(appropriateBodyId=national),
            "WRONG_APPROPRIATE_BODY_TYPE",
            "appropriateBodyId",
        ),
    ):
        error = refused(await call(app_client, who.token, CHANGE, variables), "changeEctDetails")
        assert (error["code"], error["field"]) == (code, ["input", field]), (code, error)
    nothing = refused(await call(app_client, at.token, CHANGE, change()), "changeEctDetails")
    assert (nothing["code"], nothing["field"]) == ("NOTHING_TO_CHANGE", None)
    assert await snapshot(seeded_db) == before
    assert await scalar(seeded_db, row_sql, e=ect_pk) == row_before

    changed = (
        await call(
            app_client,
            at.token,
            CHANGE,
            change(workingPattern="PART_TIME", email="new@school.test"),
        )
    )["data"]["changeEctDetails"]
    assert changed["userErrors"] == []
    assert changed["ectAtSchoolPeriod"]["workingPattern"] == "PART_TIME"
    assert changed["ectAtSchoolPeriod"]["email"] == "new@school.test"
    assert changed["ectAtSchoolPeriod"]["updatedAt"] != read["updatedAt"]

    # The details read before that change are now stale: a second change is refused.
    again = refused(
        await call(app_client, at.token, CHANGE, change(workingPattern="FULL_TIME")),
        "changeEctDetails",
    )
    assert again["code"] == "STALE_UPDATE"
    assert await scalar(seeded_db, row_sql, e=ect_pk) == "new@school.test|part_time"
    modifications = await scalar(
        seeded_db,
        """SELECT modifications FROM events WHERE event_type = 'ect_details_changed'
           AND teacher_id = (SELECT teacher_id FROM ect_at_school_periods WHERE id = :e)""",
        e=ect_pk,
    )
    assert "new@school.test" not in str(modifications), "no email in the audit trail"


async def test_two_schools_registering_one_ect_at_once_end_with_one(seeded_db: Database) -> None:
    """Truly concurrent transactions (PostgreSQL): one registration, one clean user error."""
    if make_url(seeded_db.settings.database_url).get_backend_name() != "postgresql":
        pytest.skip("SQLite serialises writers; the race is a PostgreSQL matter")
    first, second = await place(seeded_db, nth=15), await place(seeded_db, nth=16)
    record = await new_record(seeded_db)
    app = create_app(seeded_db.settings, database=seeded_db, clock=FixedClock(NOW))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        results = await asyncio.gather(
            *(call(c, p.token, REGISTER_ECT, ect_input(record, p)) for p in (first, second))
        )
    outcomes = sorted(
        r["data"]["registerEct"]["userErrors"][0]["code"]
        if r["data"]["registerEct"]["userErrors"]
        else "OK"
        for r in results
    )
    assert outcomes.count("OK") == 1, outcomes
    assert set(outcomes) - {"OK"} <= {"CONFLICT", "REGISTERED_AT_ANOTHER_SCHOOL"}, outcomes
    open_periods = await scalar(
        seeded_db,
        """SELECT count(*) FROM ect_at_school_periods e JOIN teachers t ON t.id = e.teacher_id
           WHERE t.trn = :t AND e.finished_on IS NULL""",
        t=record.trn,
    )
    assert open_periods == 1


CHANGE_TRAINING = (
    Path(__file__).parent.parent / "operations/school_user/ChangeTrainingChoice.graphql"
).read_text()


async def test_change_training_choice_from_a_date(app_client, seeded_db: Database) -> None:
    at, other = await place(seeded_db, nth=25), await place(seeded_db, nth=26)
    record = await new_record(seeded_db)
    lp_id, lp_gid = await lead_provider_gid(seeded_db)
    ect = await register_ect(
        app_client, at, record, trainingProgramme="PROVIDER_LED", leadProviderId=lp_gid
    )
    _, ect_pk = decode_global_id(ect["id"])
    count_sql = "SELECT count(*) FROM training_periods WHERE ect_at_school_period_id = :e"

    def change(**fields: Any) -> dict:
        return {
            "input": {
                "ectAtSchoolPeriodId": ect["id"],
                "startedOn": "2026-11-20",
                "trainingProgramme": "SCHOOL_LED",
                **fields,
            }
        }

    cases = {
        "LEAD_PROVIDER_NOT_ALLOWED": change(leadProviderId=lp_gid),
        "LEAD_PROVIDER_REQUIRED": change(trainingProgramme="PROVIDER_LED"),
        "NOTHING_TO_CHANGE": change(trainingProgramme="PROVIDER_LED", leadProviderId=lp_gid),
        "OVERLAPS_PERIOD": change(startedOn="2026-11-02"),
        "OUTSIDE_PERIOD": change(startedOn="2026-10-01"),
    }
    for code, variables in cases.items():
        result = await call(app_client, at.token, CHANGE_TRAINING, variables)
        assert refused(result, "changeTrainingChoice")["code"] == code
    as_other = await call(app_client, other.token, CHANGE_TRAINING, change())
    assert refused(as_other, "changeTrainingChoice")["code"] == "NOT_FOUND"
    assert await scalar(seeded_db, count_sql, e=ect_pk) == 1, "no refusal wrote anything"

    changed = await call(app_client, at.token, CHANGE_TRAINING, change())
    periods = changed["data"]["changeTrainingChoice"]["ectAtSchoolPeriod"]["trainingPeriods"]
    lead_provider_name = await scalar(
        seeded_db, "SELECT name FROM lead_providers WHERE id = :i", i=lp_id
    )
    assert periods == [
        {
            "startedOn": "2026-11-02",
            "finishedOn": "2026-11-19",
            "trainingProgramme": "PROVIDER_LED",
            "leadProvider": {"name": lead_provider_name},
        },
        {
            "startedOn": "2026-11-20",
            "finishedOn": None,
            "trainingProgramme": "SCHOOL_LED",
            "leadProvider": None,
        },
    ]
    teacher_id = await scalar(seeded_db, "SELECT id FROM teachers WHERE trn = :t", t=record.trn)
    admin = mint_development_token(seeded_db.settings, Role.ADMIN)
    events = await call(
        app_client,
        admin,
        """query($id: ID!) { node(id: $id) { ... on Teacher {
        events { eventType modifications } } } }""",
        {"id": global_id("Teacher", teacher_id)},
    )
    last = events["data"]["node"]["events"][-1]
    assert last["eventType"] == "training_choice_changed"
    assert last["modifications"]["training_programme"] == ["provider_led", "school_led"]
    assert last["modifications"]["lead_provider_id"] == [lp_id, None]


# -- what may I do here? --------------------------------------------------------------------

PERIOD_ACTIONS = """query($id: ID!) { node(id: $id) { ... on AtSchoolPeriod {
    availableActions { name available reason } } } }"""


async def test_a_school_sees_which_actions_apply_to_its_periods(
    app_client, seeded_db: Database
) -> None:
    at = await place(seeded_db, nth=30)
    ect = await register_ect(app_client, at, await new_record(seeded_db))
    mentor = await register_mentor(app_client, at, await new_record(seeded_db))

    async def actions(token: str, period_id: str) -> dict[str, Any]:
        node = (await call(app_client, token, PERIOD_ACTIONS, {"id": period_id}))["data"]["node"]
        return {a["name"]: (a["available"], a["reason"]) for a in node["availableActions"]}

    assert await actions(at.token, ect["id"]) == {
        "assignMentor": (True, None),
        "reportLeaving": (True, None),
        "changeEctDetails": (True, None),
        "changeTrainingChoice": (True, None),
    }
    assert await actions(at.token, mentor["id"]) == {
        "assignMentor": (True, None),
        "reportLeaving": (True, None),
    }
    # Leaving reported for a day still to come: the period stays editable until then,
    # but leaving cannot be reported twice.
    await call(
        app_client,
        at.token,
        LEAVING,
        {"input": {"atSchoolPeriodId": ect["id"], "finishedOn": "2026-12-18"}},
    )
    after = await actions(at.token, ect["id"])
    assert after["reportLeaving"] == (
        False,
        "Leaving was already reported: the last day is 2026-12-18.",
    )
    assert after["changeEctDetails"] == (True, None)
    # Admin reads the period but has none of the school's actions on it.
    admin = mint_development_token(seeded_db.settings, Role.ADMIN)
    assert await actions(admin, ect["id"]) == {}
