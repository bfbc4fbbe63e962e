"""What a lead provider reads about its participants, checked against the rules of the
real service (DOMAIN.md; DfE's register-early-career-teachers: ``API::TeacherSerializer``,
``API::TrainingPeriods::TeacherStatus``) with plain SQL over the seed, through HTTP with
a real API token and the clock pinned to the seed's today.

Each test states the rule it checks; the expected values are computed here from the
stored rows, never read back from the graph's own code.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.auth import api_tokens
from gateway.db import Database
from gateway.rules import derived
from tests.conftest import SEED_TODAY
from tests.graph import answer, call, decode_global_id

# The training periods of lead provider :lp (through a partnership or an expression of
# interest), with what the rules below need.
PROVIDER_TRAINING = """
    SELECT tp.id, tp.teacher_id, tp.started_on, tp.finished_on,
           tp.ect_at_school_period_id IS NOT NULL AS is_ect,
           tp.withdrawn_at, tp.deferred_at, tp.schedule_id, tp.school_partnership_id,
           tp.ect_at_school_period_id, tp.mentor_at_school_period_id,
           COALESCE(s.contract_period_year, sp.contract_period_year) AS cohort,
           COALESCE(e.school_id, m.school_id) AS school_id,
           COALESCE(e.email, m.email) AS email
    FROM training_periods tp
    LEFT JOIN schedules s ON s.id = tp.schedule_id
    LEFT JOIN school_partnerships sp ON sp.id = tp.school_partnership_id
    LEFT JOIN lead_provider_delivery_partnerships l
           ON l.id = sp.lead_provider_delivery_partnership_id
    LEFT JOIN active_lead_providers a ON a.id = l.active_lead_provider_id
    LEFT JOIN active_lead_providers eoi ON eoi.id = tp.expression_of_interest_id
    LEFT JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id
    LEFT JOIN mentor_at_school_periods m ON m.id = tp.mentor_at_school_period_id
    WHERE a.lead_provider_id = :lp OR eoi.lead_provider_id = :lp
"""

ENROLMENT_FIELDS = """
    id trainingRecordId participantType eligibleForFunding participantStatus
    trainingStatus pupilPremiumUplift sparsityUplift cohort email startedOn finishedOn
    mentorFundingEndDate mentorIneligibleForFundingReason cohortChangedAfterPaymentsFrozen
    inductionEndDate overallInductionStartDate schoolUrn scheduleIdentifier
