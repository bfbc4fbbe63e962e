"""Transfers and unfunded mentors, as the real service defines them (register-early-
career-teachers: ``Teachers::SchoolTransfers::History`` / ``::Transfer`` and
``API::Teachers::UnfundedMentors::Query``): the rule's cases on their own, then the
lead provider's queries over the seed, checked against plain SQL."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from gateway.auth.viewer import Role
from gateway.rules.transfers import (
    SchoolSpan,
    Training,
    TransferStatus,
    TransferType,
    transfers_for,
)
from tests.graph import call, callers
from tests.test_lead_provider_participants import (
    PROVIDER_TRAINING,
    busiest_provider,
    provider_token,
    rows,
)

TODAY = dt.date(2026, 11, 29)
STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
US, THEM = 1, 2


def span(pk: int, school: int, start: str, finish: str | None, ect: bool = True) -> SchoolSpan:
    return SchoolSpan(
        id=pk,
        is_ect=ect,
        school_id=school,
        school_urn=f"10000{school}",
        started_on=dt.date.fromisoformat(start),
        finished_on=dt.date.fromisoformat(finish) if finish else None,
    )


def training(
    pk: int, period: int, start: str, finish: str | None, provider: int | None, ect: bool = True
) -> Training:
    return Training(
        id=pk,
        at_school_id=period,
        is_ect=ect,
        started_on=dt.date.fromisoformat(start),
        finished_on=dt.date.fromisoformat(finish) if finish else None,
        lead_provider_id=provider,
        updated_at=STAMP,
    )


def find(periods: list[SchoolSpan], trainings: list[Training], completed: bool = False) -> list:
    return transfers_for(periods, trainings, US, induction_completed=completed, today=TODAY)


def test_moving_school_with_the_same_provider_is_a_new_school_transfer() -> None:
    periods = [span(1, 10, "2025-09-01", "2026-03-31"), span(2, 11, "2026-04-01", None)]
    trainings = [
        training(1, 1, "2025-09-01", "2026-03-31", US),
        training(2, 2, "2026-04-01", None, US),
    ]
    (t,) = find(periods, trainings)
    assert (t.type, t.status) == (TransferType.NEW_SCHOOL, TransferStatus.COMPLETE)
    assert (t.leaving_school.id, t.joining_school and t.joining_school.id) == (1, 2)


def test_moving_to_another_provider_concerns_both_and_is_a_new_provider_transfer() -> None:
    periods = [span(1, 10, "2025-09-01", "2026-03-31"), span(2, 11, "2026-04-01", None)]
    ours_then_theirs = [
        training(1, 1, "2025-09-01", "2026-03-31", US),
        training(2, 2, "2026-04-01", None, THEM),
    ]
    (t,) = find(periods, ours_then_theirs)
    assert t.type is TransferType.NEW_PROVIDER
    theirs_then_ours = [
        training(1, 1, "2025-09-01", "2026-03-31", THEM),
        training(2, 2, "2026-04-01", None, US),
    ]
    (t,) = find(periods, theirs_then_ours)
    assert t.type is TransferType.NEW_PROVIDER
    neither = [
        training(1, 1, "2025-09-01", "2026-03-31", THEM),
        training(2, 2, "2026-04-01", None, THEM),
    ]
    assert find(periods, neither) == []


def test_leaving_with_nowhere_to_go_yet_is_unknown_and_incomplete_until_the_last_day() -> None:
    left = [span(1, 10, "2025-09-01", "2026-03-31")]
    (t,) = find(left, [training(1, 1, "2025-09-01", "2026-03-31", US)])
    assert (t.type, t.status, t.joining) == (TransferType.UNKNOWN, TransferStatus.COMPLETE, None)
    leaving_today = [span(1, 10, "2025-09-01", "2026-11-29")]
    (t,) = find(leaving_today, [training(1, 1, "2025-09-01", "2026-11-29", US)])
    assert t.status is TransferStatus.INCOMPLETE, "the last day is today: not gone yet"


def test_joining_in_the_future_is_incomplete() -> None:
    periods = [span(1, 10, "2025-09-01", "2026-11-01"), span(2, 11, "2027-01-04", None)]
    trainings = [
        training(1, 1, "2025-09-01", "2026-11-01", US),
        training(2, 2, "2027-01-04", None, US),
    ]
    (t,) = find(periods, trainings)
    assert t.status is TransferStatus.INCOMPLETE


def test_no_transfer_when_nothing_moved() -> None:
    # Still training: the period or its latest training is open.
    open_training = [span(1, 10, "2025-09-01", "2026-03-31")]
    assert find(open_training, [training(1, 1, "2025-09-01", None, US)]) == []
    assert find([span(1, 10, "2025-09-01", None)], [training(1, 1, "2025-09-01", None, US)]) == []
    # A new period at the same school is not a transfer.
    same_school = [span(1, 10, "2025-09-01", "2026-03-31"), span(2, 10, "2026-04-01", None)]
    assert (
        find(
            same_school,
            [
                training(1, 1, "2025-09-01", "2026-03-31", US),
                training(2, 2, "2026-04-01", None, US),
            ],
        )
        == []
    )
    # Finished induction and no next school: completed, not transferred.
    done = [span(1, 10, "2024-09-01", "2026-07-20")]
    assert find(done, [training(1, 1, "2024-09-01", "2026-07-20", US)], completed=True) == []


def test_the_latest_training_leaves_and_the_earliest_joins() -> None:
    periods = [span(1, 10, "2024-09-01", "2026-03-31"), span(2, 11, "2026-04-01", None)]
    trainings = [
        training(1, 1, "2024-09-01", "2025-08-31", THEM),
        training(2, 1, "2025-09-01", "2026-03-31", US),
        training(3, 2, "2026-04-01", "2026-06-30", US),
        training(4, 2, "2026-07-01", None, THEM),
    ]
    (t,) = find(periods, trainings)
    assert (t.leaving.id, t.joining and t.joining.id) == (2, 3)
    assert t.type is TransferType.NEW_SCHOOL


def test_ect_and_mentor_periods_are_separate_histories() -> None:
    periods = [
        span(1, 10, "2024-09-01", "2026-03-31", ect=True),
        span(2, 11, "2026-04-01", None, ect=False),
    ]
    trainings = [
        training(1, 1, "2024-09-01", "2026-03-31", US, ect=True),
        training(2, 2, "2026-04-01", None, US, ect=False),
    ]
    (t,) = find(periods, trainings)
    assert t.is_ect and t.type is TransferType.UNKNOWN, "a mentor period is not where the ECT went"


TRANSFERS = """query($after: String, $first: Int) {
  participantTransfers(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { participantId transfers {
        trainingRecordId participantType transferType status
        leaving { schoolUrn provider date } joining { schoolUrn provider date } } } } } }"""


async def walk(client: Any, token: str, first: int) -> list[dict]:
    nodes: list[dict] = []
    after = None
    while True:
        result = await call(client, token, TRANSFERS, {"after": after, "first": first})
        assert "errors" not in result, result
        page = result["data"]["participantTransfers"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_transfers_concern_the_provider_and_page_without_gaps(app_client, seeded_db) -> None:
    lp = await busiest_provider(seeded_db)
    token = await provider_token(seeded_db, lp)
    (name,) = await rows(seeded_db, "SELECT name FROM lead_providers WHERE id = :i", i=lp)
    everyone = await walk(app_client, token, 1000)
    assert everyone and all(n["transfers"] for n in everyone)
    assert await walk(app_client, token, 7) == everyone, "small pages read the same list"
    book = {
        str(uuid.UUID(str(r["api_id"])))
        for r in await rows(
            seeded_db,
            "SELECT t.api_id FROM teachers t WHERE t.id IN (SELECT teacher_id FROM ("
            + PROVIDER_TRAINING
            + ") x)",
            lp=lp,
        )
    }
    finished_at = {
        (str(uuid.UUID(str(r["api_id"]))), r["urn"], str(r["finished_on"])[:10])
        for r in await rows(
            seeded_db,
            "SELECT t.api_id, s.urn, tp.finished_on FROM training_periods tp "
            "JOIN teachers t ON t.id = tp.teacher_id "
            "LEFT JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id "
            "LEFT JOIN mentor_at_school_periods m ON m.id = tp.mentor_at_school_period_id "
            "JOIN schools s ON s.id = COALESCE(e.school_id, m.school_id) "
            "WHERE tp.finished_on IS NOT NULL",
        )
    }
    kinds = set()
    for node in everyone:
        assert node["participantId"] in book, "only the provider's own participants"
        for t in node["transfers"]:
            leaving, joining = t["leaving"], t["joining"]
            assert name["name"] in (leaving["provider"], joining and joining["provider"])
            assert (node["participantId"], leaving["schoolUrn"], leaving["date"]) in finished_at
            if joining is None:
                assert t["transferType"] == "UNKNOWN"
            else:
                assert joining["schoolUrn"] != leaving["schoolUrn"]
                expected = (
                    "NEW_SCHOOL" if joining["provider"] == leaving["provider"] else "NEW_PROVIDER"
                )
                assert t["transferType"] == expected
            kinds.add(t["transferType"])
    assert kinds == {"NEW_SCHOOL", "NEW_PROVIDER", "UNKNOWN"}, kinds


async def test_only_lead_providers_read_transfers_and_unfunded_mentors(
    app_client, seeded_db
) -> None:
    query = """{ participantTransfers(first: 5) { edges { node { id } } }
                 unfundedMentors(first: 5) { edges { node { id } } } }"""
    for caller in await callers(seeded_db):
        if caller.role is Role.LEAD_PROVIDER:
            continue
        result = await call(app_client, caller.token, query, {})
        assert result["data"] == {
            "participantTransfers": {"edges": []},
            "unfundedMentors": {"edges": []},
        }, caller.label


async def test_unfunded_mentors_are_the_mentors_of_its_ects_it_does_not_train(
    app_client, seeded_db
) -> None:
    """The mentors in the latest mentorship of the ECT periods the provider trains,
    who have no training period with it."""
    lp = await busiest_provider(seeded_db)
    token = await provider_token(seeded_db, lp)
    expected = {
        str(uuid.UUID(str(r["api_id"])))
        for r in await rows(
            seeded_db,
            "SELECT DISTINCT t.api_id FROM mentorship_periods ms "
            "JOIN mentor_at_school_periods mp ON mp.id = ms.mentor_at_school_period_id "
            "JOIN teachers t ON t.id = mp.teacher_id "
            "WHERE ms.ect_at_school_period_id IN (SELECT ect_at_school_period_id FROM ("
            + PROVIDER_TRAINING
            + ") ours) "
            "AND NOT EXISTS (SELECT 1 FROM mentorship_periods l "
            "  WHERE l.ect_at_school_period_id = ms.ect_at_school_period_id "
            "  AND (l.started_on > ms.started_on OR (l.started_on = ms.started_on AND l.id > ms.id))) "
            "AND t.id NOT IN (SELECT teacher_id FROM (" + PROVIDER_TRAINING + ") trained)",
            lp=lp,
        )
    }
    assert expected, "the seed has mentors trained elsewhere"
    query = """{ unfundedMentors(first: 3000) { edges { node {
        id participantId fullName trn createdAt updatedAt } } } }"""
    result = await call(app_client, token, query, {})
    nodes = [e["node"] for e in result["data"]["unfundedMentors"]["edges"]]
    assert {n["participantId"] for n in nodes} == expected
    assert len(nodes) == len(expected)
    # They are not participants of this provider: not readable as teachers.
    teacher = await call(
        app_client,
        token,
        "query($p: UUID!) { teacher(participantId: $p) { id } }",
        {"p": nodes[0]["participantId"]},
    )
    assert teacher["data"]["teacher"] is None
    # Reachable by node id, through the same rule.
    by_id = await call(
        app_client,
        token,
        "query($id: ID!) { node(id: $id) { ... on UnfundedMentor { participantId } } }",
        {"id": nodes[0]["id"]},
    )
    assert by_id["data"]["node"] == {"participantId": nodes[0]["participantId"]}


async def test_a_newly_assigned_mentor_trained_elsewhere_arrives_as_updated(
    app_client, seeded_db
) -> None:
    """When a school assigns a mentor the provider does not train to an ECT it trains,
    the mentor shows up in ``unfundedMentors(updatedSince:)`` from that moment."""
    from gateway.auth.jwt_tokens import mint_development_token
    from tests.graph import global_id

    lp = await busiest_provider(seeded_db)
    token = await provider_token(seeded_db, lp)
    today = "2026-11-29"
    pairs = await rows(
        seeded_db,
        "SELECT e.id AS ect_id, m.id AS mentor_id, s.urn, t.api_id FROM ("
        + PROVIDER_TRAINING
        + ") tp JOIN ect_at_school_periods e ON e.id = tp.ect_at_school_period_id "
        "JOIN mentor_at_school_periods m ON m.school_id = e.school_id "
        "JOIN schools s ON s.id = e.school_id JOIN teachers t ON t.id = m.teacher_id "
        "WHERE tp.finished_on IS NULL AND e.finished_on IS NULL AND m.finished_on IS NULL "
        "AND e.started_on <= :today AND m.started_on <= :today "
        "AND m.teacher_id <> e.teacher_id "
        "AND m.teacher_id NOT IN (SELECT teacher_id FROM (" + PROVIDER_TRAINING + ") o) "
        "AND NOT EXISTS (SELECT 1 FROM mentorship_periods ms "
        "  WHERE ms.ect_at_school_period_id = e.id AND (ms.started_on >= :today "
        "  OR ms.finished_on >= :today OR ms.mentor_at_school_period_id = m.id)) "
        "ORDER BY e.id, m.id LIMIT 1",
        lp=lp,
        today=dt.date.fromisoformat(today),
    )
    assert pairs, "the seed has a mentor at a school of the provider's ECT, trained elsewhere"
    (pair,) = pairs
    since = "2026-11-29T12:00:00+00:00"  # the pinned clock's now
    query = """query($since: DateTime) { unfundedMentors(first: 3000, updatedSince: $since) {
        edges { node { participantId updatedAt } } } }"""
    mentor_id = str(uuid.UUID(str(pair["api_id"])))

    async def listed() -> set[str]:
        result = await call(app_client, token, query, {"since": since})
        return {e["node"]["participantId"] for e in result["data"]["unfundedMentors"]["edges"]}

    assert mentor_id not in await listed()
    school = mint_development_token(seeded_db.settings, Role.SCHOOL_USER, school_urn=pair["urn"])
    assigned = await call(
        app_client,
        school,
        """mutation($input: AssignMentorInput!) { assignMentor(input: $input) {
            userErrors { code message } } }""",
        {
            "input": {
                "ectAtSchoolPeriodId": global_id("ECTAtSchoolPeriod", pair["ect_id"]),
                "mentorAtSchoolPeriodId": global_id("MentorAtSchoolPeriod", pair["mentor_id"]),
                "startedOn": today,
            }
        },
    )
    assert assigned["data"]["assignMentor"]["userErrors"] == [], assigned
    assert mentor_id in await listed()
