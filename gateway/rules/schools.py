"""School users' rules: register ECTs and mentors, assign mentors, report leavers, name
the induction tutor (DOMAIN.md, "Rules the workflows must enforce: Schools").

Plain functions over the session and models, like ``rules.inductions``: each raises
``Refusal`` when a rule says no (the caller's transaction then rolls back) and records
an audit event beside its writes. Rows of the caller's own school are read through the
viewer's ``Scope``, so another school's row is ``NOT_FOUND`` exactly as if absent; reads
beyond the school that decide a write (is this teacher at another school? is this email
someone else's?) are ``policy.domain_read`` and only their verdict comes back.

Audit events never carry an email: the modifications name the fields, not the address.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.policy import COMPLETE_IN_RECORD, Scope, domain_read, may_call
from gateway.auth.viewer import Viewer
from gateway.models import inductions as im
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.rules import audit, funding
from gateway.rules.common import Clock, check_not_stale, touch_teacher
from gateway.rules.inductions import NOT_FOUND_MESSAGE
from gateway.rules.refusals import Refusal, not_found
from gateway.teacher_records import TeacherRecordResult, TeacherRecordSource

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL = 254
MAX_NAME = 200
ONE_DAY = dt.timedelta(days=1)


# -- small checks ------------------------------------------------------------------------


def check_email(email: str, field: str = "email") -> str:
    """The address, trimmed; refused unless it looks like one (name@domain.tld)."""
    email = email.strip()
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        raise Refusal(
            "INVALID_EMAIL",
            field,
            "That is not an email address: give one like name@school.org.uk "
            f"(at most {MAX_EMAIL} characters).",
        )
    return email


def check_name(name: str, field: str = "name") -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise Refusal("INVALID_NAME", field, f"Give the person's name: 1 to {MAX_NAME} characters.")
    return name


def schedule_month_for(started_on: dt.date) -> str:
    """The schedule a participant starting on ``started_on`` follows: the term they start
    in (January to March: january; April and May: april; June to December: september,
    summer starters wait for the autumn term). The seed uses the same mapping."""
    if started_on.month in (1, 2, 3):
        return "january"
    if started_on.month in (4, 5):
        return "april"
    return "september"


def _school_id(viewer: Viewer) -> int:
    if viewer.school_id is None:  # the permission class admits school users only
        raise Refusal("FORBIDDEN", None, "Only a school user may do this.")
    return viewer.school_id


# -- looking the teacher up ---------------------------------------------------------------


async def _record(
    records: TeacherRecordSource, trn: str, date_of_birth: dt.date
) -> TeacherRecordResult:
    # The same answer for an unknown TRN and a wrong date of birth: TRNs cannot be probed.
    record = await records.find(trn, date_of_birth)
    if record is None:
        raise Refusal("TEACHER_NOT_FOUND", "trn", NOT_FOUND_MESSAGE)
    return record


async def _teacher_for(
    session: AsyncSession, record: TeacherRecordResult, now: dt.datetime
) -> tm.Teacher:
    """The teacher with the record's TRN, locked; created from the record (names, QTS,
    induction status) when the service has not met them before."""
    teacher = await session.scalar(
        domain_read(
            sa.select(tm.Teacher).where(tm.Teacher.trn == record.trn),
            "a registration names the teacher by TRN before the school can see them",
        ).with_for_update()
    )
    if teacher is None:
        teacher = tm.Teacher(
            trn=record.trn,
            trs_first_name=record.first_name,
            trs_last_name=record.last_name,
            trs_qts_awarded_on=record.qts_awarded_on,
            trs_induction_status=record.induction_status,
            trs_data_last_refreshed_at=now,
            api_updated_at=now,
        )
        session.add(teacher)
        try:
            await session.flush()
        except IntegrityError:
            # Another registration created this teacher at the same moment.
            raise Refusal(
                "CONFLICT",
                "trn",
                "This teacher was registered by someone else at the same moment: try again.",
            ) from None
    return teacher


async def _check_email_free(
    session: AsyncSession, email: str, teacher_id: int, today: dt.date
) -> None:
    """An email may not belong to another teacher with a current ECT or mentor period
    (open, or finishing today or later)."""
    for model in (sm.ECTAtSchoolPeriod, sm.MentorAtSchoolPeriod):
        m: Any = model
        taken = await session.scalar(
            domain_read(
                sa.select(sa.func.count())
                .select_from(m)
                .where(
                    sa.func.lower(m.email) == email.lower(),
                    m.teacher_id != teacher_id,
                    sa.or_(m.finished_on.is_(None), m.finished_on >= today),
                ),
                "an email may not belong to another teacher with a current period",
            )
        )
        if taken:
            raise Refusal(
                "EMAIL_IN_USE",
                "email",
                "Another teacher at a school uses this email: give the teacher's own address.",
            )


async def _overlapping(
    session: AsyncSession, model: Any, teacher_id: int, started_on: dt.date, why: str
) -> list[Any]:
    """The teacher's periods of ``model`` still running on ``started_on`` or later."""
    rows = await session.scalars(
        domain_read(
            sa.select(model).where(
                model.teacher_id == teacher_id,
                sa.or_(model.finished_on.is_(None), model.finished_on >= started_on),
            ),
            why,
        )
    )
    return list(rows)