"""

PARTICIPANTS = (
    """query($after: String, $history: Boolean!) {
      teachers(first: 3000, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { participantId enrolments(includeHistory: $history) { """
    + ENROLMENT_FIELDS
    + """ } } } } }"""
)


async def provider_token(db: Database, lead_provider_id: int) -> str:
    async with db.session() as s:
        token = await api_tokens.issue(s, lead_provider_id, "participant tests")
        await s.commit()
    return token


async def rows(db: Database, sql: str, **params: Any) -> list[Any]:
    async with db.session() as s:
        return list((await s.execute(sa.text(sql), params)).mappings().all())


async def busiest_provider(db: Database) -> int:
    (row,) = await rows(
        db,
        "SELECT a.lead_provider_id AS id FROM training_periods tp "
        "JOIN active_lead_providers a ON a.id = tp.expression_of_interest_id "
        "OR a.id IN (SELECT l.active_lead_provider_id FROM school_partnerships sp "
        "JOIN lead_provider_delivery_partnerships l "
        "ON l.id = sp.lead_provider_delivery_partnership_id WHERE sp.id = tp.school_partnership_id) "
        "GROUP BY a.lead_provider_id ORDER BY count(*) DESC, a.lead_provider_id LIMIT 1",
    )
    return int(row["id"])


async def participants(client: Any, token: str, history: bool) -> dict[str, list[dict]]:
    """participantId -> enrolments, every page."""
    found: dict[str, list[dict]] = {}
    after = None
    while True:
        result = await call(client, token, PARTICIPANTS, {"after": after, "history": history})
        assert "errors" not in result, result
        page = result["data"]["teachers"]
        for edge in page["edges"]:
            found[edge["node"]["participantId"]] = edge["node"]["enrolments"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


@pytest.fixture(scope="module")
async def book(app_client, seeded_db) -> dict[str, Any]:
    """The busiest provider's participants read twice (v3 view and history), and the
    stored rows to check them against."""
    lp = await busiest_provider(seeded_db)
    token = await provider_token(seeded_db, lp)
    training = await rows(seeded_db, PROVIDER_TRAINING, lp=lp)
    teacher_ids = {t["teacher_id"] for t in training}
    teachers = {
        t["id"]: t
        for t in await rows(seeded_db, "SELECT * FROM teachers")
        if t["id"] in teacher_ids
    }
    return {
        "lp": lp,
        "token": token,
        "training": {t["id"]: t for t in training},
        "teachers": teachers,
        "by_api_id": {str(uuid.UUID(str(t["api_id"]))): t for t in teachers.values()},
        "v3": await participants(app_client, token, history=False),
        "history": await participants(app_client, token, history=True),
    }


def _pk(enrolment: dict) -> int:
    return decode_global_id(enrolment["id"])[1]


def _uuid(value: Any) -> str:
    return str(uuid.UUID(str(value)))


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


async def test_history_holds_every_training_period_with_the_provider(book) -> None:
    """includeHistory: every training period the provider has with its participants."""
    seen = [_pk(e) for enrolments in book["history"].values() for e in enrolments]
    assert sorted(seen) == sorted(book["training"])
    assert set(book["v3"]) == set(book["history"]) == set(book["by_api_id"])


def latest_training(training: dict[int, Any]) -> dict[tuple[int, bool], Any]:
    """(teacher id, is ECT) -> the training period that started last (then by id)."""
    latest: dict[tuple[int, bool], Any] = {}
    for t in training.values():
        key = (t["teacher_id"], bool(t["is_ect"]))
        if key not in latest or (_date(t["started_on"]), t["id"]) > (
            _date(latest[key]["started_on"]),
            latest[key]["id"],
        ):
            latest[key] = t
    return latest


async def test_v3_gives_the_latest_ect_and_latest_mentor_enrolment(book) -> None:
    """Correction 2: one enrolment per participant type, the one that started last."""
    latest = latest_training(book["training"])
    two_of_a_type = 0
    for participant_id, enrolments in book["v3"].items():
        teacher = book["by_api_id"][participant_id]
        expected = [
            latest[(teacher["id"], is_ect)]["id"]
            for is_ect in (True, False)
            if (teacher["id"], is_ect) in latest
        ]
        assert [_pk(e) for e in enrolments] == expected
        two_of_a_type += len(book["history"][participant_id]) > len(enrolments)
    assert two_of_a_type > 0, "the seed has participants with two periods of one type"


async def test_training_record_id_is_the_teachers_per_type_and_survives_replacement(book) -> None:
    """Correction 1: the teacher's stored id for the enrolment's type, the same on
    every training period of that type (a replaced period keeps it)."""
    replaced = 0
    for participant_id, enrolments in book["history"].items():
        teacher = book["by_api_id"][participant_id]
        by_type: dict[str, set[str]] = defaultdict(set)
        for e in enrolments:
            column = (
                "api_ect_training_record_id"
                if e["participantType"] == "ECT"
                else "api_mentor_training_record_id"
            )
            assert e["trainingRecordId"] == _uuid(teacher[column])
            by_type[e["participantType"]].add(e["id"])
        replaced += any(len(ids) > 1 for ids in by_type.values())
    assert replaced > 0


async def test_eligible_for_funding_is_the_stored_fact_of_the_enrolments_type(book) -> None:
    """Correction 3: set once per participant type, never computed from today's
    induction; mentors and passed ECTs keep theirs."""
    mentors_eligible = 0
    for participant_id, enrolments in book["history"].items():
        teacher = book["by_api_id"][participant_id]
        for e in enrolments:
            column = (
                "ect_first_became_eligible_for_funding_at"
                if e["participantType"] == "ECT"
                else "mentor_first_became_eligible_for_funding_at"
            )
            assert e["eligibleForFunding"] is (teacher[column] is not None)
            mentors_eligible += e["participantType"] == "MENTOR" and e["eligibleForFunding"]
    assert mentors_eligible > 0, "eligible mentors read true"


async def test_uplifts_only_in_cohorts_that_pay_uplift_fees(book, seeded_db) -> None:
    """Correction 4: the school's flags for the cohort, and only when the cohort's
    contract period has uplift fees enabled."""
    enabled = {
        r["year"]: bool(r["uplift_fees_enabled"])
        for r in await rows(seeded_db, "SELECT year, uplift_fees_enabled FROM contract_periods")
    }
    flags = {
        (r["school_id"], r["contract_period_year"]): (
            bool(r["pupil_premium_uplift"]),
            bool(r["sparsity_uplift"]),
        )
        for r in await rows(seeded_db, "SELECT * FROM school_funding")
    }
    suppressed = paid = 0
    for enrolments in book["history"].values():
        for e in enrolments:
            t = book["training"][_pk(e)]
            school_flags = flags.get((t["school_id"], t["cohort"]), (False, False))
            expected = school_flags if enabled.get(t["cohort"]) else (False, False)
            assert (e["pupilPremiumUplift"], e["sparsityUplift"]) == expected
            suppressed += any(school_flags) and not enabled.get(t["cohort"])
            paid += any(expected)
    assert suppressed > 0 and paid > 0, (suppressed, paid)


async def test_participant_status_follows_the_training_period(book, seeded_db) -> None:
    """Correction 5 (the real service's TeacherStatus): active once the induction
    finished with an outcome or mentor funding ended; else joining before the training
    starts, active while open, leaving until its last day, left after. Withdrawn and
    deferred training is closed, so it reads leaving or left."""
    completed = {
        r["teacher_id"]
        for r in await rows(
            seeded_db,
            "SELECT teacher_id FROM induction_periods "
            "WHERE outcome IS NOT NULL AND finished_on IS NOT NULL",
        )
    }
    stopped_not_active = 0
    statuses: set[str] = set()
    for participant_id, enrolments in book["history"].items():
        teacher = book["by_api_id"][participant_id]
        for e in enrolments:
            t = book["training"][_pk(e)]
            started, finished = _date(t["started_on"]), _date(t["finished_on"])
            if teacher["mentor_became_ineligible_for_funding_on"] or teacher["id"] in completed:
                expected = "ACTIVE"
            elif started > SEED_TODAY:
                expected = "JOINING"
            elif finished is None:
                expected = "ACTIVE"
            elif finished >= SEED_TODAY:  # our finished_on is the last day
                expected = "LEAVING"
            else:
                expected = "LEFT"
            assert e["participantStatus"] == expected, (e, t)
            statuses.add(expected)
            if (t["withdrawn_at"] or t["deferred_at"]) and expected != "ACTIVE":
                stopped_not_active += 1
    assert stopped_not_active > 0, "withdrawn and deferred enrolments no longer read active"
    assert {"ACTIVE", "LEFT"} <= statuses


def test_participant_status_rule_cases() -> None:
    """The rule's branches on their own (the real service's TeacherStatus)."""
    today = dt.date(2026, 11, 29)
    status = derived.enrolment_participant_status
    plain = {"mentor_funding_ended": False, "induction_completed": False}
    assert status(dt.date(2026, 12, 1), None, today, **plain) == "joining"
    assert status(dt.date(2026, 9, 1), None, today, **plain) == "active"
    assert status(dt.date(2026, 9, 1), today, today, **plain) == "leaving"
    assert status(dt.date(2026, 9, 1), dt.date(2027, 1, 1), today, **plain) == "leaving"
    assert status(dt.date(2026, 9, 1), dt.date(2026, 11, 28), today, **plain) == "left"
    for done in (
        {"mentor_funding_ended": True, "induction_completed": False},
        {"mentor_funding_ended": False, "induction_completed": True},
    ):
        assert status(dt.date(2026, 9, 1), dt.date(2026, 10, 1), today, **done) == "active"
        assert status(dt.date(2027, 1, 1), None, today, **done) == "active"


async def test_mentor_and_payment_facts_are_per_type(book) -> None:
    """v3's mentor funding end date and ineligibility reason are the mentor's, null on
    an ECT enrolment; cohortChangedAfterPaymentsFrozen reads that type's frozen year."""
    ineligible_mentors = 0
    for participant_id, enrolments in book["v3"].items():
        teacher = book["by_api_id"][participant_id]
        for e in enrolments:
            if e["participantType"] == "ECT":
                assert e["mentorFundingEndDate"] is None
                assert e["mentorIneligibleForFundingReason"] is None
                frozen = teacher["ect_payments_frozen_year"]
            else:
                ended = _date(teacher["mentor_became_ineligible_for_funding_on"])
                assert _date(e["mentorFundingEndDate"]) == ended
                reason = teacher["mentor_became_ineligible_for_funding_reason"]
                assert e["mentorIneligibleForFundingReason"] == (reason.upper() if reason else None)
                ineligible_mentors += ended is not None
                frozen = teacher["mentor_payments_frozen_year"]
            assert e["cohortChangedAfterPaymentsFrozen"] is (frozen is not None)
    assert ineligible_mentors > 0


