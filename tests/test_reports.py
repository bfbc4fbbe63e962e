"""DfE's reports: the figures agree with the rules applied row by row, each report is one
SQL statement, and only admin and finance may read them."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.models import inductions as im
from gateway.models import payments as pm
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.rules import derived
from gateway.rules.derived import declaration_state
from tests.conftest import SEED_TODAY
from tests.graph import callers, gql
from tests.test_statement_counts import count_statements

DECLARATIONS = """{ reports { declarations { leadProviderId cohort statementYear statementMonth
    declarationType state count } } }"""
INDUCTIONS = """{ reports { inductions { appropriateBodyId open passed failed released } } }"""
SCHOOLS = """{ reports { schoolsWithoutPartnership { cohort schools } } }"""


async def _token(db: Database, role: Role) -> str:
    return next(c for c in await callers(db) if c.role is role).token


async def test_declarations_by_type_and_state_follow_each_declaration(
    client, seeded_db: Database
) -> None:
    async with seeded_db.session() as s:
        statements = {st.id: st for st in await s.scalars(sa.select(pm.Statement))}
        expected: Counter = Counter()
        for d in await s.scalars(sa.select(pm.Declaration)):
            clawed = d.clawback_status is not pm.ClawbackStatus.NO_CLAWBACK
            st = statements[d.clawback_statement_id if clawed else d.payment_statement_id]
            state = declaration_state(d.payment_status, d.clawback_status)
            key = (str(d.lead_provider_id), st.contract_period_year, st.year, st.month)
            expected[(*key, d.declaration_type.name, state.name)] += 1
    result = await gql(client, DECLARATIONS, await _token(seeded_db, Role.FINANCE))
    got = {
        (
            r["leadProviderId"],
            r["cohort"],
            r["statementYear"],
            r["statementMonth"],
            r["declarationType"],
            r["state"],
        ): r["count"]
        for r in result["data"]["reports"]["declarations"]
    }
    assert got == dict(expected)
    assert {key[-1] for key in got} >= {"SUBMITTED", "PAID", "VOIDED", "CLAWED_BACK"}


async def test_inductions_by_appropriate_body(client, seeded_db: Database) -> None:
    async with seeded_db.session() as s:
        bodies = list(await s.scalars(sa.select(im.AppropriateBody.id)))
        periods = list(await s.scalars(sa.select(im.InductionPeriod)))
    expected = {
        str(b): {
            "open": sum(1 for p in periods if p.appropriate_body_id == b and p.finished_on is None),
            "passed": sum(
                1
                for p in periods
                if p.appropriate_body_id == b and p.outcome is im.InductionOutcome.PASS
            ),
            "failed": sum(
                1
                for p in periods
                if p.appropriate_body_id == b and p.outcome is im.InductionOutcome.FAIL
            ),
            "released": sum(
                1
                for p in periods
                if p.appropriate_body_id == b and p.finished_on is not None and p.outcome is None
            ),
        }
        for b in bodies
    }
    result = await gql(client, INDUCTIONS, await _token(seeded_db, Role.ADMIN))
    got = {r.pop("appropriateBodyId"): r for r in result["data"]["reports"]["inductions"]}
    assert got == expected
    assert sum(v["passed"] for v in got.values()) > 0


async def test_schools_with_ects_but_no_partnership(client, seeded_db: Database) -> None:
    async with seeded_db.session() as s:
        cohorts = list(await s.scalars(sa.select(trm.ContractPeriod)))
        ects = list(await s.scalars(sa.select(sm.ECTAtSchoolPeriod)))
        partnered = {
            (p.school_id, p.contract_period_year)
            for p in await s.scalars(sa.select(trm.SchoolPartnership))
        }
    expected = {}
    for cp in cohorts:
        schools = {
            e.school_id
            for e in ects
            if e.started_on <= cp.finished_on
            and (e.finished_on is None or e.finished_on >= cp.started_on)
            and (e.school_id, cp.year) not in partnered
        }
        if schools:
            expected[cp.year] = len(schools)
    result = await gql(client, SCHOOLS, await _token(seeded_db, Role.ADMIN))
    got = {
        r["cohort"]: r["schools"] for r in result["data"]["reports"]["schoolsWithoutPartnership"]
    }
    assert got == expected and got


async def test_each_report_is_one_statement(client, seeded_db: Database) -> None:
    token = await _token(seeded_db, Role.FINANCE)
    await gql(client, "{ viewer { authenticated } }", token)
    for query in (DECLARATIONS, INDUCTIONS, SCHOOLS, PARTICIPANTS):
        with count_statements(seeded_db) as statements:
            result = await gql(client, query, token)
        assert "errors" not in result
        reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
        assert len(reads) == 1, (query, reads)


async def test_only_dfe_reads_reports(client, seeded_db: Database) -> None:
    for caller in await callers(seeded_db):
        result = await gql(client, INDUCTIONS, caller.token)
        if caller.role in (Role.ADMIN, Role.FINANCE):
            assert result["data"]["reports"]["inductions"], caller.label
        else:
            assert result["data"] is None or result["data"]["reports"] is None, caller.label
            assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", caller.label


async def test_several_reports_in_one_query(client, seeded_db: Database) -> None:
    """Sibling report fields resolve at once over one session (PostgreSQL refuses
    concurrent use of one connection): they must take turns."""
    both = """{ reports { inductions { open } schoolsWithoutPartnership { cohort }
        declarations { count } } }"""
    result = await gql(client, both, await _token(seeded_db, Role.ADMIN))
    assert "errors" not in result, result.get("errors")
    assert all(result["data"]["reports"][k] for k in result["data"]["reports"])


PARTICIPANTS = """{ reports { participants { cohort leadProviderId participantType
    trainingStatus participantStatus count } } }"""


async def test_participants_by_status_follow_each_latest_training(
    app_client, seeded_db: Database
) -> None:
    """Each teacher once per participant type, by their latest training period, with
    the statuses the lead providers' rules give (gateway/rules/derived.py) as of the
    pinned day."""
    async with seeded_db.session() as s:
        periods = list(await s.scalars(sa.select(trm.TrainingPeriod)))
        teachers = {t.id: t for t in await s.scalars(sa.select(tm.Teacher))}
        schedules = {x.id: x for x in await s.scalars(sa.select(trm.Schedule))}
        partnerships = {x.id: x for x in await s.scalars(sa.select(trm.SchoolPartnership))}
        lpdps = {x.id: x for x in await s.scalars(sa.select(trm.LeadProviderDeliveryPartnership))}
        alps = {x.id: x for x in await s.scalars(sa.select(trm.ActiveLeadProvider))}
        completed = set(
            await s.scalars(
                sa.select(im.InductionPeriod.teacher_id).where(
                    im.InductionPeriod.finished_on.is_not(None),
                    im.InductionPeriod.outcome.is_not(None),
                )
            )
        )
    latest: dict[tuple[int, bool], trm.TrainingPeriod] = {}
    for p in periods:
        key = (p.teacher_id, p.mentor_at_school_period_id is not None)
        if key not in latest or (p.started_on, p.id) > (latest[key].started_on, latest[key].id):
            latest[key] = p
    expected: Counter = Counter()
    for (teacher_id, is_mentor), p in latest.items():
        partnership = partnerships.get(p.school_partnership_id)
        cohort = (
            schedules[p.schedule_id].contract_period_year
            if p.schedule_id
            else partnership.contract_period_year
            if partnership
            else None
        )
        if partnership is not None:
            provider = alps[
                lpdps[partnership.lead_provider_delivery_partnership_id].active_lead_provider_id
            ].lead_provider_id
        elif p.expression_of_interest_id is not None:
            provider = alps[p.expression_of_interest_id].lead_provider_id
        else:
            provider = None
        status = derived.enrolment_participant_status(
            p.started_on,
            p.finished_on,
            SEED_TODAY,
            mentor_funding_ended=teachers[teacher_id].mentor_became_ineligible_for_funding_on
            is not None,
            induction_completed=teacher_id in completed,
        )
        expected[
            (
                cohort,
                str(provider) if provider else None,
                "MENTOR" if is_mentor else "ECT",
                derived.training_status(p).name,
                status.name,
            )
        ] += 1
    result = await gql(app_client, PARTICIPANTS, await _token(seeded_db, Role.ADMIN))
    got = {
        (
            r["cohort"],
            r["leadProviderId"],
            r["participantType"],
            r["trainingStatus"],
            r["participantStatus"],
        ): r["count"]
        for r in result["data"]["reports"]["participants"]
    }
    assert got == dict(expected)
    statuses = {key[-1] for key in got}
    assert {"ACTIVE", "LEFT"} <= statuses
    assert {key[-2] for key in got} >= {"WITHDRAWN", "DEFERRED", "ACTIVE"}