# -- register an ECT ----------------------------------------------------------------------


async def _contract_period(session: AsyncSession, started_on: dt.date) -> trm.ContractPeriod:
    period = await session.scalar(
        sa.select(trm.ContractPeriod).where(
            trm.ContractPeriod.started_on <= started_on,
            trm.ContractPeriod.finished_on >= started_on,
            trm.ContractPeriod.enabled.is_(True),
        )
    )
    if period is None:
        raise Refusal(
            "NO_CONTRACT_PERIOD",
            "startedOn",
            f"No contract period covers {started_on}: give the date the teacher starts, "
            "within a contract period that has been set up.",
        )
    return period


async def _check_appropriate_body(
    session: AsyncSession, school: sm.School, appropriate_body_id: int
) -> im.AppropriateBody:
    body = await session.get(im.AppropriateBody, appropriate_body_id)
    if body is None:
        raise Refusal("NOT_FOUND", "appropriateBodyId", "No appropriate body with that id exists.")
    # A state-funded school reports a teaching school hub; every other school (the
    # independent ones, and the few other types) a national body or a hub.
    if school.state_funded:
        allowed = {im.AppropriateBodyType.TEACHING_SCHOOL_HUB}
        wanted = "a teaching school hub"
    else:
        allowed = {im.AppropriateBodyType.NATIONAL, im.AppropriateBodyType.TEACHING_SCHOOL_HUB}
        wanted = "a national appropriate body or a teaching school hub"
    if body.type not in allowed:
        raise Refusal(
            "WRONG_APPROPRIATE_BODY_TYPE",
            "appropriateBodyId",
            f"{body.name} is a {body.type.value.replace('_', ' ')} appropriate body; "
            f"your school must report {wanted}.",
        )
    return body


async def _provider_led_training(
    session: AsyncSession, lead_provider_id: int, contract_year: int, started_on: dt.date
) -> tuple[int, int]:
    """(expression of interest, schedule) ids for provider-led training that starts on
    ``started_on`` in ``contract_year``: the lead provider must be active that year."""
    if await session.get(trm.LeadProvider, lead_provider_id) is None:
        raise Refusal("NOT_FOUND", "leadProviderId", "No lead provider with that id exists.")
    active_id = await session.scalar(
        sa.select(trm.ActiveLeadProvider.id).where(
            trm.ActiveLeadProvider.lead_provider_id == lead_provider_id,
            trm.ActiveLeadProvider.contract_period_year == contract_year,
        )
    )
    if active_id is None:
        raise Refusal(
            "LEAD_PROVIDER_NOT_ACTIVE",
            "leadProviderId",
            f"That lead provider does not train in the {contract_year} contract period: "
            "choose one that does.",
        )
    identifier = f"ecf-standard-{schedule_month_for(started_on)}"
    schedule_id = await session.scalar(
        sa.select(trm.Schedule.id).where(
            trm.Schedule.contract_period_year == contract_year,
            trm.Schedule.identifier == identifier,
        )
    )
    if schedule_id is None:  # fail closed: the contract period is not fully set up
        raise Refusal(
            "NO_SCHEDULE",
            "startedOn",
            f"The {contract_year} contract period has no {identifier} schedule yet: "
            "ask DfE, or register the teacher later.",
        )
    return active_id, schedule_id