async def test_email_only_while_the_provider_trains_them(book) -> None:
    """Correction 10: the email of the ECT or mentor period while this provider trains
    them there (a training period with it on that period, open or ending today or
    later), null once that training ended."""

    def at_school(t: Any) -> tuple[int | None, int | None]:
        return (t["ect_at_school_period_id"], t["mentor_at_school_period_id"])

    trained_now = {
        at_school(t)
        for t in book["training"].values()
        if t["finished_on"] is None or _date(t["finished_on"]) >= SEED_TODAY
    }
    shown = hidden = 0
    for enrolments in book["history"].values():
        for e in enrolments:
            t = book["training"][_pk(e)]
            if at_school(t) in trained_now:
                assert e["email"] == t["email"]
                shown += 1
            else:
                assert e["email"] is None
                hidden += 1
    assert shown and hidden


async def test_another_providers_participant_is_not_visible(app_client, seeded_db, book) -> None:
    """Correction 10: a participant who never trained with this provider is invisible,
    email and all: the same null as an unknown id."""
    (other,) = await rows(
        seeded_db,
        "SELECT t.api_id FROM teachers t WHERE t.id NOT IN (SELECT tp.teacher_id FROM ("
        + PROVIDER_TRAINING
        + ") tp) AND t.id IN (SELECT teacher_id FROM training_periods) ORDER BY t.id LIMIT 1",
        lp=book["lp"],
    )
    query = """query($p: UUID!) { teacher(participantId: $p) { fullName
        enrolments(includeHistory: true) { email } } }"""
    result = await call(app_client, book["token"], query, {"p": _uuid(other["api_id"])})
    assert answer(result) == {"data": {"teacher": None}}


