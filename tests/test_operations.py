"""The frontends' operations, run as integrators run them: with gql, validated against
the checked-in schema.graphql, under the role of their folder, against seed data."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport

from gateway.app import create_app
from gateway.auth.viewer import Role
from gateway.db import Database
from tests.graph import Caller, callers, decode_global_id, global_id

ROOT = Path(__file__).parent.parent
SCHEMA_SDL = (ROOT / "schema.graphql").read_text()


@pytest.fixture(scope="module")
async def by_role(seeded_db: Database) -> dict[Role, Caller]:
    found: dict[Role, Caller] = {}
    for caller in await callers(seeded_db):
        found.setdefault(caller.role, caller)
    return found


async def run(db: Database, caller: Caller, name: str, variables: dict[str, Any]) -> dict:
    """Execute operations/<role>/<name>.graphql through gql's httpx transport."""
    folder = "finance" if caller.role is Role.FINANCE else caller.role.value
    request = GraphQLRequest(
        (ROOT / "operations" / folder / f"{name}.graphql").read_text(), variable_values=variables
    )
    transport = HTTPXAsyncTransport(
        url="http://gateway.test/graphql",
        headers={"Authorization": f"Bearer {caller.token}"},
        transport=httpx.ASGITransport(app=create_app(db.settings, database=db)),
    )
    async with Client(transport=transport, schema=SCHEMA_SDL) as session:
        return await session.execute(request)


async def test_school_dashboard(seeded_db, by_role) -> None:
    school = by_role[Role.SCHOOL_USER]
    async with seeded_db.session() as s:
        urn = await s.scalar(sa.text("SELECT urn FROM schools WHERE id = :i"), {"i": school.org_id})
    data = (await run(seeded_db, school, "SchoolDashboard", {"urn": urn}))["school"]
    assert data["urn"] == urn
    assert data["ectAtSchoolPeriods"], "the busiest school has current ECTs"
    for period in data["ectAtSchoolPeriods"]:
        assert period["teacher"]["fullName"]
        assert period["email"], "the employing school sees its ECTs' email"
    assert any(p["trainingPeriods"] for p in data["ectAtSchoolPeriods"])


async def test_teacher_detail(seeded_db, by_role) -> None:
    school = by_role[Role.SCHOOL_USER]
    async with seeded_db.session() as s:
        trn = await s.scalar(
            sa.text(
                "SELECT t.trn FROM teachers t JOIN ect_at_school_periods e ON e.teacher_id = t.id "
                "WHERE e.school_id = :i AND t.trn IS NOT NULL ORDER BY t.id LIMIT 1"
            ),
            {"i": school.org_id},
        )
    teacher = (await run(seeded_db, school, "TeacherDetail", {"trn": trn}))["teacher"]
    assert teacher["trn"] == trn
    assert any(
        p["school"]["id"] == global_id("School", school.org_id)
        for p in teacher["ectAtSchoolPeriods"]
    )


async def test_caseload_is_the_bodys_own(seeded_db, by_role) -> None:
    body = by_role[Role.APPROPRIATE_BODY_USER]
    result = await run(seeded_db, body, "Caseload", {"first": 50})
    edges = result["inductionPeriods"]["edges"]
    assert edges
    assert {e["node"]["appropriateBody"]["id"] for e in edges} == {
        global_id("AppropriateBody", body.org_id)
    }
    current = await run(seeded_db, body, "Caseload", {"current": True, "first": 50})
    assert all(e["node"]["finishedOn"] is None for e in current["inductionPeriods"]["edges"])