async def register_ect(
    session: AsyncSession,
    records: TeacherRecordSource,
    viewer: Viewer,
    clock: Clock,
    *,
    trn: str,
    date_of_birth: dt.date,
    started_on: dt.date,
    email: str,
    working_pattern: sm.WorkingPattern,
    appropriate_body_id: int,
    training_programme: im.TrainingProgramme,
    lead_provider_id: int | None,
) -> sm.ECTAtSchoolPeriod:
    """Open an ECT period at the viewer's school, with its first training period.

    Provider-led training starts with an expression of interest naming the lead
    provider for the contract period the start date falls in (the partnership comes
    later, from the lead provider) and the standard schedule for the start month.
    """
    school_id = _school_id(viewer)
    school = await session.scalar(
        Scope(viewer, clock.today).select(sm.School).where(sm.School.id == school_id)
    )
    if school is None:
        raise not_found("schoolId", "school")
    email = check_email(email)
    record = await _record(records, trn, date_of_birth)
    if record.qts_awarded_on is None:
        raise Refusal("NO_QTS", "trn", "The teacher has no QTS in their record: an ECT needs QTS.")
    if record.induction_status in COMPLETE_IN_RECORD:
        raise Refusal(
            "INDUCTION_COMPLETE",
            "trn",
            f"The teacher's record says their induction is {record.induction_status.value}: "
            "they cannot be registered as an ECT.",
        )
    if training_programme is im.TrainingProgramme.SCHOOL_LED and lead_provider_id is not None:
        raise Refusal(
            "LEAD_PROVIDER_NOT_ALLOWED",
            "leadProviderId",
            "School-led training has no lead provider: leave leadProviderId out, or choose "
            "provider-led training.",
        )
    if training_programme is im.TrainingProgramme.PROVIDER_LED and lead_provider_id is None:
        raise Refusal(
            "LEAD_PROVIDER_REQUIRED",
            "leadProviderId",
            "Provider-led training needs a lead provider: give leadProviderId.",
        )
    await _check_appropriate_body(session, school, appropriate_body_id)
    contract_period = await _contract_period(session, started_on)
    provider: tuple[int, int] | None = None
    if lead_provider_id is not None:
        provider = await _provider_led_training(
            session, lead_provider_id, contract_period.year, started_on
        )

    teacher = await _teacher_for(session, record, clock.now)
    outcome = await session.scalar(
        domain_read(
            sa.select(sa.func.count())
            .select_from(im.InductionPeriod)
            .where(
                im.InductionPeriod.teacher_id == teacher.id,
                im.InductionPeriod.outcome.is_not(None),
            ),
            "an ECT with an induction outcome cannot be registered again",
        )
    )
    if outcome:
        raise Refusal("INDUCTION_COMPLETE", "trn", "The teacher already has an induction outcome.")
    running = await _overlapping(
        session,
        sm.ECTAtSchoolPeriod,
        teacher.id,
        started_on,
        "an ECT is at one school at a time, across all schools",
    )
    if any(p.school_id == school_id for p in running):
        raise Refusal(
            "ALREADY_REGISTERED",
            "trn",
            "This teacher is already an ECT at your school: change their details instead.",
        )
    if running:
        raise Refusal(
            "REGISTERED_AT_ANOTHER_SCHOOL",
            "trn",
            "This teacher is an ECT at another school: that school must report them leaving "
            "(on a day before they start with you) before you can register them.",
        )
    await _check_email_free(session, email, teacher.id, clock.today)

    period = sm.ECTAtSchoolPeriod(
        teacher_id=teacher.id,
        school_id=school_id,
        started_on=started_on,
        email=email,
        working_pattern=working_pattern,
        school_reported_appropriate_body_id=appropriate_body_id,
    )
    session.add(period)
    try:
        await session.flush()
    except IntegrityError:
        # Another school registered them first (one open ECT period, in the database).
        raise Refusal(
            "REGISTERED_AT_ANOTHER_SCHOOL", "trn", "This teacher has just been registered."
        ) from None
    training = trm.TrainingPeriod(
        teacher_id=teacher.id,
        ect_at_school_period_id=period.id,
        started_on=started_on,
        training_programme=training_programme,
        expression_of_interest_id=provider[0] if provider else None,
        lead_provider_id=lead_provider_id if provider else None,
        schedule_id=provider[1] if provider else None,
    )
    session.add(training)
    await session.flush()
    teacher.api_updated_at = clock.now
    if await funding.has_started_induction(session, teacher.id, clock.today):
        await funding.mark_eligible(session, teacher, trm.ParticipantType.ECT, clock.now)
    audit.record(
        session,
        viewer,
        "ect_registered",
        clock.now,
        audit.changes(
            started_on=(None, started_on),
            working_pattern=(None, working_pattern),
            school_reported_appropriate_body_id=(None, appropriate_body_id),
            training_programme=(None, training_programme),
            contract_period_year=(None, contract_period.year),
            lead_provider_id=(None, lead_provider_id),
        ),
        teacher_id=teacher.id,
        school_id=school_id,
        appropriate_body_id=appropriate_body_id,
        lead_provider_id=lead_provider_id,
        training_period_id=training.id,
    )
    return period


