"""One ECT's whole journey through the frontends' own operation documents: the school
registers them and assigns a mentor, the appropriate body claims them, extends and
records a pass, and DfE admin reads the timeline."""

from __future__ import annotations

from pathlib import Path

from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.db import Database
from tests.conftest import SEED_TODAY
from tests.graph import call, decode_global_id, global_id
from tests.test_induction_workflows import body_token
from tests.test_school_workflows import lead_provider_gid, new_record, place

OPERATIONS = Path(__file__).parent.parent / "operations"


def document(path: str) -> str:
    return (OPERATIONS / f"{path}.graphql").read_text()


def ok(result: dict, field: str) -> dict:
    assert "errors" not in result, result
    payload = result["data"][field]
    assert payload["userErrors"] == [], payload
    return payload


async def test_registration_mentoring_claim_extension_pass_and_timeline(
    app_client, seeded_db: Database
) -> None:
    at = await place(seeded_db, nth=20)
    school = at.token
    _, body_pk = decode_global_id(at.body_gid)
    body = body_token(seeded_db, body_pk)
    ect_record, mentor_record = await new_record(seeded_db), await new_record(seeded_db)
    _, lead_provider = await lead_provider_gid(seeded_db)

    ect = ok(
        await call(
            app_client,
            school,
            document("school_user/RegisterEct"),
            {
                "input": {
                    "trn": ect_record.trn,
                    "dateOfBirth": ect_record.date_of_birth.isoformat(),
                    "startedOn": "2026-11-02",
                    "email": f"journey{ect_record.trn}@school.test",
                    "workingPattern": "FULL_TIME",
                    "appropriateBodyId": at.body_gid,
                    "trainingProgramme": "PROVIDER_LED",
                    "leadProviderId": lead_provider,
                }
            },
        ),
        "registerEct",
    )
    mentor = ok(
        await call(
            app_client,
            school,
            document("school_user/RegisterMentor"),
            {
                "input": {
                    "trn": mentor_record.trn,
                    "dateOfBirth": mentor_record.date_of_birth.isoformat(),
                    "startedOn": "2026-09-01",
                    "email": f"mentor{mentor_record.trn}@school.test",
                }
            },
        ),
        "registerMentor",
    )
    ok(
        await call(
            app_client,
            school,
            document("school_user/AssignMentor"),
            {
                "input": {
                    "ectAtSchoolPeriodId": ect["ectAtSchoolPeriod"]["id"],
                    "mentorAtSchoolPeriodId": mentor["mentorAtSchoolPeriod"]["id"],
                    "startedOn": "2026-11-09",
                }
            },
        ),
        "assignMentor",
    )

    # The body sees the new ECT among those it may claim, then claims them.
    claimable = await call(
        app_client, body, document("appropriate_body_user/ClaimableTeachers"), {"first": 100}
    )
    assert ect_record.trn in {t["trn"] for t in claimable["data"]["claimableTeachers"]}
    claimed = ok(
        await call(
            app_client,
            body,
            document("appropriate_body_user/ClaimECT"),
            {
                "input": {
                    "trn": ect_record.trn,
                    "dateOfBirth": ect_record.date_of_birth.isoformat(),
                    "startedOn": "2026-11-02",
                    "trainingProgramme": "PROVIDER_LED",
                }
            },
        ),
        "claimEct",
    )
    period = claimed["inductionPeriod"]
    teacher_id = period["teacher"]["id"]
    ok(
        await call(
            app_client,
            body,
            document("appropriate_body_user/AddInductionExtension"),
            {"input": {"teacherId": teacher_id, "numberOfTerms": "1"}},
        ),
        "addInductionExtension",
    )
    passed = ok(
        await call(
            app_client,
            body,
            document("appropriate_body_user/RecordInductionPass"),
            {
                "input": {
                    "inductionPeriodId": period["id"],
                    "finishedOn": SEED_TODAY.isoformat(),
                    "numberOfTerms": "0.5",
                }
            },
        ),
        "recordInductionPass",
    )
    assert passed["inductionPeriod"]["outcome"] == "PASS"

    # The school now reads the finished training and mentorship, and the outcome.
    detail = await call(
        app_client, school, document("school_user/TeacherDetail"), {"trn": ect_record.trn}
    )
    assert detail["data"]["teacher"]["inductionStatus"] == "PASSED"

    admin = mint_development_token(seeded_db.settings, Role.ADMIN)
    timeline = await call(
        app_client, admin, document("admin/TeacherTimeline"), {"trn": ect_record.trn}
    )
    events = timeline["data"]["teacher"]["events"]
    assert [(e["eventType"], e["authorId"]) for e in events] == [
        ("ect_registered", f"school:{at.id}"),
        ("mentor_assigned", f"school:{at.id}"),
        ("induction_period_opened", f"appropriate_body:{body_pk}"),
        ("induction_extended", f"appropriate_body:{body_pk}"),
        ("induction_passed", f"appropriate_body:{body_pk}"),
    ]
    assert (
        timeline["data"]["teacher"]["id"]
        == teacher_id
        == global_id("Teacher", decode_global_id(teacher_id)[1])
    )