async def test_lead_provider_pages(seeded_db, by_role) -> None:
    provider = by_role[Role.LEAD_PROVIDER]
    participants = await run(seeded_db, provider, "Participants", {"first": 1000})
    assert participants["teachers"]["edges"]
    assert all(e["node"]["enrolments"] for e in participants["teachers"]["edges"])
    await check_enrolments_against_the_database(seeded_db, participants)
    transfers = await run(seeded_db, provider, "ParticipantTransfers", {"first": 1000})
    assert all(e["node"]["transfers"] for e in transfers["participantTransfers"]["edges"])
    assert transfers["participantTransfers"]["edges"], "the seed has transfers"
    unfunded = await run(seeded_db, provider, "UnfundedMentors", {"first": 1000})
    assert unfunded["unfundedMentors"]["edges"], "the seed has mentors trained elsewhere"
    declarations = await run(seeded_db, provider, "Declarations", {"first": 50})
    assert declarations["declarations"]["edges"]
    partnerships = await run(seeded_db, provider, "Partnerships", {"first": 50})
    assert partnerships["partnerships"]["edges"]
    schools = await run(seeded_db, provider, "SchoolsByCohort", {"cohort": 2025, "first": 50})
    assert schools["schoolsInCohort"]["edges"]
    partners = await run(seeded_db, provider, "DeliveryPartners", {"first": 100})
    async with seeded_db.session() as s:
        own = await s.execute(
            sa.text(
                "SELECT DISTINCT dp.api_id FROM delivery_partners dp "
                "JOIN lead_provider_delivery_partnerships l ON l.delivery_partner_id = dp.id "
                "JOIN active_lead_providers a ON a.id = l.active_lead_provider_id "
                "WHERE a.lead_provider_id = :lp"
            ),
            {"lp": provider.org_id},
        )
        expected = {str(uuid.UUID(str(api_id))) for (api_id,) in own}
    listed = {e["node"]["apiId"] for e in partners["deliveryPartners"]["edges"]}
    assert listed == expected and listed
    statements = await run(seeded_db, provider, "Statements", {"first": 50})
    assert statements["statements"]["edges"]
    assert {e["node"]["feeType"] for e in statements["statements"]["edges"]} == {"OUTPUT"}


async def check_enrolments_against_the_database(db: Database, participants: dict) -> None:
    """Mentor ids and uplifts, as lead providers see them, match plain SQL: uplifts only
    in cohorts that pay uplift fees."""
    enrolments = [
        (decode_global_id(t["id"])[1], t)
        for e in participants["teachers"]["edges"]
        for t in e["node"]["enrolments"]
    ]
    async with db.session() as s:
        mentors = dict(
            (
                await s.execute(
                    sa.text(
                        "SELECT tp.id, mt.api_id FROM training_periods tp "
                        "JOIN mentorship_periods m ON m.ect_at_school_period_id = tp.ect_at_school_period_id "
                        "JOIN mentor_at_school_periods mp ON mp.id = m.mentor_at_school_period_id "
                        "JOIN teachers mt ON mt.id = mp.teacher_id WHERE m.finished_on IS NULL"
                    )
                )
            ).all()
        )
        uplifts = {
            (school_id, year): (bool(pp), bool(sp))
            for school_id, year, pp, sp in (
                await s.execute(
                    sa.text(
                        "SELECT f.school_id, f.contract_period_year, f.pupil_premium_uplift, "
                        "f.sparsity_uplift FROM school_funding f JOIN contract_periods c "
                        "ON c.year = f.contract_period_year WHERE c.uplift_fees_enabled"
                    )
                )
            ).all()
        }
    with_mentor = [(pk, t) for pk, t in enrolments if pk in mentors]
    assert with_mentor, "some ECTs have a current mentor"
    for pk, t in with_mentor:
        assert t["mentorId"] == str(uuid.UUID(str(mentors[pk])))
    assert all(t["mentorId"] is None for _, t in enrolments if t["participantType"] == "MENTOR")
    flagged = 0
    for _, t in enrolments:
        school_id = decode_global_id(t["school"]["id"])[1]
        expected = uplifts.get((school_id, t["cohort"]), (False, False))
        assert (t["pupilPremiumUplift"], t["sparsityUplift"]) == expected
        flagged += any(expected)
    assert flagged, "some schools have uplifts"


