"""ECTs' and mentors' careers: school periods, mentorships, inductions and training plans.

Each cohort's new ECTs are simulated one by one from their start date: where they teach,
whether they move school or leave, who mentors them, which appropriate body supervises
their induction and how it ends. The rules of DOMAIN.md hold by construction:

- at most one open ECT period per teacher; a mover's first period finishes before the
  second starts, and their induction is released by one body and claimed by the next;
- induction periods never overlap, start on or after QTS and 1 September 2021, finished
  ones have a number of terms, and only the last one may carry the (single) outcome;
- mentorships sit inside both the ECT period and the mentor period, at the same school,
  one open per ECT period, and nobody mentors themself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from gateway.models.inductions import InductionOutcome, TrainingProgramme
from gateway.models.schools import WorkingPattern
from gateway.models.teachers import TRSInductionStatus
from gateway.models.training import DeferralReason, WithdrawalReason
from gateway.seed.cohorts import schedule_month_for, schedule_start
from gateway.seed.dates import (
    add_days,
    add_months,
    contract_year_of,
    next_weekday,
    terms_served,
)
from gateway.seed.people import People, touch
from gateway.seed.streams import Streams, WeightedChoice, stamp
from gateway.seed.world import (
    ECTPeriodInfo,
    InductionExtensionInfo,
    InductionPeriodInfo,
    MentorPeriodInfo,
    MentorshipInfo,
    SchoolInfo,
    TeacherInfo,
    TrainingPlan,
    World,
)

ECTS_PER_YEAR_AT_SCALE_1 = (25_000, 30_000)

START_TERMS: tuple[tuple[str, float], ...] = (
    # When in the contract period new ECTs start (our estimate): most in September.
    ("september", 0.78),
    ("autumn", 0.08),
    ("january", 0.09),
    ("april", 0.04),
    ("summer", 0.01),
)

SCHOOL_LED_SHARE: dict[int, float] = {2021: 0.25, 2022: 0.20, 2023: 0.15, 2024: 0.12}
"""Share of ECTs on a school-led programme; provider-led grew year on year (our estimate)."""
SCHOOL_LED_SHARE_LATER = 0.08

PART_TIME_SHARE = 0.07
REDUCED_SHARE = 0.04
EXTENSION_SHARE = 0.03
LEAVER_SHARE = 0.05
MOVER_SHARE = 0.08
FAIL_SHARE = 0.015
FULL_TIME_INDUCTION_MONTHS = 22  # two school years, September to July
PART_TIME_INDUCTION_MONTHS = 33
PART_TIME_FTE = Decimal("0.6")
FULL_INDUCTION_TERMS = Decimal("6.0")
UNCLAIMED_SHARE = 0.4
"""Share of ECTs who started in the last six weeks and whose induction nobody claimed yet."""
UNMENTORED_SHARE = 0.3
"""Share of ECTs who started in the last month and have no mentor assigned yet."""
LEGACY_LOCAL_AUTHORITY_UNTIL = dt.date(2023, 9, 1)

REUSE_MENTOR_SHARE = 0.3
"""Chance an ECT is given an existing mentor at the school who has room for one more."""
MENTOR_CAPACITY = 2
FORMER_ECT_MENTOR_SHARE = 0.35
"""Chance a new mentor is one of the school's own former ECTs (passed a year or more ago)."""
MENTOR_CHANGE_SHARE = 0.06
MENTOR_LEAVES_SHARE = 0.45
"""Chance a mentor stops mentoring once all their mentees have finished."""
MENTOR_TRAINING_MONTHS = 24
MENTOR_WITHDRAWN_SHARE = 0.03
SWITCH_TO_SCHOOL_LED_SHARE = 0.02
DEFERRAL_SHARE = 0.02
RESUME_SHARE = 0.6


