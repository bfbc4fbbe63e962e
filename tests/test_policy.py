"""The policy fails closed, cannot be bypassed, keys loaders honestly, and closes the
three places where a caller learned more than its scope."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.auth import policy
from gateway.auth.viewer import Role, Viewer
from gateway.context import request_context
from gateway.db import Database
from gateway.loaders.inductions import InductionFactsByTeacher, InductionPeriodsByTeacher
from gateway.loaders.schools import ECTPeriodsBySchool
from gateway.models import inductions as im
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.models.audit import Event
from tests.graph import Caller, callers, gql

ORG = {"school_id": 1, "school_urn": "100000", "appropriate_body_id": 1, "lead_provider_id": 1}


def viewer(role: Any) -> Viewer:
    return Viewer(role=role, subject="test", **ORG)


@pytest.fixture(scope="module")
async def all_callers(seeded_db: Database) -> list[Caller]:
    return await callers(seeded_db)


def by_role(all_callers: list[Caller], role: Role) -> Caller:
    return next(c for c in all_callers if c.role is role)


# -- fail closed ------------------------------------------------------------------------


@pytest.mark.parametrize("model", list(policy.RULES), ids=lambda m: m.__name__)
def test_a_role_no_rule_names_sees_nothing(model: type) -> None:
    """A role added later (here "auditor") gets nothing from any rule until one names it."""
    assert policy.condition_for(model, viewer("auditor")) is policy.NOTHING
    assert policy.readable_email(viewer("auditor"), model, dt.date.today()) is policy.NOTHING
    for facts in policy.FACTS:
        assert facts(viewer("auditor")) is policy.NOTHING


async def test_every_role_can_read_every_entity_under_its_rule(seeded_db: Database) -> None:
    """Every role x every entity: the rule runs, DfE sees every row, the scoped roles a
    subset, and a model without a rule cannot be read at all."""
    async with seeded_db.session() as s:
        for model in policy.RULES:
            total = await s.scalar(sa.select(sa.func.count()).select_from(model))
            for role in Role:
                scope = policy.Scope(viewer(role), dt.date.today())
                count = await s.scalar(
                    sa.select(sa.func.count()).select_from(scope.select(model).subquery())
                )
                sees_all = role is Role.ADMIN or (role is Role.FINANCE and model is not Event)
                if sees_all or policy.RULES[model] is policy.public:
                    assert count == total, (model.__name__, role)
                else:
                    assert count <= total, (model.__name__, role)
    with pytest.raises(LookupError):
        policy.condition_for(trm.LeadProviderAPIToken, viewer(Role.ADMIN))


def test_only_facts_rules_may_replace_a_models_rule() -> None:
    scope = policy.Scope(viewer(Role.LEAD_PROVIDER), dt.date.today())
    with pytest.raises(LookupError):
        scope.facts(policy.public, im.InductionPeriod)


# -- the guard: a scoped table read without the rule is refused --------------------------


async def test_a_request_session_refuses_reads_that_bypass_the_policy(
    seeded_db: Database,
) -> None:
    async with request_context(seeded_db, seeded_db.settings, None, "guard") as context:
        session = context.session
        scope = policy.Scope(viewer(Role.SCHOOL_USER), dt.date.today())
        with pytest.raises(policy.PolicyBypassed, match="teachers"):
            await session.execute(sa.select(tm.Teacher))
        # A filter subquery must be scoped too: it would reveal rows out of scope.
        sneaky = scope.select(sm.School).where(
            sm.School.id.in_(sa.select(trm.SchoolPartnership.school_id))
        )
        with pytest.raises(policy.PolicyBypassed, match="school_partnerships"):
            await session.execute(sneaky)
        with pytest.raises(policy.PolicyBypassed, match="textual SQL"):
            await session.execute(sa.text("SELECT email FROM ect_at_school_periods"))
        with pytest.raises(policy.PolicyBypassed):
            await session.get(tm.Teacher, 1)
        # Public reference data, and reads built by the policy, are fine.
        assert (await session.execute(sa.select(im.AppropriateBody))).first() is not None
        rows = (await session.execute(scope.select(sm.School))).all()
        assert [r[0].id for r in rows] == [1]


# -- loader keys ------------------------------------------------------------------------


async def test_loaders_with_different_rules_or_parameters_never_share_a_cache(
    seeded_db: Database, all_callers: list[Caller]
) -> None:
    provider = by_role(all_callers, Role.LEAD_PROVIDER)
    async with seeded_db.session() as s:
        teacher_id = await s.scalar(
            sa.text(
                "SELECT tp.teacher_id FROM training_periods tp "
                "JOIN induction_periods i ON i.teacher_id = tp.teacher_id "
                "JOIN school_partnerships sp ON sp.id = tp.school_partnership_id "
                "JOIN lead_provider_delivery_partnerships l "
                "  ON l.id = sp.lead_provider_delivery_partnership_id "
                "JOIN active_lead_providers a ON a.id = l.active_lead_provider_id "
                "WHERE a.lead_provider_id = :lp LIMIT 1"
            ),
            {"lp": provider.org_id},
        )
    auth = f"Bearer {provider.token}"
    async with request_context(seeded_db, seeded_db.settings, auth, "keys") as context:
        loaders = context.loaders
        facts = await loaders.get(InductionFactsByTeacher).load(teacher_id)
        rows = await loaders.get(InductionPeriodsByTeacher).load(teacher_id)
        assert facts, "the facts rule reads the induction periods behind eligibility"
        assert rows == [], "a lead provider is never handed induction periods"
        assert loaders.get(ECTPeriodsBySchool, True) is not loaders.get(ECTPeriodsBySchool, None)
        assert loaders.get(ECTPeriodsBySchool, True) is loaders.get(ECTPeriodsBySchool, True)


# -- the three places a caller learned more than its scope ------------------------------


async def test_schools_by_cohort_do_not_reveal_other_providers_partnerships(
    client, seeded_db: Database, all_callers: list[Caller]
) -> None:
    """An ineligible school partnered with another provider is not in the list."""
    provider = by_role(all_callers, Role.LEAD_PROVIDER)
    async with seeded_db.session() as s:
        school_id, urn, name = (
            await s.execute(
                sa.select(sm.School.id, sm.School.urn, sm.School.name).where(
                    sm.School.status == sm.SchoolStatus.CLOSED
                )
            )
        ).first()
        lpdp_id, year = (
            await s.execute(
                sa.select(
                    trm.LeadProviderDeliveryPartnership.id,
                    trm.ActiveLeadProvider.contract_period_year,
                )
                .join(
                    trm.ActiveLeadProvider,
                    trm.ActiveLeadProvider.id
                    == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
                )
                .where(trm.ActiveLeadProvider.lead_provider_id != provider.org_id)
                .limit(1)
            )
        ).first()
        partnership = trm.SchoolPartnership(
            school_id=school_id,
            lead_provider_delivery_partnership_id=lpdp_id,
            contract_period_year=year,
        )
        s.add(partnership)
        await s.commit()
    try:
        query = """query($cohort: Int!, $name: String) {
            schools(cohort: $cohort, nameContains: $name, first: 100) { edges { node { urn } } } }"""
        variables = {"cohort": year, "name": name}
        result = await gql(client, query, provider.token, variables)
        admin = await gql(client, query, by_role(all_callers, Role.ADMIN).token, variables)
        assert urn in {e["node"]["urn"] for e in admin["data"]["schools"]["edges"]}
        assert urn not in {e["node"]["urn"] for e in result["data"]["schools"]["edges"]}
        everyone = await gql(client, query, provider.token, {"cohort": year, "name": None})
        assert everyone["data"]["schools"]["edges"], "the provider does see eligible schools"
    finally:
        async with seeded_db.session() as s:
            await s.execute(
                sa.delete(trm.SchoolPartnership).where(trm.SchoolPartnership.id == partnership.id)
            )
            await s.commit()


async def test_appropriate_bodies_do_not_learn_mentor_ids(
    client, all_callers: list[Caller]
) -> None:
    query = """{ teachers(first: 100) { edges { node { participantId
        trainingPeriods { id mentorId } } } } }"""
    body = by_role(all_callers, Role.APPROPRIATE_BODY_USER)
    as_body = await gql(client, query, body.token)
    periods = [
        p for e in as_body["data"]["teachers"]["edges"] for p in e["node"]["trainingPeriods"]
    ]
    as_admin = await gql(
        client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on TrainingPeriod { mentorId } } }",
        by_role(all_callers, Role.ADMIN).token,
        {"ids": [p["id"] for p in periods]},
    )
    assert periods, "the appropriate body sees training"
    assert any(n["mentorId"] for n in as_admin["data"]["nodes"]), "some of it has a mentor"
    assert all(p["mentorId"] is None for p in periods)


OTHERS_DECLARATIONS = """
    WITH ours AS (
        SELECT tp.* FROM training_periods tp
        LEFT JOIN school_partnerships sp ON sp.id = tp.school_partnership_id
        LEFT JOIN lead_provider_delivery_partnerships l
               ON l.id = sp.lead_provider_delivery_partnership_id
        LEFT JOIN active_lead_providers a ON a.id = l.active_lead_provider_id
        LEFT JOIN active_lead_providers e ON e.id = tp.expression_of_interest_id
        WHERE a.lead_provider_id = :lp OR e.lead_provider_id = :lp)
    SELECT d.api_id,
        d.payment_status <> 'voided' AND d.clawback_status = 'no_clawback' AND EXISTS (
            SELECT 1 FROM ours JOIN training_periods dtp ON dtp.id = d.training_period_id
            WHERE ours.teacher_id = d.teacher_id
            AND (ours.ect_at_school_period_id IS NULL) = (dtp.ect_at_school_period_id IS NULL)
            AND (ours.finished_on IS NULL OR date(d.declaration_date) <= ours.finished_on))
    FROM declarations d
    WHERE d.lead_provider_id <> :lp AND d.teacher_id IN (SELECT teacher_id FROM ours)