async def test_finance_statement_view(seeded_db, by_role) -> None:
    async with seeded_db.session() as s:
        statement_id = await s.scalar(
            sa.text(
                "SELECT payment_statement_id FROM declarations WHERE payment_statement_id IS NOT NULL "
                "GROUP BY payment_statement_id ORDER BY count(*) DESC LIMIT 1"
            )
        )
        expected = await s.scalar(
            sa.text(
                "SELECT count(*) FROM declarations WHERE payment_statement_id = :i "
                "OR clawback_statement_id = :i"
            ),
            {"i": statement_id},
        )
    gid = global_id("Statement", statement_id)
    seen: list[str] = []
    after = None
    while True:
        page = await run(
            seeded_db,
            by_role[Role.FINANCE],
            "StatementView",
            {"id": gid, "first": 7, "after": after},
        )
        connection = page["node"]["declarations"]
        seen += [e["node"]["id"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == expected > 7


async def test_enrolments_name_their_provider_through_partnership_or_interest(
    client, seeded_db
) -> None:
    """A lead provider's enrolments all name it, including those it has only through an
    expression of interest (no partnership yet, so no delivery partner)."""
    from tests.graph import gql as post

    query = """{ teachers(first: 3000) { edges { node { trainingPeriods {
        trainingProgramme cohort schoolPartnership { id } leadProvider { id }
        deliveryPartner { id } } } } } }"""
    interest_only = 0
    for provider in [c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER]:
        result = await post(client, query, provider.token)
        assert "errors" not in result, result
        periods = [
            p for e in result["data"]["teachers"]["edges"] for p in e["node"]["trainingPeriods"]
        ]
        assert periods
        for period in periods:
            assert period["leadProvider"] == {"id": global_id("LeadProvider", provider.org_id)}
            assert period["cohort"] is not None
            assert (period["deliveryPartner"] is None) == (period["schoolPartnership"] is None)
            interest_only += period["schoolPartnership"] is None
    assert interest_only > 0, "the seed has expressions of interest"


async def test_school_user_mutations(seeded_db, by_role) -> None:
    """The school frontend's mutation documents, in the order a tutor uses them."""
    from tests.test_school_workflows import new_record

    school = by_role[Role.SCHOOL_USER]
    async with seeded_db.session() as s:
        hub = await s.scalar(
            sa.text("SELECT min(id) FROM appropriate_bodies WHERE type = 'teaching_school_hub'")
        )
        lead_provider = await s.scalar(
            sa.text(
                "SELECT min(lead_provider_id) FROM active_lead_providers "
                "WHERE contract_period_year = 2026"
            )
        )
    ect_record, mentor_record = await new_record(seeded_db), await new_record(seeded_db)

    async def mutate(name: str, input_: dict[str, Any]) -> dict[str, Any]:
        data = await run(seeded_db, school, name, {"input": input_})
        (payload,) = data.values()
        assert payload["userErrors"] == [], (name, payload["userErrors"])
        return payload

    ect = (
        await mutate(
            "RegisterEct",
            {
                "trn": ect_record.trn,
                "dateOfBirth": ect_record.date_of_birth.isoformat(),
                "startedOn": "2026-11-02",
                "email": f"ops{ect_record.trn}@school.test",
                "workingPattern": "FULL_TIME",
                "appropriateBodyId": global_id("AppropriateBody", hub),
                "trainingProgramme": "PROVIDER_LED",
                "leadProviderId": global_id("LeadProvider", lead_provider),
            },
        )
    )["ectAtSchoolPeriod"]
    (training,) = ect["trainingPeriods"]
    assert training["cohort"] == 2026
    assert training["schedule"]["identifier"] == "ecf-standard-september"
    assert training["leadProvider"]["id"] == global_id("LeadProvider", lead_provider)

    mentor = (
        await mutate(
            "RegisterMentor",
            {
                "trn": mentor_record.trn,
                "dateOfBirth": mentor_record.date_of_birth.isoformat(),
                "startedOn": "2026-09-01",
                "email": f"ops{mentor_record.trn}@school.test",
            },
        )
    )["mentorAtSchoolPeriod"]
    mentorship = (
        await mutate(
            "AssignMentor",
            {
                "ectAtSchoolPeriodId": ect["id"],
                "mentorAtSchoolPeriodId": mentor["id"],
                "startedOn": "2026-11-09",
            },
        )
    )["mentorshipPeriod"]
    assert (mentorship["mentor"]["id"], mentorship["mentee"]["id"]) == (mentor["id"], ect["id"])
    changed = (
        await mutate(
            "ChangeEctDetails",
            {
                "ectAtSchoolPeriodId": ect["id"],
                "expectedUpdatedAt": ect["updatedAt"],
                "workingPattern": "PART_TIME",
            },
        )
    )["ectAtSchoolPeriod"]
    assert changed["workingPattern"] == "PART_TIME"
    left = (
        await mutate("ReportLeaving", {"atSchoolPeriodId": ect["id"], "finishedOn": "2027-07-16"})
    )["atSchoolPeriod"]
    assert left["finishedOn"] == "2027-07-16"
    assert [t["finishedOn"] for t in left["trainingPeriods"]] == ["2027-07-16"]
    assert [m["finishedOn"] for m in left["mentorshipPeriods"]] == ["2027-07-16"]
    tutor = (await mutate("SetInductionTutor", {"name": "Ola Tutor", "email": "ola@tutor.test"}))[
        "school"
    ]
    assert (tutor["inductionTutorName"], tutor["inductionTutorEmail"]) == (
        "Ola Tutor",
        "ola@tutor.test",
    )