class Careers:
    def __init__(self, world: World, streams: Streams) -> None:
        self.world = world
        self.today = world.today
        self.rng = streams.rng("careers")
        self.people = People(world, streams)
        eligible = [s for s in world.schools if s.eligible]
        self.choose_school = WeightedChoice(eligible, [s.ect_weight for s in eligible])
        self.mentors_at: dict[int, list[MentorPeriodInfo]] = defaultdict(list)
        self.mentor_teachers_at: dict[int, set[int]] = defaultdict(set)
        self.former_ects_at: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)

    # -- ECTs -------------------------------------------------------------------------

    def run(self) -> None:
        for year in self.world.years:
            low, high = ECTS_PER_YEAR_AT_SCALE_1
            count = round(self.rng.uniform(low, high) * self.world.scale)
            starts = sorted(
                (self._start_date(year), index) for index in range(count)
            )  # simulate in start order so ids grow with time
            for start, _ in starts:
                if start <= self.today:  # nobody has started in the future
                    self._ect(year, start, self.choose_school(self.rng))
        for mentor in self.world.mentor_periods:
            self._finish_mentor_period(mentor)
            self._plan_mentor_training(mentor)

    def _start_date(self, year: int) -> dt.date:
        rng = self.rng
        term = rng.choices([t for t, _ in START_TERMS], weights=[w for _, w in START_TERMS])[0]
        if term == "summer" and year == 2021:
            term = "september"  # the service began in September 2021
        if term == "september":
            day = add_days(dt.date(year, 9, 1), rng.randrange(0, 12))
        elif term == "autumn":
            day = add_days(dt.date(year, 9, 13), rng.randrange(0, 94))
        elif term == "january":
            day = add_days(dt.date(year + 1, 1, 3), rng.randrange(0, 13))
        elif term == "april":
            day = add_days(dt.date(year + 1, 4, 8), rng.randrange(0, 18))
        else:
            day = add_days(dt.date(year, 6, 3), rng.randrange(0, 43))
        return next_weekday(day)

    def _reported_body(self, school: SchoolInfo) -> int:
        """The appropriate body the school reports: a hub for state-funded schools, the
        national body (mostly ISTIP) or a hub for independent ones."""
        rng, world = self.rng, self.world
        if school.state_funded:
            if school.home_hub_id is not None and rng.random() < 0.92:
                return school.home_hub_id
            return rng.choice(world.hub_ids)
        roll = rng.random()
        if roll < 0.7:
            return world.national_body_ids[0]
        if roll < 0.8:
            return world.national_body_ids[1]
        return school.home_hub_id or rng.choice(world.hub_ids)

    def _claiming_body(self, school: SchoolInfo, reported: int, start: dt.date) -> int:
        """Usually the body the school reported; before September 2023 sometimes the
        local authority that still did induction; now and then another hub."""
        rng, world = self.rng, self.world
        if not school.state_funded:
            return reported
        roll = rng.random()
        if start < LEGACY_LOCAL_AUTHORITY_UNTIL and roll < 0.12:
            return rng.choice(world.local_authority_body_ids)
        if roll < 0.17:
            return rng.choice(world.hub_ids)
        return reported

    def _ect(self, year: int, start: dt.date, school: SchoolInfo) -> None:
        rng, today = self.rng, self.today
        teacher = self.people.new_ect(start)
        part_time = rng.random() < PART_TIME_SHARE
        school_led = rng.random() < SCHOOL_LED_SHARE.get(year, SCHOOL_LED_SHARE_LATER)
        kind = (
            "extended" if part_time else "reduced" if rng.random() < REDUCED_SHARE else "standard"
        )
        identifier = f"ecf-{kind}-{schedule_month_for(start)}"
        months = PART_TIME_INDUCTION_MONTHS if part_time else FULL_TIME_INDUCTION_MONTHS
        planned_end = add_days(add_months(start, months), rng.randrange(0, 25))
        extension_terms: Decimal | None = None
        if rng.random() < EXTENSION_SHARE:
            extension_terms = Decimal(rng.choice(("1.0", "1.0", "2.0", "3.0", "1.5")))
            planned_end = add_months(planned_end, int(extension_terms * 4))
        span = (planned_end - start).days
        fate = rng.random()
        leave_on = move_on = None
        if fate < LEAVER_SHARE:
            leave_on = add_days(start, rng.randrange(60, span - 30))
        elif fate < LEAVER_SHARE + MOVER_SHARE:
            move_on = add_days(start, rng.randrange(100, span - 60))
        outcome = InductionOutcome.FAIL if rng.random() < FAIL_SHARE else InductionOutcome.PASS
        fte = PART_TIME_FTE if part_time else Decimal(1)
        pattern = WorkingPattern.PART_TIME if part_time else WorkingPattern.FULL_TIME

        # First school.
        end = leave_on or move_on or planned_end
        first = self._ect_period(teacher, school, start, end, pattern, year, identifier)
        unclaimed = start > add_days(today, -42) and rng.random() < UNCLAIMED_SHARE
        first_body = self._claiming_body(school, first.appropriate_body_id or 0, start)
        periods = [first]
        second = None
        if move_on is not None and move_on < today:
            other = self.choose_school(rng)
            while other.id == school.id:
                other = self.choose_school(rng)
            start2 = next_weekday(add_days(move_on, rng.randrange(3, 46)))
            if start2 <= today:
                end2 = add_days(planned_end, (start2 - move_on).days)  # time away doesn't count
                second = self._ect_period(teacher, other, start2, end2, pattern, year, identifier)
                periods.append(second)
        last = periods[-1]
        # Provider-led or not, per school period: a new school may run the other kind.
        provider_led = [not school_led] + [school_led if rng.random() < 0.15 else not school_led]
        completes = (
            leave_on is None
            and last.finished_on is not None
            and (move_on is None or second is not None)
        )

        # Induction.
        inductions: list[InductionPeriodInfo] = []
        programme = [
            TrainingProgramme.PROVIDER_LED if led else TrainingProgramme.SCHOOL_LED
            for led in provider_led
        ]
        if not unclaimed:
            if second is None:
                inductions.append(
                    self._induction(teacher, first_body, start, first.finished_on, programme[0])
                )
            else:
                second_school = self.world.school(second.school_id)
                second_body = self._claiming_body(
                    second_school, second.appropriate_body_id or 0, second.started_on
                )
                if second_body == first_body:  # same body: the induction simply continues
                    inductions.append(
                        self._induction(
                            teacher, first_body, start, second.finished_on, programme[0]
                        )
                    )
                else:  # released by the first body, claimed by the second
                    inductions.append(
                        self._induction(teacher, first_body, start, first.finished_on, programme[0])
                    )
                    inductions.append(
                        self._induction(
                            teacher,
                            second_body,
                            second.started_on,
                            second.finished_on,
                            programme[1],
                        )
                    )
            served = Decimal(0)
            for induction in inductions:
                if induction.finished_on is not None:
                    induction.number_of_terms = terms_served(
                        induction.started_on, induction.finished_on, fte
                    )
                    served += induction.number_of_terms
            final = inductions[-1]
            if completes and final.finished_on is not None:
                # Full induction: six terms plus any extension, whatever the calendar says.
                total = FULL_INDUCTION_TERMS + (extension_terms or 0)
                before = served - (final.number_of_terms or 0)
                final.number_of_terms = min(Decimal(16), max(Decimal("0.1"), total - before))
                final.outcome = outcome.value
            if extension_terms is not None:
                self._extensions(teacher, extension_terms, final, planned_end)
        teacher.trs_induction_status = self._trs_status(inductions).value
        if inductions and inductions[-1].outcome == InductionOutcome.PASS.value:
            self.former_ects_at[last.school_id].append((teacher.id, last.finished_on or today))

        # Training and mentoring in each school period.
        for index, period in enumerate(periods):
            exit_reason = None
            if period.finished_on is not None and not (completes and period is last):
                exit_reason = (
                    WithdrawalReason.MOVED_SCHOOL
                    if move_on is not None and index == 0
                    else WithdrawalReason.LEFT_TEACHING_PROFESSION
                )
            self._plan_ect_training(period, provider_led[index], exit_reason)
            self._mentor(period)

    def _ect_period(
        self,
        teacher: TeacherInfo,
        school: SchoolInfo,
        start: dt.date,
        end: dt.date,
        pattern: WorkingPattern,
        cohort: int,
        identifier: str,
    ) -> ECTPeriodInfo:
        period = ECTPeriodInfo(
            id=len(self.world.ect_periods) + 1,
            teacher_id=teacher.id,
            school_id=school.id,
            started_on=start,
            finished_on=end if end < self.today else None,  # finished days are in the past
            email=self.people.email(teacher, school),
            working_pattern=pattern.value,
            appropriate_body_id=self._reported_body(school),
            cohort=cohort,
            schedule_identifier=identifier,
        )
        self.world.ect_periods.append(period)
        touch(teacher, start, self.today)
        touch(teacher, period.finished_on, self.today)
        return period

    def _induction(
        self,
        teacher: TeacherInfo,
        body: int,
        start: dt.date,
        end: dt.date | None,
        programme: TrainingProgramme,
    ) -> InductionPeriodInfo:
        induction = InductionPeriodInfo(
            id=len(self.world.induction_periods) + 1,
            teacher_id=teacher.id,
            appropriate_body_id=body,
            started_on=start,
            finished_on=end,
            number_of_terms=None,
            outcome=None,
            training_programme=programme.value,
        )
        self.world.induction_periods.append(induction)
        touch(teacher, end, self.today)
        return induction

    def _extensions(
        self,
        teacher: TeacherInfo,
        terms: Decimal,
        induction: InductionPeriodInfo,
        planned_end: dt.date,
    ) -> None:
        # The body records the extension about when the induction would have ended.
        recorded = add_months(planned_end, -int(terms * 4))
        if recorded > self.today or recorded <= induction.started_on:
            return
        parts = [terms]
        if terms >= 2 and self.rng.random() < 0.3:  # extended twice, a term at a time
            parts = [Decimal("1.0"), terms - Decimal("1.0")]
        for offset, part in enumerate(parts):
            on = min(add_days(recorded, offset * 60), self.today)
            self.world.induction_extensions.append(
                InductionExtensionInfo(
                    id=len(self.world.induction_extensions) + 1,
                    teacher_id=teacher.id,
                    number_of_terms=part,
                    created_on=on,
                )
            )
        teacher.has_extension = True

    @staticmethod
    def _trs_status(inductions: list[InductionPeriodInfo]) -> TRSInductionStatus:
        outcomes = [i.outcome for i in inductions if i.outcome is not None]
        if outcomes:
            return (
                TRSInductionStatus.PASSED
                if outcomes[0] == InductionOutcome.PASS.value
                else TRSInductionStatus.FAILED
            )
        if inductions:
            return TRSInductionStatus.IN_PROGRESS
        return TRSInductionStatus.REQUIRED_TO_COMPLETE

    def _plan_ect_training(
        self, period: ECTPeriodInfo, provider_led: bool, exit_reason: WithdrawalReason | None
    ) -> None:
        rng, today = self.rng, self.today
        start, end = period.started_on, period.finished_on
        bound = end or today
        room = (bound - start).days
        roll = rng.random()
        if provider_led and roll < SWITCH_TO_SCHOOL_LED_SHARE and room > 90:
            switched = add_days(start, rng.randrange(30, room - 30))
            period.training.append(
                TrainingPlan(
                    start,
                    switched,
                    True,
                    withdrawal_reason=WithdrawalReason.SWITCHED_TO_SCHOOL_LED.value,
                )
            )
            period.training.append(TrainingPlan(add_days(switched, 1), end, False))
        elif provider_led and roll < SWITCH_TO_SCHOOL_LED_SHARE + DEFERRAL_SHARE and room > 90:
            deferred = add_days(start, rng.randrange(30, room - 30))
            reason = rng.choice(list(DeferralReason)).value
            period.training.append(TrainingPlan(start, deferred, True, deferral_reason=reason))
            resumed = add_days(deferred, rng.randrange(90, 271))
            if rng.random() < RESUME_SHARE and resumed < bound:
                period.training.append(TrainingPlan(resumed, end, True))
        else:
            reason = None
            if provider_led and exit_reason is not None:
                if exit_reason is WithdrawalReason.MOVED_SCHOOL:
                    reason = exit_reason.value if rng.random() < 0.5 else None
                else:
                    roll = rng.random()
                    reason = (
                        exit_reason.value
                        if roll < 0.7
                        else WithdrawalReason.OTHER.value
                        if roll < 0.8
                        else None
                    )
            period.training.append(TrainingPlan(start, end, provider_led, withdrawal_reason=reason))

    # -- Mentors ----------------------------------------------------------------------

    def _mentor(self, period: ECTPeriodInfo) -> None:
        rng, today = self.rng, self.today
        start, end = period.started_on, period.finished_on
        if start > add_days(today, -30) and rng.random() < UNMENTORED_SHARE:
            return  # the school has not assigned a mentor yet
        bound = end or today
        change_on = None
        if rng.random() < MENTOR_CHANGE_SHARE and (bound - start).days > 120:
            change_on = add_days(start, rng.randrange(60, (bound - start).days - 30))
        if change_on is None:
            self._mentorship(period, self._mentor_for(period, start, False, None), start, end)
            return
        first = self._mentor_for(period, start, False, None)
        self._mentorship(period, first, start, change_on)
        later = add_days(change_on, 1)
        self._mentorship(period, self._mentor_for(period, later, True, first), later, end)

    def _load(self, mentor: MentorPeriodInfo, on: dt.date) -> int:
        return sum(
            1
            for m in mentor.mentorships
            if m.started_on <= on and (m.finished_on is None or m.finished_on >= on)
        )

    def _mentor_for(
        self,
        period: ECTPeriodInfo,
        on: dt.date,
        replacement: bool,
        previous: MentorPeriodInfo | None,
    ) -> MentorPeriodInfo:
        rng, world = self.rng, self.world
        school_id = period.school_id
        candidates = [
            m
            for m in self.mentors_at[school_id]
            if m.started_on <= on
            and m.teacher_id != period.teacher_id
            and m is not previous
            and self._load(m, on) < MENTOR_CAPACITY
        ]
        if candidates and rng.random() < REUSE_MENTOR_SHARE:
            return rng.choice(candidates)
        mentor_start = add_days(on, -rng.randrange(0, 15))
        taken = self.mentor_teachers_at[school_id]
        former = [
            teacher_id
            for teacher_id, passed_on in self.former_ects_at[school_id]
            if passed_on <= add_days(on, -365)
            and teacher_id not in taken
            and teacher_id != period.teacher_id
        ]
        if former and rng.random() < FORMER_ECT_MENTOR_SHARE:
            teacher = world.teacher(rng.choice(former))
        else:
            teacher = self.people.new_mentor(mentor_start)
        taken.add(teacher.id)
        school = world.school(school_id)
        mentor = MentorPeriodInfo(
            id=len(world.mentor_periods) + 1,
            teacher_id=teacher.id,
            school_id=school_id,
            started_on=mentor_start,
            finished_on=None,
            email=self.people.email(teacher, school),
            replacement=replacement,
        )
        world.mentor_periods.append(mentor)
        self.mentors_at[school_id].append(mentor)
        touch(teacher, mentor_start, self.today)
        return mentor

    def _mentorship(
        self,
        period: ECTPeriodInfo,
        mentor: MentorPeriodInfo,
        start: dt.date,
        end: dt.date | None,
    ) -> None:
        mentorship = MentorshipInfo(
            id=len(self.world.mentorships) + 1,
            ect_period_id=period.id,
            mentor_period_id=mentor.id,
            started_on=start,
            finished_on=end,
        )
        self.world.mentorships.append(mentorship)
        mentor.mentorships.append(mentorship)

    def _finish_mentor_period(self, mentor: MentorPeriodInfo) -> None:
        ends = [m.finished_on for m in mentor.mentorships]
        if any(e is None for e in ends) or self.rng.random() >= MENTOR_LEAVES_SHARE:
            return
        finished = add_days(max(e for e in ends if e is not None), self.rng.randrange(0, 91))
        if finished < self.today:
            mentor.finished_on = finished
            touch(self.world.teacher(mentor.teacher_id), finished, self.today)

    def _plan_mentor_training(self, mentor: MentorPeriodInfo) -> None:
        """Mentors are trained (provider-led only) for about two years from joining."""
        rng, today = self.rng, self.today
        mentor.cohort = contract_year_of(mentor.started_on)
        kind = (
            "replacement"
            if mentor.replacement
            else "extended"
            if rng.random() < 0.03
            else "standard"
        )
        mentor.schedule_identifier = f"ecf-{kind}-{schedule_month_for(mentor.started_on)}"
        trained_by = add_months(
            schedule_start(mentor.cohort, mentor.schedule_identifier), MENTOR_TRAINING_MONTHS
        )
        end = mentor.finished_on
        if trained_by < today and (end is None or trained_by < end):
            end = trained_by
        bound = end or today
        room = (bound - mentor.started_on).days
        if rng.random() < MENTOR_WITHDRAWN_SHARE and room > 60:
            withdrawn = add_days(mentor.started_on, rng.randrange(30, room - 1))
            mentor.training.append(
                TrainingPlan(
                    mentor.started_on,
                    withdrawn,
                    True,
                    withdrawal_reason=WithdrawalReason.MENTOR_NO_LONGER_BEING_MENTOR.value,
                )
            )
        else:
            mentor.training.append(TrainingPlan(mentor.started_on, end, True))


