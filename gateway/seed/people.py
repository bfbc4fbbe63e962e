"""Teachers as the Teaching Record System knows them: names, TRN, QTS, date of birth.

Also the email registry, so that an address never belongs to two teachers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

from gateway.models.teachers import TRSInductionStatus
from gateway.seed.dates import add_days
from gateway.seed.names import FIRST_NAMES, LAST_NAMES
from gateway.seed.schools import slugify
from gateway.seed.streams import Streams, stamp, uuid4_from
from gateway.seed.world import Funding, SchoolInfo, TeacherInfo, World

EXEMPT_BEFORE = dt.date(1999, 5, 7)
"""Teachers who gained QTS before 7 May 1999 are exempt from statutory induction."""

NI_NUMBER_SHARE = 0.7
CORRECTED_NAME_SHARE = 0.015
TRNLESS_MENTOR_SHARE = 0.004
"""A very small share of mentors were registered without a TRN (only mentors: an ECT
cannot be registered without one)."""


class People:
    """Creates teachers with unique TRNs and gives out unique email addresses."""

    def __init__(self, world: World, streams: Streams) -> None:
        self.world = world
        self.rng = streams.rng("people")
        self.api_ids = streams.rng("people/api-ids")
        self.trns: set[int] = set()
        self.emails: dict[str, int] = {}  # address -> teacher id

    def _trn(self) -> str:
        while True:
            trn = self.rng.randrange(1_000_000, 10_000_000)
            if trn not in self.trns:
                self.trns.add(trn)
                return str(trn)

    def _ni_number(self) -> str | None:
        if self.rng.random() >= NI_NUMBER_SHARE:
            return None
        # The QQ prefix is never issued by HMRC: these look real but belong to nobody.
        return f"QQ{self.rng.randrange(1_000_000):06d}{self.rng.choice('ABCD')}"

    def _teacher(
        self, qts: dt.date, age_at_qts: int, registered_on: dt.date, trnless: bool = False
    ) -> TeacherInfo:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        corrected = None
        if rng.random() < CORRECTED_NAME_SHARE:
            # The school corrected it: double-barrelled since marrying, not yet in TRS.
            corrected = f"{first} {last}-{rng.choice(LAST_NAMES)}"
        born = add_days(qts, -(age_at_qts * 365 + rng.randrange(0, 365)))
        teacher = TeacherInfo(
            id=len(self.world.teachers) + 1,
            trn=None if trnless else self._trn(),
            first_name=first,
            last_name=last,
            corrected_name=corrected,
            qts_awarded_on=qts,
            date_of_birth=born,
            national_insurance_number=self._ni_number(),
            api_id=uuid4_from(self.api_ids),
            created_on=registered_on,
            updated_on=registered_on,
        )
        self.world.teachers.append(teacher)
        return teacher

    def new_ect(self, starts_on: dt.date) -> TeacherInfo:
        """A newly qualified teacher: QTS in the summer before they start, mostly."""
        rng = self.rng
        academic_year = starts_on.year if starts_on.month >= 8 else starts_on.year - 1
        roll = rng.random()
        if roll < 0.10:  # qualified a few years ago, starting induction only now
            qts = add_days(dt.date(academic_year - rng.randint(1, 5), 7, 1), rng.randrange(0, 50))
        elif roll < 0.15 and starts_on.month < 6:  # finished training at Christmas
            qts = add_days(dt.date(academic_year, 12, 1), rng.randrange(0, 20))
        else:
            qts = add_days(dt.date(academic_year, 7, 1), rng.randrange(0, 50))
        if qts >= starts_on:
            qts = add_days(dt.date(academic_year, 7, 1), rng.randrange(0, 50))
        age = rng.randint(21, 23) if rng.random() < 0.75 else rng.randint(24, 45)
        registered = min(add_days(starts_on, -rng.randrange(3, 40)), self.world.today)
        return self._teacher(qts, age, registered)

    def new_mentor(self, starts_on: dt.date) -> TeacherInfo:
        """An experienced teacher: QTS years ago, induction passed long before the service
        (or exempt if qualified before May 1999)."""
        rng = self.rng
        year = max(1985, starts_on.year - 2 - int(rng.expovariate(1 / 9)))
        qts = add_days(dt.date(year, 7, 1), rng.randrange(0, 55))
        registered = add_days(starts_on, -rng.randrange(0, 20))
        teacher = self._teacher(
            qts, rng.randint(21, 30), registered, trnless=rng.random() < TRNLESS_MENTOR_SHARE
        )
        teacher.trs_induction_status = (
            TRSInductionStatus.EXEMPT if qts < EXEMPT_BEFORE else TRSInductionStatus.PASSED
        ).value
        return teacher

    def email(self, teacher: TeacherInfo, school: SchoolInfo) -> str:
        """The teacher's address at the school; suffixed when another teacher has it."""
        local = f"{slugify(teacher.first_name)}.{slugify(teacher.last_name)}".replace("-", "")
        number = 1
        while True:
            address = f"{local}{number if number > 1 else ''}@{school.email_domain}"
            owner = self.emails.setdefault(address, teacher.id)
            if owner == teacher.id:
                return address
            number += 1


def touch(teacher: TeacherInfo, day: dt.date | None, today: dt.date) -> None:
    """Remember the latest change to a teacher's data (their ``api_updated_at``)."""
    if day is not None and teacher.updated_on < day <= today:
        teacher.updated_on = day