async def test_induction_tutor_of_partnership_schools_only(app_client, seeded_db, book) -> None:
    """Correction 10: the induction tutor's name and email of the provider's partnership
    schools while a partnership lasts (its cohort has not finished, or someone still
    trains under it); of other schools, and after every partnership ended, nothing."""
    partnered = (
        "SELECT s.urn, sp.contract_period_year, cp.finished_on AS cohort_finished_on, "
        "EXISTS (SELECT 1 FROM training_periods t WHERE t.school_partnership_id = sp.id "
        "AND t.started_on <= :today AND (t.finished_on IS NULL OR t.finished_on >= :today)) "
        "AS training FROM schools s JOIN school_partnerships sp ON sp.school_id = s.id "
        "JOIN contract_periods cp ON cp.year = sp.contract_period_year "
        "JOIN lead_provider_delivery_partnerships l "
        "ON l.id = sp.lead_provider_delivery_partnership_id "
        "JOIN active_lead_providers a ON a.id = l.active_lead_provider_id "
        "WHERE a.lead_provider_id = :lp AND s.induction_tutor_email IS NOT NULL"
    )
    lasting: set[str] = set()
    every: set[str] = set()
    for r in await rows(seeded_db, partnered, lp=book["lp"], today=SEED_TODAY):
        every.add(r["urn"])
        finished_on = r["cohort_finished_on"]
        if isinstance(finished_on, str):  # SQLite hands dates back as text here
            finished_on = dt.date.fromisoformat(finished_on)
        if finished_on >= SEED_TODAY or r["training"]:
            lasting.add(r["urn"])
    ended = every - lasting
    assert lasting and ended, "the seed must have partnerships that last and that ended"
    (other,) = await rows(
        seeded_db,
        "SELECT urn, induction_tutor_email FROM schools WHERE induction_tutor_email IS NOT NULL "
        "AND id NOT IN (SELECT sp.school_id FROM school_partnerships sp "
        "JOIN lead_provider_delivery_partnerships l "
        "ON l.id = sp.lead_provider_delivery_partnership_id "
        "JOIN active_lead_providers a ON a.id = l.active_lead_provider_id "
        "WHERE a.lead_provider_id = :lp) ORDER BY id LIMIT 1",
        lp=book["lp"],
    )
    query = "query($u: String!) { school(urn: $u) { inductionTutorName inductionTutorEmail } }"

    async def tutor(urn: str) -> dict:
        return (await call(app_client, book["token"], query, {"u": urn}))["data"]["school"]

    seen = await tutor(sorted(lasting)[0])
    assert seen["inductionTutorEmail"] and seen["inductionTutorName"]
    nobody = {"inductionTutorName": None, "inductionTutorEmail": None}
    assert await tutor(other["urn"]) == nobody
    assert await tutor(sorted(ended)[0]) == nobody