# -- register a mentor --------------------------------------------------------------------


async def register_mentor(
    session: AsyncSession,
    records: TeacherRecordSource,
    viewer: Viewer,
    clock: Clock,
    *,
    trn: str,
    date_of_birth: dt.date,
    started_on: dt.date,
    email: str,
) -> sm.MentorAtSchoolPeriod:
    """Open a mentor period at the viewer's school.

    A mentor may be open at several schools, but at most once at each. QTS is not
    required (the real service registers mentors without it).

    Decision: no training period is opened here. Mentor training is provider-led only
    and needs a lead provider and schedule the school has not chosen at this point; it
    is a separate step (choosing mentor training), not part of registering the mentor.
    """
    school_id = _school_id(viewer)
    email = check_email(email)
    record = await _record(records, trn, date_of_birth)
    teacher = await _teacher_for(session, record, clock.now)
    running = await _overlapping(
        session,
        sm.MentorAtSchoolPeriod,
        teacher.id,
        started_on,
        "a mentor is open at most once at each school",
    )
    if any(p.school_id == school_id for p in running):
        raise Refusal(
            "ALREADY_REGISTERED",
            "trn",
            "This teacher is already a mentor at your school.",
        )
    await _check_email_free(session, email, teacher.id, clock.today)
    period = sm.MentorAtSchoolPeriod(
        teacher_id=teacher.id, school_id=school_id, started_on=started_on, email=email
    )
    session.add(period)
    try:
        await session.flush()
    except IntegrityError:
        raise Refusal(
            "ALREADY_REGISTERED", "trn", "This teacher has just been registered as a mentor."
        ) from None
    teacher.api_updated_at = clock.now
    # Decision: a mentor is funding-eligible from registration (unless recorded as
    # ineligible), as the real service marks mentors eligible when they are registered.
    await funding.mark_eligible(session, teacher, trm.ParticipantType.MENTOR, clock.now)
    audit.record(
        session,
        viewer,
        "mentor_registered",
        clock.now,
        audit.changes(started_on=(None, started_on)),
        teacher_id=teacher.id,
        school_id=school_id,
    )
    return period


# -- assign a mentor ----------------------------------------------------------------------


async def _own_period(
    session: AsyncSession, viewer: Viewer, today: dt.date, model: Any, period_id: int, field: str
) -> Any:
    """The viewer's school's period with that id, locked; another school's is absent."""
    row = await session.scalar(
        Scope(viewer, today).select(model).where(model.id == period_id).with_for_update()
    )
    if row is None:
        what = "ECT period" if model is sm.ECTAtSchoolPeriod else "mentor period"
        raise not_found(field, what)
    return row


