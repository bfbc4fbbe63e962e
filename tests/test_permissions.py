"""The permission matrix: every operation and a set of probes, for every role.

Whatever comes back is checked against the database with plain SQL written here,
independently of the policy module: a returned object outside the caller's scope
fails the test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from graphql import OperationDefinitionNode, parse

from gateway.auth.viewer import Role
from gateway.db import Database
from tests.graph import Caller, answer, callers, decode_global_id, global_id, gql

OPERATIONS = Path(__file__).parent.parent / "operations"

LP_TRAINING = """
    SELECT tp.id, tp.teacher_id, tp.ect_at_school_period_id, tp.mentor_at_school_period_id,
           tp.school_partnership_id, tp.finished_on
    FROM training_periods tp
    LEFT JOIN school_partnerships sp ON sp.id = tp.school_partnership_id
    LEFT JOIN lead_provider_delivery_partnerships lpdp
           ON lpdp.id = sp.lead_provider_delivery_partnership_id
    LEFT JOIN active_lead_providers alp ON alp.id = lpdp.active_lead_provider_id
    LEFT JOIN active_lead_providers eoi ON eoi.id = tp.expression_of_interest_id
    WHERE alp.lead_provider_id = :org OR eoi.lead_provider_id = :org
"""
AB_TEACHERS = "SELECT teacher_id FROM induction_periods WHERE appropriate_body_id = :org"
SCHOOL_TEACHERS = """
    SELECT teacher_id FROM ect_at_school_periods WHERE school_id = :org
    UNION SELECT teacher_id FROM mentor_at_school_periods WHERE school_id = :org