async def test_participant_id_changes_and_the_from_participant_id_filter(
    app_client, seeded_db, book
) -> None:
    """v3's participant_id_changes on the participant, and ``from_participant_id``: an
    old id finds the participant it now points at, only for a provider that sees them."""
    changes = await rows(seeded_db, "SELECT * FROM teacher_id_changes ORDER BY created_at, id")
    ours = [c for c in changes if c["teacher_id"] in book["teachers"]]
    theirs = [c for c in changes if c["teacher_id"] not in book["teachers"]]
    assert ours and theirs, "the seed has id changes inside and outside the book"
    query = """query($from: UUID!) { teachers(fromParticipantId: $from) { edges { node {
        participantId participantIdChanges { fromParticipantId toParticipantId changedAt }
    } } } }"""
    change = ours[0]
    result = await call(
        app_client, book["token"], query, {"from": _uuid(change["api_from_teacher_id"])}
    )
    (edge,) = result["data"]["teachers"]["edges"]
    teacher = book["teachers"][change["teacher_id"]]
    assert edge["node"]["participantId"] == _uuid(teacher["api_id"])
    expected = [
        (_uuid(c["api_from_teacher_id"]), _uuid(c["api_to_teacher_id"]))
        for c in ours
        if c["teacher_id"] == change["teacher_id"]
    ]
    assert [
        (c["fromParticipantId"], c["toParticipantId"]) for c in edge["node"]["participantIdChanges"]
    ] == expected
    hidden = await call(
        app_client, book["token"], query, {"from": _uuid(theirs[0]["api_from_teacher_id"])}
    )
    assert hidden["data"]["teachers"]["edges"] == []


SYNC_PAGE = """query($after: String, $since: DateTime) {
  teachers(first: 50, after: $after, updatedSince: $since) {
    pageInfo { hasNextPage endCursor }
    edges { node { participantId updatedAt enrolments { workingPattern } } } } }"""

CHANGE_ECT = """mutation($input: ChangeECTDetailsInput!) { changeEctDetails(input: $input) {
    ectAtSchoolPeriod { updatedAt } userErrors { code } } }"""