async def assign_mentor(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    ect_period_id: int,
    mentor_period_id: int,
    started_on: dt.date,
) -> sm.MentorshipPeriod:
    """Mentor an ECT from ``started_on``: the ECT's open mentorship (if any) finishes the
    day before, and the new one lies inside both the ECT's and the mentor's periods
    (it finishes when the earlier of them does, if either has a finish date)."""
    ect = await _own_period(
        session, viewer, clock.today, sm.ECTAtSchoolPeriod, ect_period_id, "ectAtSchoolPeriodId"
    )
    mentor = await _own_period(
        session,
        viewer,
        clock.today,
        sm.MentorAtSchoolPeriod,
        mentor_period_id,
        "mentorAtSchoolPeriodId",
    )
    if mentor.teacher_id == ect.teacher_id:
        raise Refusal(
            "CANNOT_MENTOR_SELF",
            "mentorAtSchoolPeriodId",
            "An ECT cannot mentor themself: choose another mentor.",
        )
    latest_start = max(ect.started_on, mentor.started_on)
    finishes = [f for f in (ect.finished_on, mentor.finished_on) if f is not None]
    earliest_finish = min(finishes) if finishes else None
    if started_on < latest_start or (earliest_finish is not None and started_on > earliest_finish):
        until = f" to {earliest_finish}" if earliest_finish else " onwards"
        raise Refusal(
            "OUTSIDE_PERIOD",
            "startedOn",
            f"A mentorship lies inside both the ECT's and the mentor's time at the school: "
            f"start it from {latest_start}{until}.",
        )
    existing = await session.scalars(
        Scope(viewer, clock.today)
        .select(sm.MentorshipPeriod)
        .where(sm.MentorshipPeriod.ect_at_school_period_id == ect.id)
        .with_for_update()
    )
    current: sm.MentorshipPeriod | None = None
    for m in existing:
        if m.finished_on is None or m.finished_on >= started_on:
            if m.finished_on is None and m.started_on < started_on:
                current = m
                continue
            raise Refusal(
                "MENTORSHIP_OVERLAP",
                "startedOn",
                f"The ECT has a mentorship from {m.started_on}"
                + (f" to {m.finished_on}" if m.finished_on else "")
                + f": start the new one after {m.finished_on or m.started_on}.",
            )
    if current is not None and current.mentor_at_school_period_id == mentor.id:
        raise Refusal(
            "ALREADY_ASSIGNED",
            "mentorAtSchoolPeriodId",
            "This mentor already mentors the ECT.",
        )
    before = current.mentor_at_school_period_id if current else None
    if current is not None:
        current.finished_on = started_on - ONE_DAY
        await session.flush()
    mentorship = sm.MentorshipPeriod(
        ect_at_school_period_id=ect.id,
        mentor_at_school_period_id=mentor.id,
        started_on=started_on,
        finished_on=earliest_finish,
    )
    session.add(mentorship)
    try:
        await session.flush()
    except IntegrityError:
        # Another assignment for this ECT committed first (one open mentorship; on
        # PostgreSQL no overlap at all, in the database).
        raise Refusal(
            "MENTORSHIP_OVERLAP",
            "startedOn",
            "A mentor has just been assigned to this ECT for these dates: read the ECT again.",
        ) from None
    # Lead providers see the ECT's mentor id: the ECT's "updated since" moves on. The
    # mentor's too: the ECT's provider may now list them as an unfunded mentor (v3
    # /unfunded-mentors, filtered by the same stamp).
    await touch_teacher(session, ect.teacher_id, clock.now)
    await touch_teacher(session, mentor.teacher_id, clock.now)
    audit.record(
        session,
        viewer,
        "mentor_assigned",
        clock.now,
        audit.changes(
            mentor_at_school_period_id=(before, mentor.id),
            started_on=(None, started_on),
        ),
        teacher_id=ect.teacher_id,
        school_id=ect.school_id,
    )
    return mentorship


# -- report leaving -----------------------------------------------------------------------