"""

# In scope when the query returns a row; types not listed for a role are never visible.
SCOPE: dict[Role, dict[str, str]] = {
    Role.SCHOOL_USER: {
        "Teacher": f"SELECT 1 WHERE :pk IN ({SCHOOL_TEACHERS})",
        "School": "SELECT 1 WHERE CAST(:pk AS INTEGER) = CAST(:org AS INTEGER)",
        "ECTAtSchoolPeriod": "SELECT 1 FROM ect_at_school_periods WHERE id = :pk AND school_id = :org",
        "MentorAtSchoolPeriod": "SELECT 1 FROM mentor_at_school_periods WHERE id = :pk AND school_id = :org",
        "MentorshipPeriod": """SELECT 1 FROM mentorship_periods m
            JOIN ect_at_school_periods e ON e.id = m.ect_at_school_period_id
            WHERE m.id = :pk AND e.school_id = :org""",
        "TrainingPeriod": """SELECT 1 FROM training_periods tp
            LEFT JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id
            LEFT JOIN mentor_at_school_periods mp ON mp.id = tp.mentor_at_school_period_id
            WHERE tp.id = :pk AND (e.school_id = :org OR mp.school_id = :org)""",
        "InductionPeriod": f"""SELECT 1 FROM induction_periods WHERE id = :pk
            AND teacher_id IN ({SCHOOL_TEACHERS})""",
        "InductionExtension": f"""SELECT 1 FROM induction_extensions WHERE id = :pk
            AND teacher_id IN ({SCHOOL_TEACHERS})""",
        "SchoolPartnership": "SELECT 1 FROM school_partnerships WHERE id = :pk AND school_id = :org",
    },
    Role.APPROPRIATE_BODY_USER: {
        "Teacher": f"SELECT 1 WHERE :pk IN ({AB_TEACHERS})",
        "InductionPeriod": f"""SELECT 1 FROM induction_periods WHERE id = :pk
            AND teacher_id IN ({AB_TEACHERS})""",
        "InductionExtension": f"""SELECT 1 FROM induction_extensions WHERE id = :pk
            AND teacher_id IN ({AB_TEACHERS})""",
        "ECTAtSchoolPeriod": f"""SELECT 1 FROM ect_at_school_periods WHERE id = :pk
            AND teacher_id IN ({AB_TEACHERS})""",
        "School": f"""SELECT 1 FROM ect_at_school_periods WHERE school_id = :pk
            AND teacher_id IN ({AB_TEACHERS})""",
        "TrainingPeriod": f"""SELECT 1 FROM training_periods tp
            JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id
            WHERE tp.id = :pk AND e.teacher_id IN ({AB_TEACHERS})""",
        "SchoolPartnership": f"""SELECT 1 FROM training_periods tp
            JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id
            WHERE tp.school_partnership_id = :pk AND e.teacher_id IN ({AB_TEACHERS})""",
    },
    Role.LEAD_PROVIDER: {
        "Teacher": f"SELECT 1 FROM ({LP_TRAINING}) t WHERE t.teacher_id = :pk",
        "TrainingPeriod": f"SELECT 1 FROM ({LP_TRAINING}) t WHERE t.id = :pk",
        "ECTAtSchoolPeriod": f"SELECT 1 FROM ({LP_TRAINING}) t WHERE t.ect_at_school_period_id = :pk",
        "MentorAtSchoolPeriod": f"""SELECT 1 FROM ({LP_TRAINING}) t
            WHERE t.mentor_at_school_period_id = :pk""",
        "School": "SELECT 1 FROM schools WHERE id = :pk",
        "SchoolPartnership": """SELECT 1 FROM school_partnerships sp
            JOIN lead_provider_delivery_partnerships lpdp
              ON lpdp.id = sp.lead_provider_delivery_partnership_id
            JOIN active_lead_providers alp ON alp.id = lpdp.active_lead_provider_id
            WHERE sp.id = :pk AND alp.lead_provider_id = :org""",
        # Its own; another provider's only if not voided or clawed back and dated on or
        # before the end of one of its own training periods for the same participant
        # and participant type (the real service's rule).
        "Declaration": f"""SELECT 1 FROM declarations d
            JOIN training_periods dtp ON dtp.id = d.training_period_id
            WHERE d.id = :pk AND (d.lead_provider_id = :org OR (
                d.payment_status IN ('no_payment', 'eligible', 'payable', 'paid')
                AND d.clawback_status = 'no_clawback'
                AND EXISTS (SELECT 1 FROM ({LP_TRAINING}) t
                    WHERE t.teacher_id = d.teacher_id
                    AND (t.ect_at_school_period_id IS NULL) = (dtp.ect_at_school_period_id IS NULL)
                    AND (t.finished_on IS NULL OR date(d.declaration_date) <= t.finished_on))))""",
        "Statement": """SELECT 1 FROM statements WHERE id = :pk AND lead_provider_id = :org
            AND fee_type = 'output'""",
        "Contract": "SELECT 1 FROM contracts WHERE id = :pk AND lead_provider_id = :org",
        # Mentors in the latest mentorship of an ECT period it trains, not trained by it.
        "UnfundedMentor": f"""SELECT 1 FROM mentorship_periods ms
            JOIN mentor_at_school_periods mp ON mp.id = ms.mentor_at_school_period_id
            WHERE mp.teacher_id = :pk
            AND ms.ect_at_school_period_id IN (SELECT ect_at_school_period_id FROM ({LP_TRAINING}) o)
            AND NOT EXISTS (SELECT 1 FROM mentorship_periods l
                WHERE l.ect_at_school_period_id = ms.ect_at_school_period_id
                AND (l.started_on > ms.started_on OR (l.started_on = ms.started_on AND l.id > ms.id)))
            AND :pk NOT IN (SELECT teacher_id FROM ({LP_TRAINING}) t)""",
    },
}
PUBLIC_TYPES = {"LeadProvider", "DeliveryPartner", "AppropriateBody"}

PROBES = [
    """query { teachers(first: 100) { edges { node { id
        ectAtSchoolPeriods { id email school { id } mentorshipPeriods { id mentor { id teacher { id } } } }
        mentorAtSchoolPeriods { id email school { id } mentorshipPeriods { id mentee { id teacher { id } } } }
        trainingPeriods { id school { id } schoolPartnership { id school { id } } declarations { id } }
        inductionPeriods { id appropriateBody { id } }
        inductionExtensions { id } } } } }""",
    """query { schools(first: 100) { edges { node { id inductionTutorName inductionTutorEmail
        ectAtSchoolPeriods { id email teacher { id } trainingPeriods { id } }
        mentorAtSchoolPeriods { id email teacher { id } }
        partnerships { id deliveryPartner { id } } } } } }""",
    """query { declarations(first: 100) { edges { node { id participant { id }
        trainingPeriod { id teacher { id } } statement { id } } } } }""",
    """query { statements(first: 100) { edges { node { id contract { id }
        declarations(first: 50) { edges { node { id participant { id } } } } } } } }""",
    """query { partnerships(first: 100) { edges { node { id school { id
        ectAtSchoolPeriods { id teacher { id } } } } } } }""",
    """query { inductionPeriods(first: 100) { edges { node { id teacher { id } } } } }""",
    """query { deliveryPartners(first: 100) { edges { node { id } } } }""",
]


EmailSeen = tuple[str, int, str]  # (type, id, email) of an object that showed an email


def is_query(document: str) -> bool:
    return all(
        d.operation.value == "query"
        for d in parse(document).definitions
        if isinstance(d, OperationDefinitionNode)
    )


def collect(value: Any, out: list[tuple[str, int]], emails: list[EmailSeen]) -> None:
    """Every object with a global id, and every non-null email (with the object that
    showed it), anywhere in a response."""
    if isinstance(value, dict):
        owner = decode_global_id(value["id"]) if isinstance(value.get("id"), str) else None
        for key, item in value.items():
            if key == "id" and isinstance(item, str):
                out.append(decode_global_id(item))
            elif key in ("email", "inductionTutorEmail", "inductionTutorName") and item:
                assert owner is not None, f"{key} shown without the id of its object"
                emails.append((*owner, item))
            else:
                collect(item, out, emails)
    elif isinstance(value, list):
        for item in value:
            collect(item, out, emails)


CURRENT = "(p.finished_on IS NULL OR p.finished_on >= :today)"
# Whose contact details each role may read (DOMAIN.md): the employing school while the
# period lasts, the appropriate body supervising the ECT now, the lead provider training
# the participant now, a partnership's lead provider the school's induction tutor.
EMAIL_SCOPE: dict[Role, dict[str, str]] = {
    Role.SCHOOL_USER: {
        "ECTAtSchoolPeriod": f"SELECT 1 FROM ect_at_school_periods p WHERE p.id = :pk AND p.school_id = :org AND {CURRENT}",
        "MentorAtSchoolPeriod": f"SELECT 1 FROM mentor_at_school_periods p WHERE p.id = :pk AND p.school_id = :org AND {CURRENT}",
        "School": "SELECT 1 WHERE CAST(:pk AS INTEGER) = CAST(:org AS INTEGER)",
        # A partnership shows its school's induction tutor.
        "SchoolPartnership": "SELECT 1 FROM school_partnerships WHERE id = :pk AND school_id = :org",
        # An enrolment shows the email of its ECT or mentor period.
        "TrainingPeriod": f"""SELECT 1 FROM training_periods tp
            JOIN (SELECT id, NULL AS mentor_id, school_id, finished_on FROM ect_at_school_periods
                  UNION ALL
                  SELECT NULL, id, school_id, finished_on FROM mentor_at_school_periods) p
              ON p.id = tp.ect_at_school_period_id OR p.mentor_id = tp.mentor_at_school_period_id
            WHERE tp.id = :pk AND p.school_id = :org AND {CURRENT}""",
    },
    Role.APPROPRIATE_BODY_USER: {
        "ECTAtSchoolPeriod": f"""SELECT 1 FROM ect_at_school_periods p
            JOIN induction_periods i ON i.teacher_id = p.teacher_id
            WHERE p.id = :pk AND {CURRENT} AND i.appropriate_body_id = :org
            AND i.finished_on IS NULL""",
        "TrainingPeriod": f"""SELECT 1 FROM training_periods tp
            JOIN ect_at_school_periods p ON p.id = tp.ect_at_school_period_id
            JOIN induction_periods i ON i.teacher_id = p.teacher_id
            WHERE tp.id = :pk AND {CURRENT} AND i.appropriate_body_id = :org
            AND i.finished_on IS NULL""",
    },
    Role.LEAD_PROVIDER: {
        "ECTAtSchoolPeriod": f"""SELECT 1 FROM ({LP_TRAINING}) p
            WHERE p.ect_at_school_period_id = :pk AND {CURRENT}""",
        "MentorAtSchoolPeriod": f"""SELECT 1 FROM ({LP_TRAINING}) p
            WHERE p.mentor_at_school_period_id = :pk AND {CURRENT}""",
        # An enrolment's email: it trains them now on the same ECT or mentor period.
        "TrainingPeriod": f"""SELECT 1 FROM training_periods tp JOIN ({LP_TRAINING}) p
              ON p.ect_at_school_period_id = tp.ect_at_school_period_id
              OR p.mentor_at_school_period_id = tp.mentor_at_school_period_id
            WHERE tp.id = :pk AND {CURRENT}""",
        "School": """SELECT 1 FROM school_partnerships sp
            JOIN lead_provider_delivery_partnerships lpdp
              ON lpdp.id = sp.lead_provider_delivery_partnership_id
            JOIN active_lead_providers alp ON alp.id = lpdp.active_lead_provider_id
            JOIN contract_periods cp ON cp.year = sp.contract_period_year
            WHERE sp.school_id = :pk AND alp.lead_provider_id = :org
            AND (cp.finished_on >= :today OR EXISTS (
                SELECT 1 FROM training_periods t WHERE t.school_partnership_id = sp.id
                AND t.started_on <= :today
                AND (t.finished_on IS NULL OR t.finished_on >= :today)))""",
        "SchoolPartnership": """SELECT 1 FROM school_partnerships sp
            JOIN school_partnerships own ON own.school_id = sp.school_id
            JOIN lead_provider_delivery_partnerships lpdp
              ON lpdp.id = own.lead_provider_delivery_partnership_id
            JOIN active_lead_providers alp ON alp.id = lpdp.active_lead_provider_id
            WHERE sp.id = :pk AND alp.lead_provider_id = :org""",
    },
}


async def operation_variables(db: Database, caller: Caller) -> dict[str, dict[str, Any]]:
    """Variables for each operation document, chosen from the caller's own data."""
    async with db.session() as s:
        urn = await s.scalar(sa.text("SELECT urn FROM schools ORDER BY id LIMIT 1"))
        trn = await s.scalar(sa.text("SELECT trn FROM teachers WHERE trn IS NOT NULL LIMIT 1"))
        statement_id = await s.scalar(sa.text("SELECT id FROM statements ORDER BY id LIMIT 1"))
        if caller.role is Role.SCHOOL_USER:
            urn = await s.scalar(
                sa.text("SELECT urn FROM schools WHERE id = :o"), {"o": caller.org_id}
            )
            trn = await s.scalar(
                sa.text(
                    "SELECT t.trn FROM teachers t JOIN ect_at_school_periods e ON e.teacher_id = t.id "
                    "WHERE e.school_id = :o AND t.trn IS NOT NULL LIMIT 1"
                ),
                {"o": caller.org_id},
            )
    return {
        "SchoolDashboard": {"urn": urn},
        "TeacherDetail": {"trn": trn},
        "TeacherTimeline": {"trn": trn},
        "ClaimableTeachers": {"first": 100},
        "Caseload": {"current": None, "first": 100},
        "Participants": {"first": 100},
        "ParticipantTransfers": {"first": 100},
        "UnfundedMentors": {"first": 100},
        "Declarations": {"first": 100},
        "Partnerships": {"first": 100},
        "SchoolsByCohort": {"cohort": 2025, "first": 100},
        "DeliveryPartners": {"first": 100},
        "Statements": {"first": 100},
        "Contracts": {"cohorts": None},
        "StatementView": {"id": global_id("Statement", statement_id), "first": 100},
        "DeclarationReport": {"cohorts": None},
        "ServiceReport": {},
        "ParticipantReport": {"cohorts": None},
    }


