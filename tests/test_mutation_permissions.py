"""Each role may call only its own mutations; what a caller may do is told by the graph
from the same table (policy.ACTIONS)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema

from gateway.auth import policy
from gateway.auth.viewer import Role
from gateway.db import Database
from gateway.schema import schema
from tests.graph import Caller, callers, global_id, gql

APPROPRIATE_BODY = {
    "claimEct",
    "recordInductionPass",
    "recordInductionFail",
    "releaseEct",
    "addInductionExtension",
    "updateInductionPeriod",
    "updateInductionExtension",
}
ADMIN = {"correctInductionPeriod", "reopenInductionPeriod", "deleteInductionPeriod"}
SCHOOL = {
    "registerEct",
    "registerMentor",
    "assignMentor",
    "reportLeaving",
    "setInductionTutor",
    "changeEctDetails",
    "changeTrainingChoice",
}
LEAD_PROVIDER = {
    "withdrawParticipant",
    "deferParticipant",
    "resumeParticipant",
    "changeParticipantSchedule",
    "createPartnership",
    "updatePartnership",
    "createDeclaration",
    "voidDeclaration",
}
FINANCE = {
    "voidDeclaration",
    "markStatementPayable",
    "authoriseStatementPayment",
    "addStatementAdjustment",
    "removeStatementAdjustment",
}
EXPECTED = {
    Role.APPROPRIATE_BODY_USER: APPROPRIATE_BODY,
    Role.ADMIN: ADMIN,
    Role.SCHOOL_USER: SCHOOL,
    Role.LEAD_PROVIDER: LEAD_PROVIDER,
    Role.FINANCE: FINANCE,
}

# Every mutation document under operations/, with input that no rule accepts, so that
# nothing can be written whoever calls it.
OPERATIONS = Path(__file__).parent.parent / "operations"
MISSING_PERIOD = global_id("InductionPeriod", 999_999_999)
CLOSE = {"inductionPeriodId": MISSING_PERIOD, "finishedOn": "2025-09-01", "numberOfTerms": "1"}
VERSION = {"inductionPeriodId": MISSING_PERIOD, "expectedUpdatedAt": "2025-01-01T00:00:00Z"}
NOBODY = {"participantId": "00000000-0000-4000-8000-000000000000", "participantType": "ECT"}
NO_PARTNER = "00000000-0000-4000-8000-000000000001"
CALLS = {
    "claimEct": (
        "appropriate_body_user/ClaimECT",
        {
            "trn": "0000000",
            "dateOfBirth": "1990-01-01",
            "startedOn": "2025-09-01",
            "trainingProgramme": "PROVIDER_LED",
        },
    ),
    "recordInductionPass": ("appropriate_body_user/RecordInductionPass", CLOSE),
    "recordInductionFail": ("appropriate_body_user/RecordInductionFail", CLOSE),
    "releaseEct": ("appropriate_body_user/ReleaseECT", CLOSE),
    "addInductionExtension": (
        "appropriate_body_user/AddInductionExtension",
        {"teacherId": global_id("Teacher", 999_999_999), "numberOfTerms": "1"},
    ),
    "updateInductionPeriod": ("appropriate_body_user/UpdateInductionPeriod", VERSION),
    "updateInductionExtension": (
        "appropriate_body_user/UpdateInductionExtension",
        {
            "inductionExtensionId": global_id("InductionExtension", 999_999_999),
            "numberOfTerms": "1",
        },
    ),
    "registerEct": (
        "school_user/RegisterEct",
        {
            "trn": "0000000",
            "dateOfBirth": "1990-01-01",
            "startedOn": "2025-09-01",
            "email": "nobody@example.com",
            "workingPattern": "FULL_TIME",
            "appropriateBodyId": global_id("AppropriateBody", 1),
            "trainingProgramme": "SCHOOL_LED",
        },
    ),
    "registerMentor": (
        "school_user/RegisterMentor",
        {
            "trn": "0000000",
            "dateOfBirth": "1990-01-01",
            "startedOn": "2025-09-01",
            "email": "nobody@example.com",
        },
    ),
    "assignMentor": (
        "school_user/AssignMentor",
        {
            "ectAtSchoolPeriodId": global_id("ECTAtSchoolPeriod", 999_999_999),
            "mentorAtSchoolPeriodId": global_id("MentorAtSchoolPeriod", 999_999_999),
            "startedOn": "2025-09-01",
        },
    ),
    "reportLeaving": (
        "school_user/ReportLeaving",
        {
            "atSchoolPeriodId": global_id("ECTAtSchoolPeriod", 999_999_999),
            "finishedOn": "2025-09-01",
        },
    ),
    "setInductionTutor": (
        "school_user/SetInductionTutor",
        {"name": "A Tutor", "email": "not an email"},
    ),
    "changeEctDetails": (
        "school_user/ChangeEctDetails",
        {
            "ectAtSchoolPeriodId": global_id("ECTAtSchoolPeriod", 999_999_999),
            "expectedUpdatedAt": "2025-01-01T00:00:00Z",
        },
    ),
    "changeTrainingChoice": (
        "school_user/ChangeTrainingChoice",
        {
            "ectAtSchoolPeriodId": global_id("ECTAtSchoolPeriod", 999_999_999),
            "startedOn": "2025-09-01",
            "trainingProgramme": "SCHOOL_LED",
        },
    ),
    "correctInductionPeriod": ("admin/CorrectInductionPeriod", VERSION),
    "reopenInductionPeriod": ("admin/ReopenInductionPeriod", VERSION),
    "deleteInductionPeriod": ("admin/DeleteInductionPeriod", VERSION),
    "withdrawParticipant": ("lead_provider/WithdrawParticipant", NOBODY | {"reason": "OTHER"}),
    "deferParticipant": ("lead_provider/DeferParticipant", NOBODY | {"reason": "OTHER"}),
    "resumeParticipant": ("lead_provider/ResumeParticipant", NOBODY),
    "changeParticipantSchedule": (
        "lead_provider/ChangeParticipantSchedule",
        NOBODY | {"scheduleIdentifier": "ecf-standard-january"},
    ),
    "createPartnership": (
        "lead_provider/CreatePartnership",
        # No 2020 cohort (contract periods start in 2021): refused whatever today is.
        {"cohort": 2020, "schoolUrn": "000000", "deliveryPartnerId": NO_PARTNER},
    ),
    "updatePartnership": (
        "lead_provider/UpdatePartnership",
        {"partnershipId": NO_PARTNER, "deliveryPartnerId": NO_PARTNER},
    ),
    "createDeclaration": (
        "lead_provider/CreateDeclaration",
        {
            "participantId": "00000000-0000-4000-8000-000000000000",
            "declarationType": "STARTED",
            "declarationDate": "2025-10-01T09:00:00Z",
            "courseIdentifier": "ecf-induction",
        },
    ),
    "voidDeclaration": (
        "lead_provider/VoidDeclaration",
        {"declarationId": "00000000-0000-4000-8000-000000000000"},
    ),
    "markStatementPayable": (
        "finance/MarkStatementPayable",
        {"statementId": global_id("Statement", 999_999_999)},
    ),
    "authoriseStatementPayment": (
        "finance/AuthoriseStatementPayment",
        {"statementId": global_id("Statement", 999_999_999)},
    ),
    "addStatementAdjustment": (
        "finance/AddStatementAdjustment",
        {
            "statementId": global_id("Statement", 999_999_999),
            "description": "Nothing",
            "amount": "1.00",
        },
    ),
    "removeStatementAdjustment": (
        "finance/RemoveStatementAdjustment",
        {"adjustmentId": global_id("StatementAdjustment", 999_999_999)},
    ),
}
# A mutation more than one role calls may have a document per frontend as well.
ALSO = {
    "voidDeclaration": [
        ("finance/VoidDeclaration", {"declarationId": "00000000-0000-4000-8000-000000000000"})
    ],
}


def document(path: str) -> str:
    return (OPERATIONS / f"{path}.graphql").read_text()


@pytest.fixture(scope="module")
async def all_callers(seeded_db: Database) -> list[Caller]:
    return await callers(seeded_db)


def test_every_mutation_is_named_in_the_policy_and_nothing_else_is() -> None:
    mutation_type = build_schema(schema.as_str()).mutation_type
    assert mutation_type is not None
    names = set(mutation_type.fields)
    assert names == set(policy.ACTIONS) == set(CALLS)
    mutation_documents = {
        str(p.relative_to(OPERATIONS).with_suffix(""))
        for p in OPERATIONS.glob("*/*.graphql")
        if "mutation " in p.read_text()
    }
    assert mutation_documents == {path for path, _ in CALLS.values()} | {
        path for more in ALSO.values() for path, _ in more
    }
    assert {a for roles in EXPECTED.values() for a in roles} == set(policy.ACTIONS)


async def test_each_role_may_call_only_its_own_mutations(client, all_callers) -> None:
    for caller in all_callers:
        allowed = EXPECTED[caller.role]
        viewer = await gql(client, "{ viewer { actions } }", caller.token)
        assert set(viewer["data"]["viewer"]["actions"]) == allowed, caller.label
        every = [(name, call) for name, call in CALLS.items()] + [
            (name, call) for name, more in ALSO.items() for call in more
        ]
        for name, (path, data) in every:
            result = await gql(client, document(path), caller.token, {"input": data})
            if name in allowed:
                assert "errors" not in result, (caller.label, name, result)
                codes = [e["code"] for e in result["data"][name]["userErrors"]]
                refused = (["NOT_FOUND"], ["TEACHER_NOT_FOUND"], ["INVALID_EMAIL"])
                assert codes in refused, (caller.label, name, codes)
            else:
                assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", (
                    caller.label,
                    name,
                )
                assert result["data"] is None


async def test_anonymous_callers_may_call_nothing(client) -> None:
    assert (await gql(client, "{ viewer { actions } }"))["data"]["viewer"]["actions"] == []
    path, data = CALLS["claimEct"]
    result = await gql(client, document(path), None, {"input": data})
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", result