async def report_leaving(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    model: type[sm.ECTAtSchoolPeriod] | type[sm.MentorAtSchoolPeriod],
    period_id: int,
    finished_on: dt.date,
) -> sm.ECTAtSchoolPeriod | sm.MentorAtSchoolPeriod:
    """The teacher leaves the school (in this role) on ``finished_on``: the period, its
    training and its mentorships that run past that day finish on it.

    A training period or mentorship that started after ``finished_on`` ends the day it
    started (as ``rules.inductions`` does for an outcome), so nothing is left open.
    A future date is allowed: the school reports a leaver in advance ("leaving")."""
    period = await _own_period(session, viewer, clock.today, model, period_id, "atSchoolPeriodId")
    if period.finished_on is not None:
        raise Refusal(
            "PERIOD_CLOSED",
            "atSchoolPeriodId",
            f"This period already finished on {period.finished_on}.",
        )
    if finished_on < period.started_on:
        raise Refusal(
            "FINISH_BEFORE_START",
            "finishedOn",
            f"The teacher started on {period.started_on}: give that day or a later one.",
        )
    is_ect = model is sm.ECTAtSchoolPeriod
    training_key = (
        trm.TrainingPeriod.ect_at_school_period_id
        if is_ect
        else trm.TrainingPeriod.mentor_at_school_period_id
    )
    mentorship_key = (
        sm.MentorshipPeriod.ect_at_school_period_id
        if is_ect
        else sm.MentorshipPeriod.mentor_at_school_period_id
    )
    scope = Scope(viewer, clock.today)
    training = list(
        await session.scalars(
            scope.select(trm.TrainingPeriod).where(
                training_key == period.id,
                sa.or_(
                    trm.TrainingPeriod.finished_on.is_(None),
                    trm.TrainingPeriod.finished_on > finished_on,
                ),
            )
        )
    )
    # A mentorship is at one school, so this school's period's mentorships are all in scope.
    mentorships = list(
        await session.scalars(
            scope.select(sm.MentorshipPeriod).where(
                mentorship_key == period.id,
                sa.or_(
                    sm.MentorshipPeriod.finished_on.is_(None),
                    sm.MentorshipPeriod.finished_on > finished_on,
                ),
            )
        )
    )
    for row in (*training, *mentorships):
        row.finished_on = max(row.started_on, finished_on)
    period.finished_on = finished_on
    await session.flush()
    await touch_teacher(session, period.teacher_id, clock.now)
    affected = {period.teacher_id}
    if not is_ect and mentorships:
        # The mentor's ECTs lose their mentor: lead providers see that too.
        ect_teachers = await session.scalars(
            scope.select(sm.ECTAtSchoolPeriod, sm.ECTAtSchoolPeriod.teacher_id).where(
                sm.ECTAtSchoolPeriod.id.in_([m.ect_at_school_period_id for m in mentorships])
            )
        )
        for teacher_id in ect_teachers:
            if teacher_id not in affected:
                affected.add(teacher_id)
                await touch_teacher(session, teacher_id, clock.now)
    audit.record(
        session,
        viewer,
        "ect_left_school" if is_ect else "mentor_left_school",
        clock.now,
        audit.changes(finished_on=(None, finished_on)),
        teacher_id=period.teacher_id,
        school_id=period.school_id,
    )
    return period


# -- the induction tutor --------------------------------------------------------------------


async def set_induction_tutor(
    session: AsyncSession, viewer: Viewer, clock: Clock, *, name: str, email: str
) -> sm.School:
    """Name the viewer's school's induction tutor. The audit event records the name
    change only: the email is personal data and stays out of the trail."""
    school_id = _school_id(viewer)
    name = check_name(name)
    email = check_email(email)
    school = await session.scalar(
        Scope(viewer, clock.today).select(sm.School).where(sm.School.id == school_id)
    )
    if school is None:
        raise not_found("schoolId", "school")
    before_name = school.induction_tutor_name
    school.induction_tutor_name = name
    school.induction_tutor_email = email
    await session.flush()
    audit.record(
        session,
        viewer,
        "induction_tutor_changed",
        clock.now,
        audit.changes(induction_tutor_name=(before_name, name)),
        school_id=school_id,
    )
    return school


# -- change an ECT's details ------------------------------------------------------------------