DFE_ONLY = {"DeclarationReport", "ServiceReport", "ParticipantReport"}
"""Reports: DfE admin and finance read them; everyone else is refused (FORBIDDEN)."""


@pytest.fixture(scope="module")
async def all_callers(seeded_db: Database) -> list[Caller]:
    return await callers(seeded_db)


async def test_every_role_sees_only_its_scope(client, seeded_db: Database, all_callers) -> None:
    # Reads here; the mutation documents have their own matrix (test_mutation_permissions).
    documents = [d for d in sorted(OPERATIONS.glob("*/*.graphql")) if is_query(d.read_text())]
    assert len(documents) >= 12
    checked = emails_checked = 0
    for caller in all_callers:
        variables = await operation_variables(seeded_db, caller)
        queries = [(d.stem, d.read_text(), variables[d.stem]) for d in documents]
        queries += [(f"probe {i}", q, {}) for i, q in enumerate(PROBES)]
        seen: list[tuple[str, int]] = []
        emails: list[EmailSeen] = []
        for name, query, vars_ in queries:
            result = await gql(client, query, caller.token, vars_)
            if name in DFE_ONLY and caller.role not in (Role.ADMIN, Role.FINANCE):
                codes = [e["extensions"]["code"] for e in result["errors"]]
                assert codes == ["FORBIDDEN"] and result["data"] is None, (caller.label, name)
                continue
            assert "errors" not in result, (caller.label, name, result.get("errors"))
            collect(result["data"], seen, emails)
        if caller.role is Role.FINANCE:
            assert emails == [], f"{caller.label} was shown contact details"
        if caller.role in (Role.ADMIN, Role.FINANCE):
            continue
        scope = SCOPE[caller.role]
        async with seeded_db.session() as s:
            for type_name, pk, _ in set(emails):
                sql = EMAIL_SCOPE[caller.role].get(type_name)
                assert sql, f"{caller.label} was shown the contact details of a {type_name}"
                params = {"pk": pk, "org": caller.org_id, "today": dt.date.today()}
                row = await s.execute(sa.text(sql), params)
                assert row.first() is not None, f"{caller.label} saw {type_name} {pk}'s email"
                emails_checked += 1
            for type_name, pk in set(seen):
                if type_name in PUBLIC_TYPES:
                    continue
                assert type_name in scope, f"{caller.label} saw a {type_name}"
                row = await s.execute(sa.text(scope[type_name]), {"pk": pk, "org": caller.org_id})
                assert row.first() is not None, f"{caller.label} saw {type_name} {pk} out of scope"
                checked += 1
    # The probes must have returned real data for the scoped roles, or the test proves nothing.
    assert checked > 200
    assert emails_checked > 50