def build_careers(world: World, streams: Streams) -> None:
    Careers(world, streams).run()


# -- Rows -------------------------------------------------------------------------------


def _stamps(key: int, start: dt.date, end: dt.date | None) -> dict[str, dt.datetime]:
    return {"created_at": stamp(start, key), "updated_at": stamp(end or start, key)}


def ect_period_rows(world: World) -> Iterator[dict[str, Any]]:
    for period in world.ect_periods:
        yield {
            "id": period.id,
            "teacher_id": period.teacher_id,
            "school_id": period.school_id,
            "started_on": period.started_on,
            "finished_on": period.finished_on,
            "email": period.email,
            "working_pattern": period.working_pattern,
            "school_reported_appropriate_body_id": period.appropriate_body_id,
            # Schools register a few days before the start date at most; the start is close.
            **_stamps(period.id, min(period.started_on, world.today), period.finished_on),
        }


def mentor_period_rows(world: World) -> Iterator[dict[str, Any]]:
    for mentor in world.mentor_periods:
        yield {
            "id": mentor.id,
            "teacher_id": mentor.teacher_id,
            "school_id": mentor.school_id,
            "started_on": mentor.started_on,
            "finished_on": mentor.finished_on,
            "email": mentor.email,
            **_stamps(mentor.id, mentor.started_on, mentor.finished_on),
        }