def _refreshed_at(teacher: TeacherInfo, today: dt.date) -> dt.datetime | None:
    if teacher.trn is None:
        return None
    # TRS data is refreshed in a nightly rolling batch: within the last four weeks.
    day = max(teacher.created_on, add_days(today, -1 - (teacher.id * 37) % 28))
    return stamp(day, teacher.id)


EARLY_ROLL_OUT_ENDED = dt.date(2021, 4, 19)
UNFUNDED_MENTOR_SHARE = 0.05
"""Mentors recorded as ineligible for funding: they completed mentor training in the
early roll-out, before the service (the real service's ``completed_during_early_roll_out``)."""

_TRAINING_RECORDS = uuid.UUID("6f1c7e55-0d1f-4a63-9a4c-5b0c3f1f8f10")


def training_record_id(api_id: uuid.UUID, participant_type: str) -> uuid.UUID:
    """The teacher's training record id for a participant type: derived, so adding it
    changed no random stream (one per teacher and type, as the real service keeps)."""
    return uuid.uuid5(_TRAINING_RECORDS, f"{api_id}/{participant_type}")


def decide_funding(world: World, streams: Streams) -> None:
    """Funding eligibility, a stored fact per teacher and type (gateway/rules/funding.py).

    ECTs: eligible from the first day an ECT period and an induction period both
    covered (up to today). Mentors: from their first mentor period, except the unfunded
    ones, recorded as ineligible instead. Declarations follow these facts."""
    inductions: dict[int, list[Any]] = {}
    for induction in world.induction_periods:
        inductions.setdefault(induction.teacher_id, []).append(induction)
    for ect in world.ect_periods:
        for induction in inductions.get(ect.teacher_id, ()):
            day = max(ect.started_on, induction.started_on)
            ends = [d for d in (ect.finished_on, induction.finished_on) if d is not None]
            if day > world.today or (ends and day > min(ends)):
                continue
            f = world.funding.setdefault(ect.teacher_id, Funding())
            since = stamp(day, ect.teacher_id)
            f.ect_since = since if f.ect_since is None else min(f.ect_since, since)
    # The stream keeps the name it had when declarations decided this alone.
    eligibility = streams.rng("declarations/mentor-eligibility")
    unfunded = {
        m.teacher_id for m in world.mentor_periods if eligibility.random() < UNFUNDED_MENTOR_SHARE
    }
    for mentor in world.mentor_periods:
        f = world.funding.setdefault(mentor.teacher_id, Funding())
        if mentor.teacher_id in unfunded:
            f.mentor_ineligible_on = EARLY_ROLL_OUT_ENDED
            f.mentor_ineligible_reason = "completed_during_early_roll_out"
            continue
        if mentor.started_on > world.today:
            continue
        since = stamp(mentor.started_on, mentor.teacher_id)
        f.mentor_since = since if f.mentor_since is None else min(f.mentor_since, since)


def teacher_rows(world: World) -> Iterator[dict[str, Any]]:
    for teacher in world.teachers:
        updated = stamp(teacher.updated_on, teacher.id)
        f = world.funding.get(teacher.id, Funding())
        yield {
            "id": teacher.id,
            "trn": teacher.trn,
            "trnless": teacher.trn is None,
            "trs_first_name": teacher.first_name,
            "trs_last_name": teacher.last_name,
            "corrected_name": teacher.corrected_name,
            "trs_qts_awarded_on": teacher.qts_awarded_on,
            "trs_induction_status": teacher.trs_induction_status,
            "trs_data_last_refreshed_at": _refreshed_at(teacher, world.today),
            "api_id": teacher.api_id,
            "api_updated_at": updated,
            "api_ect_training_record_id": training_record_id(teacher.api_id, "ect"),
            "api_mentor_training_record_id": training_record_id(teacher.api_id, "mentor"),
            "ect_first_became_eligible_for_funding_at": f.ect_since,
            "mentor_first_became_eligible_for_funding_at": f.mentor_since,
            "mentor_became_ineligible_for_funding_on": f.mentor_ineligible_on,
            "mentor_became_ineligible_for_funding_reason": f.mentor_ineligible_reason,
            "ect_payments_frozen_year": None,
            "mentor_payments_frozen_year": None,
            "created_at": stamp(teacher.created_on, teacher.id),
            "updated_at": updated,
        }


ID_CHANGE_SHARE = 0.005
"""Teachers once registered twice, the duplicate merged into them: lead providers follow
the old participant id to the new one (the API's participant id changes)."""


def teacher_id_change_rows(world: World, streams: Streams) -> Iterator[dict[str, Any]]:
    rng = streams.rng("people/id-changes")
    change_id = 0
    for teacher in world.teachers:
        if rng.random() >= ID_CHANGE_SHARE:
            continue
        change_id += 1
        yield {
            "id": change_id,
            "teacher_id": teacher.id,
            "api_from_teacher_id": uuid4_from(rng),
            "api_to_teacher_id": teacher.api_id,
            "created_at": stamp(teacher.updated_on, teacher.id),
        }


def teacher_record_rows(world: World) -> Iterator[dict[str, Any]]:
    record_id = 0
    for teacher in world.teachers:
        if teacher.trn is None:
            continue  # a trnless teacher has no record in TRS
        record_id += 1
        yield {
            "id": record_id,
            "trn": teacher.trn,
            "first_name": teacher.first_name,
            "last_name": teacher.last_name,
            "date_of_birth": teacher.date_of_birth,
            "national_insurance_number": teacher.national_insurance_number,
            "qts_awarded_on": teacher.qts_awarded_on,
            "induction_status": teacher.trs_induction_status,
        }