async def test_a_change_during_a_sync_moves_the_participant_forward(
    app_client, seeded_db, book
) -> None:
    """Updated since: a school's change to what a provider sees moves the participant's
    stamp forward; a sync under way (cursor pages) still reads everyone, and reads the
    changed participant again, with the change, on a later page (a cursor is the last
    row's key, so nothing shifts)."""
    from gateway.auth.jwt_tokens import mint_development_token
    from gateway.auth.viewer import Role

    lp = book["lp"]
    # An ECT the provider trains now at an open ECT period, full time.
    (target,) = await rows(
        seeded_db,
        "SELECT e.id AS ect_id, e.updated_at, s.urn, t.api_id FROM ("
        + PROVIDER_TRAINING
        + ") tp JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id "
        "JOIN schools s ON s.id = e.school_id JOIN teachers t ON t.id = e.teacher_id "
        "WHERE tp.finished_on IS NULL AND e.finished_on IS NULL "
        "AND e.working_pattern = 'full_time' ORDER BY t.api_updated_at, t.id LIMIT 1",
        lp=lp,
    )
    target_id = _uuid(target["api_id"])
    everyone = set(book["v3"])

    seen: list[dict] = []
    after = None
    changed = False
    while True:
        result = await call(app_client, book["token"], SYNC_PAGE, {"after": after, "since": None})
        page = result["data"]["teachers"]
        seen += [e["node"] for e in page["edges"]]
        if not changed and target_id in {n["participantId"] for n in seen}:
            school = mint_development_token(
                seeded_db.settings, Role.SCHOOL_USER, school_urn=target["urn"]
            )
            stamp = target["updated_at"]
            stamp = stamp if isinstance(stamp, dt.datetime) else dt.datetime.fromisoformat(stamp)
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=dt.UTC)
            from tests.graph import global_id

            done = await call(
                app_client,
                school,
                CHANGE_ECT,
                {
                    "input": {
                        "ectAtSchoolPeriodId": global_id("ECTAtSchoolPeriod", target["ect_id"]),
                        "expectedUpdatedAt": stamp.isoformat(),
                        "workingPattern": "PART_TIME",
                    }
                },
            )
            assert done["data"]["changeEctDetails"]["userErrors"] == [], done
            changed = True
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert changed
    ids = [n["participantId"] for n in seen]
    assert set(ids) == everyone, "nobody is missed"
    assert ids.count(target_id) == 2 and len(ids) == len(everyone) + 1
    last = [n for n in seen if n["participantId"] == target_id][-1]
    assert [e["workingPattern"] for e in last["enrolments"] if e["workingPattern"]] == ["PART_TIME"]
    # The next sync, from the changed stamp, starts with it.
    again = await call(
        app_client, book["token"], SYNC_PAGE, {"after": None, "since": last["updatedAt"]}
    )
    assert target_id in {e["node"]["participantId"] for e in again["data"]["teachers"]["edges"]}


FILTERED = """query($status: TrainingStatus, $cohorts: [Int!]) {
  teachers(first: 3000, trainingStatus: $status, cohorts: $cohorts) {
    pageInfo { hasNextPage } edges { node { participantId } } } }"""


async def test_training_filters_apply_to_the_enrolments(app_client, book) -> None:
    """v3 filters a participant by its latest ECT and latest mentor training with the
    provider: a withdrawn period that was replaced does not make them "withdrawn"."""
    latest = latest_training(book["training"])
    api_ids = {t["id"]: _uuid(t["api_id"]) for t in book["teachers"].values()}

    def expected(matches: Any) -> set[str]:
        return {api_ids[teacher_id] for (teacher_id, _), t in latest.items() if matches(t)}

    def withdrawal_wins(t: Any) -> bool:
        # Correction 6: a deferred participant may be withdrawn; the latest stop wins.
        return t["withdrawn_at"] is not None and (
            t["deferred_at"] is None or t["withdrawn_at"] >= t["deferred_at"]
        )

    withdrawn = expected(withdrawal_wins)
    replaced = {
        api_ids[t["teacher_id"]] for t in book["training"].values() if t["withdrawn_at"]
    } - withdrawn
    assert withdrawn and replaced, "the seed has withdrawals, some of them replaced"
    cohort = max(t["cohort"] for t in latest.values() if t["cohort"] is not None)
    for variables, want in (
        ({"status": "WITHDRAWN"}, withdrawn),
        (
            {"status": "DEFERRED"},
            expected(lambda t: t["deferred_at"] is not None and not withdrawal_wins(t)),
        ),
        ({"cohorts": [cohort]}, expected(lambda t: t["cohort"] == cohort and t["schedule_id"])),
    ):
        result = await call(app_client, book["token"], FILTERED, variables)
        page = result["data"]["teachers"]
        assert not page["pageInfo"]["hasNextPage"]
        assert {e["node"]["participantId"] for e in page["edges"]} == want, variables