"""


async def test_other_providers_declarations_only_within_its_own_training(
    client, seeded_db: Database, all_callers: list[Caller]
) -> None:
    """Another provider's declaration for one of its participants is shown only when not
    voided or clawed back and dated within one of its own training periods."""
    provider = by_role(all_callers, Role.LEAD_PROVIDER)
    async with seeded_db.session() as s:
        rows = (await s.execute(sa.text(OTHERS_DECLARATIONS), {"lp": provider.org_id})).all()
    shown = {str(uuid.UUID(str(api_id))) for api_id, visible in rows if visible}
    hidden = {str(uuid.UUID(str(api_id))) for api_id, visible in rows if not visible}
    assert shown and hidden, "the seed has both kinds, or this proves nothing"
    seen: set[str] = set()
    after = None
    while True:
        page = await gql(
            client,
            """query($after: String) { declarations(first: 3000, after: $after) {
                edges { node { apiId } } pageInfo { hasNextPage endCursor } } }""",
            provider.token,
            {"after": after},
        )
        seen |= {e["node"]["apiId"] for e in page["data"]["declarations"]["edges"]}
        if not page["data"]["declarations"]["pageInfo"]["hasNextPage"]:
            break
        after = page["data"]["declarations"]["pageInfo"]["endCursor"]
    assert shown <= seen
    assert not hidden & seen