async def change_ect_details(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    period_id: int,
    expected_updated_at: dt.datetime,
    email: str | None,
    working_pattern: sm.WorkingPattern | None,
    appropriate_body_id: int | None,
) -> sm.ECTAtSchoolPeriod:
    """Change a current ECT period's email, working pattern or reported appropriate body.

    ``expected_updated_at`` is the period's ``updatedAt`` as the caller last read it: a
    change made in between (another tab, another colleague) refuses this one as STALE_UPDATE
    rather than silently overwriting it."""
    period: sm.ECTAtSchoolPeriod = await _own_period(
        session, viewer, clock.today, sm.ECTAtSchoolPeriod, period_id, "ectAtSchoolPeriodId"
    )
    check_not_stale(period.updated_at, expected_updated_at, "This ECT's details")
    if period.finished_on is not None and period.finished_on < clock.today:
        raise Refusal(
            "PERIOD_CLOSED",
            "ectAtSchoolPeriodId",
            f"This ECT left your school on {period.finished_on}: their details are final.",
        )
    if email is None and working_pattern is None and appropriate_body_id is None:
        raise Refusal(
            "NOTHING_TO_CHANGE",
            None,
            "Give at least one of email, workingPattern or appropriateBodyId.",
        )
    if email is not None:
        email = check_email(email)
        await _check_email_free(session, email, period.teacher_id, clock.today)
    if appropriate_body_id is not None:
        school = await session.scalar(
            Scope(viewer, clock.today).select(sm.School).where(sm.School.id == period.school_id)
        )
        if school is None:
            raise not_found("ectAtSchoolPeriodId", "ECT period")
        await _check_appropriate_body(session, school, appropriate_body_id)
    before = (period.working_pattern, period.school_reported_appropriate_body_id, period.email)
    if email is not None:
        period.email = email
    if working_pattern is not None:
        period.working_pattern = working_pattern
    if appropriate_body_id is not None:
        period.school_reported_appropriate_body_id = appropriate_body_id
    await session.flush()
    await touch_teacher(session, period.teacher_id, clock.now)
    modifications = audit.changes(
        working_pattern=(before[0], period.working_pattern),
        school_reported_appropriate_body_id=(before[1], period.school_reported_appropriate_body_id),
    )
    if before[2] != period.email:
        # Personal data: the trail says that the email changed, never what it is.
        modifications["email_changed"] = [False, True]
    audit.record(
        session,
        viewer,
        "ect_details_changed",
        clock.now,
        modifications,
        teacher_id=period.teacher_id,
        school_id=period.school_id,
        appropriate_body_id=period.school_reported_appropriate_body_id,
    )
    return period


# -- change an ECT's training choice --------------------------------------------------


async def _lead_provider_of(session: AsyncSession, training: trm.TrainingPeriod) -> int | None:
    """The lead provider a training period is with: its partnership's, else the one its
    expression of interest names (None for school-led training)."""
    if training.school_partnership_id is not None:
        return await session.scalar(
            domain_read(
                sa.select(trm.ActiveLeadProvider.lead_provider_id)
                .join(
                    trm.LeadProviderDeliveryPartnership,
                    trm.LeadProviderDeliveryPartnership.active_lead_provider_id
                    == trm.ActiveLeadProvider.id,
                )
                .join(
                    trm.SchoolPartnership,
                    trm.SchoolPartnership.lead_provider_delivery_partnership_id
                    == trm.LeadProviderDeliveryPartnership.id,
                )
                .where(trm.SchoolPartnership.id == training.school_partnership_id),
                "the lead provider of the ECT's current training",
            )
        )
    if training.expression_of_interest_id is not None:
        return await session.scalar(
            sa.select(trm.ActiveLeadProvider.lead_provider_id).where(
                trm.ActiveLeadProvider.id == training.expression_of_interest_id
            )
        )
    return None