async def test_node_of_an_out_of_scope_object_is_null(client, seeded_db, all_callers) -> None:
    school_callers = [c for c in all_callers if c.role is Role.SCHOOL_USER]
    own, other = school_callers[0], school_callers[1]
    async with seeded_db.session() as s:
        other_teacher = await s.scalar(
            sa.text(
                "SELECT teacher_id FROM ect_at_school_periods WHERE school_id = :o AND teacher_id "
                "NOT IN (SELECT teacher_id FROM ect_at_school_periods WHERE school_id = :m "
                "UNION SELECT teacher_id FROM mentor_at_school_periods WHERE school_id = :m) LIMIT 1"
            ),
            {"o": other.org_id, "m": own.org_id},
        )
    query = "query($id: ID!) { node(id: $id) { id ... on Teacher { fullName } } }"
    variables = {"id": global_id("Teacher", other_teacher)}
    as_other = await gql(client, query, other.token, variables)
    assert as_other["data"]["node"]["id"] == variables["id"]
    as_own = await gql(client, query, own.token, variables)
    assert answer(as_own) == {"data": {"node": None}}


async def test_email_is_shown_to_the_employing_school_while_employed_and_never_to_finance(
    client, seeded_db, all_callers
) -> None:
    school = next(c for c in all_callers if c.role is Role.SCHOOL_USER)
    async with seeded_db.session() as s:
        urn = await s.scalar(sa.text("SELECT urn FROM schools WHERE id = :i"), {"i": school.org_id})
    query = """query($urn: String!) { teachers(first: 50, schoolUrn: $urn) { edges { node {
        ectAtSchoolPeriods { email finishedOn school { urn } } } } } }"""
    today = dt.date.today().isoformat()

    def emails(result: dict, *, current: bool) -> list[str | None]:
        return [
            p["email"]
            for e in result["data"]["teachers"]["edges"]
            for p in e["node"]["ectAtSchoolPeriods"]
            if p["school"]["urn"] == urn
            and (p["finishedOn"] is None or p["finishedOn"] >= today) == current
        ]

    by_role = {c.role: c for c in all_callers}
    as_school = await gql(client, query, school.token, {"urn": urn})
    as_admin = await gql(client, query, by_role[Role.ADMIN].token, {"urn": urn})
    as_finance = await gql(client, query, by_role[Role.FINANCE].token, {"urn": urn})
    current, ended = emails(as_school, current=True), emails(as_school, current=False)
    assert current and all(current), "the employing school sees the email of its current ECTs"
    assert ended and not any(ended), "and not once they have left"
    admin = emails(as_admin, current=True) + emails(as_admin, current=False)
    assert admin and all(admin), "admin sees every email"
    finance = emails(as_finance, current=True) + emails(as_finance, current=False)
    assert len(finance) == len(admin) and not any(finance), "finance sees none"