def mentorship_rows(world: World) -> Iterator[dict[str, Any]]:
    for mentorship in world.mentorships:
        yield {
            "id": mentorship.id,
            "ect_at_school_period_id": mentorship.ect_period_id,
            "mentor_at_school_period_id": mentorship.mentor_period_id,
            "started_on": mentorship.started_on,
            "finished_on": mentorship.finished_on,
            **_stamps(mentorship.id, mentorship.started_on, mentorship.finished_on),
        }


def induction_period_rows(world: World) -> Iterator[dict[str, Any]]:
    for induction in world.induction_periods:
        yield {
            "id": induction.id,
            "teacher_id": induction.teacher_id,
            "appropriate_body_id": induction.appropriate_body_id,
            "started_on": induction.started_on,
            "finished_on": induction.finished_on,
            "number_of_terms": induction.number_of_terms,
            "outcome": induction.outcome,
            "training_programme": induction.training_programme,
            **_stamps(induction.id, induction.started_on, induction.finished_on),
        }


def induction_extension_rows(world: World) -> Iterator[dict[str, Any]]:
    for extension in world.induction_extensions:
        yield {
            "id": extension.id,
            "teacher_id": extension.teacher_id,
            "number_of_terms": extension.number_of_terms,
            **_stamps(extension.id, extension.created_on, None),
        }
