"""What a lead provider reads besides its participants, against the Lead Provider API v3.

Every expected value is computed here from the seed with plain SQL over the tables and
the rule as DOMAIN.md and the real service (register-early-career-teachers) state it,
never from the graph's output: declarations (course identifier, mentor at the time,
uplift paid), partnerships (induction tutor, participants currently training, a stamp
that moves with what they show), schools in a cohort (in partnership, programme choice,
expression of interest), delivery partners' cohorts and statements; scoping; the list
filters; the page size; and cursors that stay stable while rows change between pages.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.models import payments as pm
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from tests.conftest import SEED_TODAY
from tests.graph import Caller, callers, decode_global_id, gql
from tests.test_statement_counts import count_statements

NOW = dt.datetime.combine(SEED_TODAY, dt.time(12), tzinfo=dt.UTC)  # app_client's clock

DECLARATIONS = """query($first: Int, $after: String, $participantIds: [UUID!],
    $deliveryPartnerIds: [UUID!], $participantId: UUID, $cohorts: [Int!]) {
  declarations(first: $first, after: $after, participantIds: $participantIds,
      deliveryPartnerIds: $deliveryPartnerIds, participantId: $participantId,
      cohorts: $cohorts) {
    pageInfo { hasNextPage endCursor }
    edges { node { id apiId courseIdentifier cohort mentorId upliftPaid
      ineligibleForFundingReason leadProviderName updatedAt
      participant { participantId } deliveryPartner { apiId } } } } }"""
PARTNERSHIPS = """query($first: Int, $after: String, $deliveryPartnerIds: [UUID!],
    $updatedSince: DateTime) {
  partnerships(first: $first, after: $after, deliveryPartnerIds: $deliveryPartnerIds,
      updatedSince: $updatedSince) {
    pageInfo { hasNextPage endCursor }
    edges { node { id updatedAt inductionTutorName inductionTutorEmail
      participantsCurrentlyTraining ectsCurrentlyTraining mentorsCurrentlyTraining
      deliveryPartner { apiId } } } } }"""
SCHOOLS = """query($cohort: Int!, $first: Int, $after: String, $urn: String,
    $updatedSince: DateTime) {
  schoolsInCohort(cohort: $cohort, first: $first, after: $after, urn: $urn,
      updatedSince: $updatedSince) {
    pageInfo { hasNextPage endCursor }
    edges { node { urn cohort inPartnership inductionProgrammeChoice expressionOfInterest
      updatedAt school { id } } } } }"""
PARTNERS = """query($cohorts: [Int!]) { deliveryPartners(first: 3000, cohorts: $cohorts) {
    edges { node { apiId cohorts } } } }"""
STATEMENTS = """{ statements(first: 3000) { edges { node { id paid createdAt deadlineDate } } } }"""


async def walk(
    client: httpx.AsyncClient,
    token: str,
    query: str,
    field: str,
    variables: dict[str, Any] | None = None,
    first: int = 3000,
    between: Any = None,
) -> list[dict[str, Any]]:
    """Every node of a list, page by page; ``between(page_number)`` runs between pages."""
    nodes: list[dict[str, Any]] = []
    after = None
    for page in range(10_000):
        result = await gql(
            client, query, token, {**(variables or {}), "first": first, "after": after}
        )
        assert "errors" not in result, result["errors"]
        connection = result["data"][field]
        nodes += [e["node"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes
        after = connection["pageInfo"]["endCursor"]
        if between is not None:
            await between(page)
    raise AssertionError("the list did not end")


@pytest.fixture(scope="module")
async def providers(seeded_db: Database) -> list[Caller]:
    return [c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER]


@pytest.fixture(scope="module")
async def admin(seeded_db: Database) -> Caller:
    return next(c for c in await callers(seeded_db) if c.role is Role.ADMIN)


def pk(node: dict[str, Any]) -> int:
    return decode_global_id(node["id"])[1]


# -- declarations ------------------------------------------------------------------------


async def test_declaration_fields_follow_the_v3_rules(app_client, seeded_db, providers) -> None:
    provider = providers[0]
    seen = await walk(app_client, provider.token, DECLARATIONS, "declarations")
    assert len(seen) > 100
    d, tp = pm.Declaration, trm.TrainingPeriod
    async with seeded_db.session() as s:
        rows = {
            r.id: r
            for r in await s.execute(
                sa.select(
                    d.id,
                    d.declaration_date,
                    d.payment_status,
                    d.pupil_premium_uplift,
                    d.sparsity_uplift,
                    tp.ect_at_school_period_id,
                    pm.Statement.contract_period_year,
                    trm.ContractPeriod.uplift_fees_enabled,
                    trm.LeadProvider.name,
                )
                .join(tp, tp.id == d.training_period_id)
                .join(pm.Statement, pm.Statement.id == d.payment_statement_id)
                .join(
                    trm.ContractPeriod, trm.ContractPeriod.year == pm.Statement.contract_period_year
                )
                .join(trm.LeadProvider, trm.LeadProvider.id == d.lead_provider_id)
            )
        }
        spells = defaultdict(list)
        for ect_id, started, finished, mentor in await s.execute(
            sa.select(
                sm.MentorshipPeriod.ect_at_school_period_id,
                sm.MentorshipPeriod.started_on,
                sm.MentorshipPeriod.finished_on,
                tm.Teacher.api_id,
            )
            .join(
                sm.MentorAtSchoolPeriod,
                sm.MentorAtSchoolPeriod.id == sm.MentorshipPeriod.mentor_at_school_period_id,
            )
            .join(tm.Teacher, tm.Teacher.id == sm.MentorAtSchoolPeriod.teacher_id)
            .order_by(sm.MentorshipPeriod.started_on, sm.MentorshipPeriod.id)
        ):
            spells[ect_id].append((started, finished, mentor))

    def mentor_then(ect_period_id: int | None, day: dt.date) -> str | None:
        """The real service's rule: the ECT's mentorship covering the day, else the one
        whose start or finish is nearest (mentors' declarations name none)."""
        if ect_period_id is None or not spells[ect_period_id]:
            return None
        best = min(
            spells[ect_period_id],
            key=lambda m: (
                0
                if m[0] <= day and (m[1] is None or day <= m[1])
                else min(abs((x - day).days) for x in (m[0], m[1]) if x is not None)
            ),
        )
        return str(best[2])

    mentored = uplifted = 0
    for node in seen:
        row = rows[pk(node)]
        is_ect = row.ect_at_school_period_id is not None
        assert node["courseIdentifier"] == ("ECF_INDUCTION" if is_ect else "ECF_MENTOR")
        assert node["cohort"] == row.contract_period_year
        assert node["leadProviderName"] == row.name
        assert node["ineligibleForFundingReason"] is None
        expected_mentor = mentor_then(row.ect_at_school_period_id, row.declaration_date.date())
        assert node["mentorId"] == expected_mentor, node["id"]
        mentored += expected_mentor is not None
        has_uplift = row.pupil_premium_uplift or row.sparsity_uplift
        paid = row.payment_status == pm.PaymentStatus.PAID
        assert node["upliftPaid"] == (paid and has_uplift and row.uplift_fees_enabled)
        uplifted += node["upliftPaid"]
    assert mentored > 10 and uplifted > 0, "the seed must exercise the rules"


async def test_uplift_is_paid_only_where_the_contract_period_pays_uplifts(
    app_client, seeded_db, providers, restored
) -> None:
    """Issue 9, correction 4: an uplift flag on a paid started declaration in a
    contract period without uplift fees (2025 on) is not an uplift paid."""
    provider = providers[0]
    d = pm.Declaration
    chosen: dict[int, int] = {}
    async with seeded_db.session() as s:
        for year in (2024, 2025):
            row = (
                await s.execute(
                    sa.select(d.id, d.updated_at)
                    .join(pm.Statement, pm.Statement.id == d.payment_statement_id)
                    .where(
                        d.lead_provider_id == provider.org_id,
                        d.payment_status == pm.PaymentStatus.PAID,
                        d.declaration_type == trm.DeclarationType.STARTED,
                        d.pupil_premium_uplift.is_(False),
                        d.sparsity_uplift.is_(False),
                        pm.Statement.contract_period_year == year,
                    )
                    .order_by(d.id)
                    .limit(1)
                )
            ).one()
            chosen[year] = row.id
            restored.append(
                sa.update(d)
                .where(d.id == row.id)
                .values(pupil_premium_uplift=False, updated_at=row.updated_at)
            )
            await s.execute(sa.update(d).where(d.id == row.id).values(pupil_premium_uplift=True))
        enabled = dict(
            (
                await s.execute(
                    sa.select(trm.ContractPeriod.year, trm.ContractPeriod.uplift_fees_enabled)
                )
            ).all()
        )
        await s.commit()
    assert enabled[2024] and not enabled[2025]
    seen = {pk(n): n for n in await walk(app_client, provider.token, DECLARATIONS, "declarations")}
    assert seen[chosen[2024]]["upliftPaid"] is True
    assert seen[chosen[2025]]["upliftPaid"] is False


async def test_declaration_list_filters(app_client, seeded_db, providers) -> None:
    provider = providers[0]
    everything = await walk(app_client, provider.token, DECLARATIONS, "declarations")
    participants = sorted({n["participant"]["participantId"] for n in everything})
    two = participants[:2]
    only_two = await walk(
        app_client, provider.token, DECLARATIONS, "declarations", {"participantIds": two}
    )
    assert {n["id"] for n in only_two} == {
        n["id"] for n in everything if n["participant"]["participantId"] in two
    }
    assert {n["participant"]["participantId"] for n in only_two} == set(two)
    # The single value still works, as the list of one.
    one = await walk(
        app_client, provider.token, DECLARATIONS, "declarations", {"participantId": two[0]}
    )
    assert {n["id"] for n in one} == {
        n["id"] for n in everything if n["participant"]["participantId"] == two[0]
    }
    partners = sorted({n["deliveryPartner"]["apiId"] for n in everything if n["deliveryPartner"]})
    assert len(partners) >= 2
    by_partner = await walk(
        app_client,
        provider.token,
        DECLARATIONS,
        "declarations",
        {"deliveryPartnerIds": partners[:2]},
    )
    assert by_partner and {n["id"] for n in by_partner} == {
        n["id"]
        for n in everything
        if n["deliveryPartner"] and n["deliveryPartner"]["apiId"] in partners[:2]
    }
    both = await gql(
        app_client,
        DECLARATIONS,
        provider.token,
        {"participantId": two[0], "participantIds": two},
    )
    (error,) = both["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "participantIds" in error["message"] and "not both" in error["message"]


# -- partnerships ------------------------------------------------------------------------


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


async def expected_partnerships(db: Database, provider_id: int) -> dict[int, dict[str, Any]]:
    """The provider's partnerships: the induction tutor, who trains with each today and
    the latest change of anything shown, from the rule (DOMAIN.md, v3)."""
    sp, tp = trm.SchoolPartnership, trm.TrainingPeriod
    lpdp, alp = trm.LeadProviderDeliveryPartnership, trm.ActiveLeadProvider
    out: dict[int, dict[str, Any]] = {}
    async with db.session() as s:
        for r in await s.execute(
            sa.select(
                sp.id,
                sp.updated_at,
                sm.School.updated_at.label("school_changed"),
                sp.school_id,
                trm.ContractPeriod.finished_on.label("cohort_finished_on"),
                sm.School.induction_tutor_name,
                sm.School.induction_tutor_email,
                trm.DeliveryPartner.updated_at.label("partner_changed"),
            )
            .join(sm.School, sm.School.id == sp.school_id)
            .join(trm.ContractPeriod, trm.ContractPeriod.year == sp.contract_period_year)
            .join(lpdp, lpdp.id == sp.lead_provider_delivery_partnership_id)
            .join(alp, alp.id == lpdp.active_lead_provider_id)
            .join(trm.DeliveryPartner, trm.DeliveryPartner.id == lpdp.delivery_partner_id)
            .where(alp.lead_provider_id == provider_id)
        ):
            out[r.id] = {
                "school_id": r.school_id,
                "cohort_finished_on": r.cohort_finished_on,
                "tutor": (r.induction_tutor_name, r.induction_tutor_email),
                "live": r.cohort_finished_on >= SEED_TODAY,
                "ects": 0,
                "mentors": 0,
                "stamp": max(r.updated_at, r.school_changed, r.partner_changed),
            }
        for t in await s.execute(sa.select(tp).where(tp.school_partnership_id.in_(list(out)))):
            t = t[0]
            p = out[t.school_partnership_id]
            training_now = (
                t.started_on <= SEED_TODAY
                and (t.finished_on is None or t.finished_on >= SEED_TODAY)
                and t.withdrawn_at is None
                and t.deferred_at is None
            )
            if training_now:
                p["ects" if t.ect_at_school_period_id else "mentors"] += 1
            if t.started_on <= SEED_TODAY and (
                t.finished_on is None or t.finished_on >= SEED_TODAY
            ):
                p["live"] = True  # someone still trains under it
            # A period starting, or ending (the day after its last day), changes who
            # trains now: that moment counts as a change once it has come.
            # (A change written to the row counts whenever it was written.)
            moments = [day_start(t.started_on)]
            if t.finished_on is not None:
                moments.append(day_start(t.finished_on + dt.timedelta(days=1)))
            p["stamp"] = max([p["stamp"], t.updated_at, *(m for m in moments if m <= NOW)])
    # The induction tutor is readable while any partnership with the school lasts: its
    # cohort has not finished or someone still trains under it (DOMAIN.md: never after
    # the relationship has ended).
    live_schools = {p["school_id"] for p in out.values() if p["live"]}
    for p in out.values():
        shown = p["school_id"] in live_schools
        p["name"], p["email"] = p["tutor"] if shown else (None, None)
    return out


async def test_partnership_fields_and_their_stamp(app_client, seeded_db, providers) -> None:
    provider = providers[0]
    seen = await walk(app_client, provider.token, PARTNERSHIPS, "partnerships")
    expected = await expected_partnerships(seeded_db, provider.org_id)
    assert {pk(n) for n in seen} == set(expected), "exactly its own partnerships"
    training = hidden = 0
    for node in seen:
        want = expected[pk(node)]
        assert node["inductionTutorName"] == want["name"]
        assert node["inductionTutorEmail"] == want["email"]
        hidden += want["tutor"][1] is not None and want["email"] is None
        assert node["ectsCurrentlyTraining"] == want["ects"]
        assert node["mentorsCurrentlyTraining"] == want["mentors"]
        assert node["participantsCurrentlyTraining"] == want["ects"] + want["mentors"]
        assert dt.datetime.fromisoformat(node["updatedAt"]) == want["stamp"], node["id"]
        training += node["participantsCurrentlyTraining"]
    assert training > 20
    assert hidden > 0, "the seed must have partnerships that ended"
    stamps = [(n["updatedAt"], pk(n)) for n in seen]
    assert stamps == sorted(stamps), "least recently updated first"
    # updatedSince keeps exactly the later ones.
    since = seen[len(seen) // 2]["updatedAt"]
    later = await walk(
        app_client, provider.token, PARTNERSHIPS, "partnerships", {"updatedSince": since}
    )
    assert [n["id"] for n in later] == [n["id"] for n in seen if n["updatedAt"] >= since]


async def test_partnership_delivery_partner_filter_takes_a_list(app_client, providers) -> None:
    provider = providers[0]
    seen = await walk(app_client, provider.token, PARTNERSHIPS, "partnerships")
    partners = sorted({n["deliveryPartner"]["apiId"] for n in seen})
    assert len(partners) >= 3
    chosen = partners[:2]
    filtered = await walk(
        app_client, provider.token, PARTNERSHIPS, "partnerships", {"deliveryPartnerIds": chosen}
    )
    assert filtered and {n["id"] for n in filtered} == {
        n["id"] for n in seen if n["deliveryPartner"]["apiId"] in chosen
    }


async def test_another_providers_partnerships_and_declarations_never_appear(
    app_client, seeded_db, providers
) -> None:
    a, b = providers
    mine = {pk(n) for n in await walk(app_client, a.token, PARTNERSHIPS, "partnerships")}
    theirs = {pk(n) for n in await walk(app_client, b.token, PARTNERSHIPS, "partnerships")}
    assert mine and theirs and not mine & theirs
    declared = await walk(app_client, a.token, DECLARATIONS, "declarations")
    async with seeded_db.session() as s:
        others = {
            i
            for (i,) in await s.execute(
                sa.select(pm.Declaration.id).where(
                    pm.Declaration.lead_provider_id != a.org_id,
                    # Another provider's shows only while it counts (DOMAIN.md, policy).
                    sa.or_(
                        pm.Declaration.payment_status == pm.PaymentStatus.VOIDED,
                        pm.Declaration.clawback_status != pm.ClawbackStatus.NO_CLAWBACK,
                    ),
                )
            )
        }
    assert others and not {pk(n) for n in declared} & others


# -- schools in a cohort -----------------------------------------------------------------


async def expected_schools(
    db: Database, cohort: int, provider_id: int
) -> dict[str, dict[str, Any]]:
    """By URN, per the real service's rules (see gateway/resolvers/schools_in_cohort.py):
    eligible or in partnership (with anyone) in the cohort; provider-led when a mentor
    trains in it or an ECT in it has provider-led training; expression of interest when
    training at the school names the provider for the cohort (EOI first, else the
    partnership)."""
    async with db.session() as s:
        period = (
            await s.execute(sa.select(trm.ContractPeriod).where(trm.ContractPeriod.year == cohort))
        ).scalar_one()
        schools = (await s.execute(sa.select(sm.School))).scalars().all()
        partnerships = (
            await s.execute(
                sa.select(
                    trm.SchoolPartnership.id,
                    trm.SchoolPartnership.school_id,
                    trm.SchoolPartnership.contract_period_year,
                    trm.ActiveLeadProvider.lead_provider_id,
                )
                .join(
                    trm.LeadProviderDeliveryPartnership,
                    trm.LeadProviderDeliveryPartnership.id
                    == trm.SchoolPartnership.lead_provider_delivery_partnership_id,
                )
                .join(
                    trm.ActiveLeadProvider,
                    trm.ActiveLeadProvider.id
                    == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
                )
            )
        ).all()
        eois = {a.id: a for a in (await s.execute(sa.select(trm.ActiveLeadProvider))).scalars()}
        ect_school = dict(
            (
                await s.execute(sa.select(sm.ECTAtSchoolPeriod.id, sm.ECTAtSchoolPeriod.school_id))
            ).all()
        )
        mentor_school = dict(
            (
                await s.execute(
                    sa.select(sm.MentorAtSchoolPeriod.id, sm.MentorAtSchoolPeriod.school_id)
                )
            ).all()
        )
        training = (await s.execute(sa.select(trm.TrainingPeriod))).scalars().all()
    partnership = {p.id: p for p in partnerships}

    def named(t: trm.TrainingPeriod) -> tuple[int, int] | None:
        """(provider, cohort) the training names: its EOI's, else its partnership's."""
        if t.expression_of_interest_id is not None:
            a = eois[t.expression_of_interest_id]
            return a.lead_provider_id, a.contract_period_year
        if t.school_partnership_id is not None:
            p = partnership[t.school_partnership_id]
            return p.lead_provider_id, p.contract_period_year
        return None

    def in_cohort(t: trm.TrainingPeriod) -> bool:
        eoi = (
            t.expression_of_interest_id
            and eois[t.expression_of_interest_id].contract_period_year == cohort
        )
        part = (
            t.school_partnership_id
            and partnership[t.school_partnership_id].contract_period_year == cohort
        )
        return bool(eoi or part)

    programmes_by_ect: dict[int, set[str]] = defaultdict(set)
    for t in training:
        if t.ect_at_school_period_id:
            programmes_by_ect[t.ect_at_school_period_id].add(t.training_programme.value)
    out: dict[str, dict[str, Any]] = {}
    for school in schools:
        partnered = any(
            p.school_id == school.id and p.contract_period_year == cohort for p in partnerships
        )
        eligible = sm.is_eligible(
            school.status, school.in_england, school.type, school.section_41_approved
        )
        if not (eligible or partnered):
            continue
        at_school = [
            t
            for t in training
            if (t.ect_at_school_period_id and ect_school[t.ect_at_school_period_id] == school.id)
            or (
                t.mentor_at_school_period_id
                and mentor_school[t.mentor_at_school_period_id] == school.id
            )
        ]
        mentors = [t for t in at_school if t.mentor_at_school_period_id and in_cohort(t)]
        ect_periods = {
            t.ect_at_school_period_id
            for t in at_school
            if t.ect_at_school_period_id
            and (
                in_cohort(t)
                or (
                    t.training_programme.value == "school_led"
                    and period.started_on <= t.started_on <= period.finished_on
                )
            )
        }
        if mentors or any("provider_led" in programmes_by_ect[e] for e in ect_periods):
            choice = "PROVIDER_LED"
        elif ect_periods:
            choice = "SCHOOL_LED"
        else:
            choice = "NOT_YET_KNOWN"
        out[school.urn] = {
            "inPartnership": partnered,
            "inductionProgrammeChoice": choice,
            "expressionOfInterest": any(named(t) == (provider_id, cohort) for t in at_school),
        }
    return out


async def test_schools_in_a_cohort_follow_the_real_services_rules(
    app_client, seeded_db, providers
) -> None:
    for provider in providers:
        seen = await walk(app_client, provider.token, SCHOOLS, "schoolsInCohort", {"cohort": 2025})
        expected = await expected_schools(seeded_db, 2025, provider.org_id)
        assert len(seen) == len({n["urn"] for n in seen}), "each school once"
        assert {n["urn"] for n in seen} == set(expected)
        for node in seen:
            want = expected[node["urn"]]
            got = {k: node[k] for k in want}
            assert got == want, node["urn"]
            assert node["cohort"] == 2025
        values = {
            (n["inPartnership"], n["inductionProgrammeChoice"], n["expressionOfInterest"])
            for n in seen
        }
        assert len(values) >= 3, "the seed must exercise the rules"
    interested = [
        {
            urn
            for urn, v in (await expected_schools(seeded_db, 2025, p.org_id)).items()
            if v["expressionOfInterest"]
        }
        for p in providers
    ]
    assert interested[0] != interested[1], "expression of interest is the caller's own"


async def test_schools_in_a_cohort_filters(app_client, seeded_db, providers) -> None:
    provider = providers[0]
    seen = await walk(app_client, provider.token, SCHOOLS, "schoolsInCohort", {"cohort": 2025})
    urn = seen[len(seen) // 2]["urn"]
    one = await walk(
        app_client, provider.token, SCHOOLS, "schoolsInCohort", {"cohort": 2025, "urn": urn}
    )
    assert [n["urn"] for n in one] == [urn]
    since = seen[len(seen) // 2]["updatedAt"]
    later = await walk(
        app_client,
        provider.token,
        SCHOOLS,
        "schoolsInCohort",
        {"cohort": 2025, "updatedSince": since},
    )
    assert [n["urn"] for n in later] == [n["urn"] for n in seen if n["updatedAt"] >= since]
    assert (
        await walk(app_client, provider.token, SCHOOLS, "schoolsInCohort", {"cohort": 2099}) == []
    )
    missing = await gql(
        app_client, "{ schoolsInCohort { edges { node { urn } } } }", provider.token
    )
    assert "cohort" in missing["errors"][0]["message"], "the cohort is required, as in v3"


# -- delivery partners and statements ----------------------------------------------------


async def test_delivery_partners_list_the_cohorts_with_the_caller(
    app_client, seeded_db, providers
) -> None:
    provider = providers[0]
    async with seeded_db.session() as s:
        pairs = (
            await s.execute(
                sa.select(trm.DeliveryPartner.api_id, trm.ActiveLeadProvider.contract_period_year)
                .join(
                    trm.LeadProviderDeliveryPartnership,
                    trm.LeadProviderDeliveryPartnership.delivery_partner_id
                    == trm.DeliveryPartner.id,
                )
                .join(
                    trm.ActiveLeadProvider,
                    trm.ActiveLeadProvider.id
                    == trm.LeadProviderDeliveryPartnership.active_lead_provider_id,
                )
                .where(trm.ActiveLeadProvider.lead_provider_id == provider.org_id)
            )
        ).all()
    cohorts: dict[str, set[int]] = defaultdict(set)
    for api_id, year in pairs:
        cohorts[str(api_id)].add(year)
    result = await gql(app_client, PARTNERS, provider.token)
    listed = {
        e["node"]["apiId"]: e["node"]["cohorts"]
        for e in result["data"]["deliveryPartners"]["edges"]
    }
    assert listed == {k: sorted(v) for k, v in cohorts.items()}
    some = [k for k, v in cohorts.items() if 2022 in v]
    filtered = await gql(app_client, PARTNERS, provider.token, {"cohorts": [2022]})
    got = {e["node"]["apiId"] for e in filtered["data"]["deliveryPartners"]["edges"]}
    assert got == set(some) and got != set(cohorts), "only those with you in 2022"


async def test_statements_paid_and_dates(app_client, seeded_db, providers) -> None:
    provider = providers[0]
    result = await gql(app_client, STATEMENTS, provider.token)
    nodes = [e["node"] for e in result["data"]["statements"]["edges"]]
    async with seeded_db.session() as s:
        rows = {
            r.id: r
            for r in await s.execute(
                sa.select(pm.Statement.id, pm.Statement.status, pm.Statement.created_at).where(
                    pm.Statement.lead_provider_id == provider.org_id,
                    pm.Statement.fee_type == pm.FeeType.OUTPUT,
                )
            )
        }
    assert {pk(n) for n in nodes} == set(rows)
    for node in nodes:
        row = rows[pk(node)]
        assert node["paid"] is (row.status == pm.StatementStatus.PAID)
        assert dt.datetime.fromisoformat(node["createdAt"]) == row.created_at
    assert {n["paid"] for n in nodes} == {True, False}


# -- pages -------------------------------------------------------------------------------


async def test_lead_providers_take_pages_of_3000_and_no_more(app_client, providers, admin) -> None:
    provider = providers[0]
    for query, field, variables in (
        (DECLARATIONS, "declarations", {}),
        (PARTNERSHIPS, "partnerships", {}),
        (SCHOOLS, "schoolsInCohort", {"cohort": 2025}),
    ):
        ok = await gql(app_client, query, provider.token, {**variables, "first": 3000})
        assert "errors" not in ok and ok["data"][field]["edges"]
        too_many = await gql(app_client, query, provider.token, {**variables, "first": 3001})
        (error,) = too_many["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "3001" in error["message"] and "3000" in error["message"]
    default = await gql(app_client, DECLARATIONS, provider.token, {})
    assert len(default["data"]["declarations"]["edges"]) == 100, "100 by default"
    others = await gql(app_client, DECLARATIONS, admin.token, {"first": 101})
    assert others["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", "others: at most 100"


@pytest.fixture
async def restored(seeded_db: Database) -> AsyncIterator[list[Any]]:
    """Statements that undo what a test changed in the shared seed, run after it."""
    undo: list[Any] = []
    yield undo
    async with seeded_db.session() as s:
        for statement in reversed(undo):
            await s.execute(statement)
        await s.commit()


async def test_declaration_cursors_neither_skip_nor_repeat_unchanged_rows(
    app_client, seeded_db, providers, restored
) -> None:
    provider = providers[0]
    before = await walk(app_client, provider.token, DECLARATIONS, "declarations")
    assert len(before) > 50
    changed: set[int] = set()
    later = NOW + dt.timedelta(hours=1)

    async def change_between_pages(page: int) -> None:
        # After each page: one row already read and one not yet read change, and a new
        # row appears; all three sort last now.
        if page > 3:
            return
        seen_id, unseen_id = pk(before[page * 50 + 1]), pk(before[-(page + 1) * 5])
        async with seeded_db.session() as s:
            for ident in (seen_id, unseen_id):
                old = await s.scalar(
                    sa.select(pm.Declaration.updated_at).where(pm.Declaration.id == ident)
                )
                restored.append(
                    sa.update(pm.Declaration)
                    .where(pm.Declaration.id == ident)
                    .values(updated_at=old)
                )
                await s.execute(
                    sa.update(pm.Declaration)
                    .where(pm.Declaration.id == ident)
                    .values(updated_at=later)
                )
                changed.add(ident)
            source = (
                await s.execute(sa.select(pm.Declaration).where(pm.Declaration.id == seen_id))
            ).scalar_one()
            copy = pm.Declaration(
                training_period_id=source.training_period_id,
                teacher_id=source.teacher_id,
                lead_provider_id=source.lead_provider_id,
                participant_type=source.participant_type,
                delivery_partner_id=source.delivery_partner_id,
                declaration_type=source.declaration_type,
                declaration_date=source.declaration_date,
                payment_status=pm.PaymentStatus.VOIDED,
                payment_statement_id=source.payment_statement_id,
                api_id=uuid.uuid4(),
                created_at=later,
                updated_at=later,
            )
            s.add(copy)
            await s.flush()
            restored.append(sa.delete(pm.Declaration).where(pm.Declaration.id == copy.id))
            changed.add(copy.id)
            await s.commit()

    during = await walk(
        app_client,
        provider.token,
        DECLARATIONS,
        "declarations",
        first=7,
        between=change_between_pages,
    )
    unchanged_before = [pk(n) for n in before if pk(n) not in changed]
    unchanged_during = [pk(n) for n in during if pk(n) not in changed]
    assert unchanged_during == unchanged_before, "every unchanged row once, in order"
    assert len(changed) == 12 and set(changed) <= {pk(n) for n in during}, "changed rows come later"


async def test_partnership_cursors_neither_skip_nor_repeat_unchanged_rows(
    app_client, seeded_db, providers, restored
) -> None:
    provider = providers[0]
    before = await walk(app_client, provider.token, PARTNERSHIPS, "partnerships")
    assert len(before) > 30
    moved: set[int] = set()

    async def change_between_pages(page: int) -> None:
        # A school's induction tutor changes (the school row), which moves its
        # partnerships' stamp: they sort last now, read or not.
        if page > 2:
            return
        target = pk(before[-(page + 1) * 3])
        async with seeded_db.session() as s:
            school_id = await s.scalar(
                sa.select(trm.SchoolPartnership.school_id).where(trm.SchoolPartnership.id == target)
            )
            old = await s.scalar(sa.select(sm.School.updated_at).where(sm.School.id == school_id))
            restored.append(
                sa.update(sm.School).where(sm.School.id == school_id).values(updated_at=old)
            )
            await s.execute(
                sa.update(sm.School).where(sm.School.id == school_id).values(updated_at=NOW)
            )
            moved.update(
                (
                    await s.execute(
                        sa.select(trm.SchoolPartnership.id).where(
                            trm.SchoolPartnership.school_id == school_id
                        )
                    )
                ).scalars()
            )
            await s.commit()

    during = await walk(
        app_client,
        provider.token,
        PARTNERSHIPS,
        "partnerships",
        first=5,
        between=change_between_pages,
    )
    assert moved
    assert [pk(n) for n in during if pk(n) not in moved] == [
        pk(n) for n in before if pk(n) not in moved
    ]
    mine = {pk(n) for n in before}
    assert {i for i in moved if i in mine} <= {pk(n) for n in during}


async def test_statement_count_does_not_grow_with_the_page(client, seeded_db, providers) -> None:
    """Each new field is read for the whole page at once (loaders batch a level into one
    SELECT; the stamps and school facts are columns of the list's own SELECT)."""
    provider = providers[0]
    documents = Path(__file__).parent.parent / "operations" / "lead_provider"
    for name, variables in (
        ("Declarations", {}),
        ("Partnerships", {}),
        ("SchoolsByCohort", {"cohort": 2025}),
        ("DeliveryPartners", {}),
        ("Statements", {}),
    ):
        query = (documents / f"{name}.graphql").read_text()
        counts = {}
        for first in (100, 1000):
            await gql(client, "{ viewer { authenticated } }", provider.token)
            with count_statements(seeded_db) as statements:
                result = await gql(client, query, provider.token, {**variables, "first": first})
            assert "errors" not in result, (name, result)
            counts[first] = len(statements)
        assert counts[100] == counts[1000], (name, counts)


LOOKUPS = """query($d: UUID!, $p: UUID!, $s: UUID!, $dp: UUID!) {
  declaration(apiId: $d) { apiId } partnership(apiId: $p) { apiId }
  statement(apiId: $s) { apiId } deliveryPartner(apiId: $dp) { apiId } }"""


async def test_single_records_by_api_id_are_scoped(app_client, seeded_db, providers) -> None:
    """v3's GET /…/{id}: a provider finds its own records by their ids, and another
    provider's read as null, exactly as ones that do not exist."""
    a, b = providers
    lpdp, alp = trm.LeadProviderDeliveryPartnership, trm.ActiveLeadProvider

    async def records(provider_id: int, other_id: int) -> dict[str, str]:
        async with seeded_db.session() as s:
            declaration = await s.scalar(
                sa.select(pm.Declaration.api_id)
                .where(pm.Declaration.lead_provider_id == provider_id)
                .order_by(pm.Declaration.id)
                .limit(1)
            )
            partnership = await s.scalar(
                sa.select(trm.SchoolPartnership.api_id)
                .join(lpdp, lpdp.id == trm.SchoolPartnership.lead_provider_delivery_partnership_id)
                .join(alp, alp.id == lpdp.active_lead_provider_id)
                .where(alp.lead_provider_id == provider_id)
                .limit(1)
            )
            statement = await s.scalar(
                sa.select(pm.Statement.api_id)
                .where(
                    pm.Statement.lead_provider_id == provider_id,
                    pm.Statement.fee_type == pm.FeeType.OUTPUT,
                )
                .limit(1)
            )
            partner = await s.scalar(
                sa.select(trm.DeliveryPartner.api_id)
                .join(lpdp, lpdp.delivery_partner_id == trm.DeliveryPartner.id)
                .join(alp, alp.id == lpdp.active_lead_provider_id)
                .where(alp.lead_provider_id == provider_id)
                .where(
                    trm.DeliveryPartner.id.not_in(
                        sa.select(lpdp.delivery_partner_id)
                        .join(alp, alp.id == lpdp.active_lead_provider_id)
                        .where(alp.lead_provider_id == other_id)
                    )
                )
                .limit(1)
            )
        return {
            "d": str(declaration),
            "p": str(partnership),
            "s": str(statement),
            "dp": str(partner),
        }

    own = await records(a.org_id, b.org_id)
    found = await gql(app_client, LOOKUPS, a.token, own)
    assert {k: v["apiId"] for k, v in found["data"].items()} == {
        "declaration": own["d"],
        "partnership": own["p"],
        "statement": own["s"],
        "deliveryPartner": own["dp"],
    }
    theirs = await gql(app_client, LOOKUPS, b.token, own)
    assert theirs["data"]["partnership"] is None
    assert theirs["data"]["statement"] is None
    assert theirs["data"]["deliveryPartner"] is None, "one it does not work with"