async def change_training_choice(
    session: AsyncSession,
    viewer: Viewer,
    clock: Clock,
    *,
    period_id: int,
    started_on: dt.date,
    training_programme: im.TrainingProgramme,
    lead_provider_id: int | None,
) -> sm.ECTAtSchoolPeriod:
    """Change a current ECT's training programme or lead provider from ``started_on``:
    the current training finishes the day before and new training starts that day
    (provider-led: an expression of interest for the lead provider, and the standard
    schedule of the contract period the date falls in)."""
    period: sm.ECTAtSchoolPeriod = await _own_period(
        session, viewer, clock.today, sm.ECTAtSchoolPeriod, period_id, "ectAtSchoolPeriodId"
    )
    if period.finished_on is not None and period.finished_on < started_on:
        raise Refusal(
            "PERIOD_CLOSED",
            "ectAtSchoolPeriodId",
            f"This ECT leaves your school on {period.finished_on}, before {started_on}.",
        )
    if started_on < period.started_on:
        raise Refusal(
            "OUTSIDE_PERIOD",
            "startedOn",
            f"The ECT started at your school on {period.started_on}: change from then on.",
        )
    if training_programme is im.TrainingProgramme.SCHOOL_LED and lead_provider_id is not None:
        raise Refusal(
            "LEAD_PROVIDER_NOT_ALLOWED",
            "leadProviderId",
            "School-led training has no lead provider: leave leadProviderId out.",
        )
    if training_programme is im.TrainingProgramme.PROVIDER_LED and lead_provider_id is None:
        raise Refusal(
            "LEAD_PROVIDER_REQUIRED",
            "leadProviderId",
            "Provider-led training needs a lead provider.",
        )
    current = list(
        await session.scalars(
            domain_read(
                sa.select(trm.TrainingPeriod)
                .where(
                    trm.TrainingPeriod.ect_at_school_period_id == period.id,
                    sa.or_(
                        trm.TrainingPeriod.finished_on.is_(None),
                        trm.TrainingPeriod.finished_on >= started_on,
                    ),
                )
                .with_for_update(),
                "the ECT's training that the change replaces",
            )
        )
    )
    for training in current:
        if training.started_on >= started_on:
            raise Refusal(
                "OVERLAPS_PERIOD",
                "startedOn",
                f"The current training started on {training.started_on}: the change must "
                "start after that.",
            )
    before = [(t.training_programme, await _lead_provider_of(session, t)) for t in current]
    if (training_programme, lead_provider_id) in before:
        raise Refusal(
            "NOTHING_TO_CHANGE", None, "The ECT already trains this way with that lead provider."
        )
    provider = None
    if lead_provider_id is not None:
        contract_period = await _contract_period(session, started_on)
        provider = await _provider_led_training(
            session, lead_provider_id, contract_period.year, started_on
        )
    for training in current:
        training.finished_on = started_on - dt.timedelta(days=1)
    await session.flush()  # the old training closes before the new one opens
    training = trm.TrainingPeriod(
        teacher_id=period.teacher_id,
        ect_at_school_period_id=period.id,
        started_on=started_on,
        training_programme=training_programme,
        expression_of_interest_id=provider[0] if provider else None,
        lead_provider_id=lead_provider_id if provider else None,
        schedule_id=provider[1] if provider else None,
    )
    session.add(training)
    await session.flush()
    await touch_teacher(session, period.teacher_id, clock.now)
    old_programme, old_provider = before[0] if before else (None, None)
    audit.record(
        session,
        viewer,
        "training_choice_changed",
        clock.now,
        audit.changes(
            training_programme=(old_programme, training_programme),
            lead_provider_id=(old_provider, lead_provider_id),
            started_on=(None, started_on),
        ),
        teacher_id=period.teacher_id,
        school_id=period.school_id,
        lead_provider_id=lead_provider_id,
        training_period_id=training.id,
    )
    return period


# -- what a school may do with a period now -----------------------------------------------


def at_school_actions(
    viewer: Viewer, period: Any, ect: bool, today: dt.date
) -> list[tuple[str, str | None]]:
    """The actions on an ECT or mentor period the viewer's role may call (the policy
    decides that), each with why it does not apply now (None when it does), so that a
    school's frontend shows only what the school can do and says why not."""
    elsewhere = (
        "Another school employs this teacher."
        if viewer.school_id is not None and period.school_id != viewer.school_id
        else None
    )
    left = (
        f"The teacher left the school on {period.finished_on}."
        if period.finished_on is not None and period.finished_on < today
        else None
    )
    reported = (
        f"Leaving was already reported: the last day is {period.finished_on}."
        if period.finished_on is not None
        else None
    )
    reasons: dict[str, str | None] = {
        "assignMentor": elsewhere or left,
        "reportLeaving": elsewhere or reported,
    }
    if ect:
        reasons |= {
            "changeEctDetails": elsewhere or left,
            "changeTrainingChoice": elsewhere or left,
        }
    return [(name, reason) for name, reason in reasons.items() if may_call(viewer, name)]