NODE_TABLES = {
    "Teacher": "teachers",
    "School": "schools",
    "ECTAtSchoolPeriod": "ect_at_school_periods",
    "MentorAtSchoolPeriod": "mentor_at_school_periods",
    "MentorshipPeriod": "mentorship_periods",
    "TrainingPeriod": "training_periods",
    "InductionPeriod": "induction_periods",
    "InductionExtension": "induction_extensions",
    "SchoolPartnership": "school_partnerships",
    "Declaration": "declarations",
    "Statement": "statements",
    "Contract": "contracts",
}


async def test_nodes_answer_only_within_scope(client, seeded_db: Database, all_callers) -> None:
    """`nodes` over a spread of ids of every type: null exactly where out of scope."""
    ids: list[tuple[str, int]] = []
    async with seeded_db.session() as s:
        for type_name, table in NODE_TABLES.items():
            rows = await s.execute(
                sa.text(f"SELECT id FROM {table} WHERE id % 17 = 3 ORDER BY id LIMIT 25")
            )
            ids += [(type_name, pk) for (pk,) in rows]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
    variables = {"ids": [global_id(t, pk) for t, pk in ids]}
    for caller in all_callers:
        result = await gql(client, query, caller.token, variables)
        assert "errors" not in result, (caller.label, result.get("errors"))
        answers = result["data"]["nodes"]
        assert len(answers) == len(ids)
        async with seeded_db.session() as s:
            for (type_name, pk), answer in zip(ids, answers, strict=True):
                if caller.role in (Role.ADMIN, Role.FINANCE):
                    assert answer is not None, (caller.label, type_name, pk)
                    continue
                sql = SCOPE[caller.role].get(type_name)
                in_scope = (
                    sql is not None
                    and (await s.execute(sa.text(sql), {"pk": pk, "org": caller.org_id})).first()
                    is not None
                )
                assert (answer is not None) == in_scope, (caller.label, type_name, pk, answer)
                if answer is not None:
                    assert answer["__typename"] == type_name
