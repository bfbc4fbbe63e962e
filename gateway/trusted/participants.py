"""The ``teachers`` root field (lead providers' participants) compiled to one SELECT.

Every value comes from the definitions the resolvers use: the rows are
``resolvers.teachers.teachers_statement`` (the policy's teacher rule and the filters);
each related row is narrowed by the policy's ``Scope`` reads (``Reads``) exactly as the
loaders read it (by id, under the model's rule); derived values are the SQL twins in
``gateway.rules.derived``. A field this module does not know raises ``Unsupported`` at
start-up, and the document runs through Strawberry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from gateway.auth import policy
from gateway.models import inductions as im
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm
from gateway.resolvers.teachers import TEACHER_ORDER, TeacherFilters, teachers_statement
from gateway.rules import derived
from gateway.trusted.connection import (
    ListField,
    Page,
    Parser,
    Reads,
    aliased,
    among,
    instant,
    integers,
    mark,
    member,
    string,
    uuid_,
)
from gateway.trusted.jsonsql import JsonSQL
from gateway.trusted.selection import Selected, Unsupported

FILTERS: dict[str, tuple[str, Parser]] = {
    "schoolUrn": ("school_urn", string),
    "updatedSince": ("updated_since", instant),
    "cohorts": ("cohorts", integers),
    "trainingStatus": ("training_status", member(derived.TrainingStatus)),
    "participantId": ("participant_id", uuid_),
    "fromParticipantId": ("from_participant_id", uuid_),
    "deliveryPartnerId": ("delivery_partner_id", uuid_),
    "inductionStatus": ("induction_status", member(derived.InductionStatus)),
}


# -- a teacher ----------------------------------------------------------------------------

TEACHER_SCALARS = {"id", "participantId", "trn", "fullName", "updatedAt"}
ID_CHANGE_FIELDS = {"fromParticipantId", "toParticipantId", "changedAt"}


def _check_teacher(children: list[Selected]) -> None:
    for child in children:
        if child.name in TEACHER_SCALARS:
            continue
        if child.name == "participantIdChanges":
            for c in child.children:
                if c.name not in ID_CHANGE_FIELDS:
                    raise Unsupported(f"ParticipantIdChange.{c.name}")
        elif child.name == "enrolments":
            child.only(set())  # includeHistory: Strawberry
            _check_enrolment(child.children)
        else:
            raise Unsupported(f"Teacher.{child.name}")


def _teacher(j: JsonSQL, scope: Reads, page: Page, children: list[Selected]) -> Any:
    t = page.c
    pairs: list[tuple[str, Any]] = []
    for child in children:
        name = child.name
        if name == "id":
            value = j.global_id("Teacher", t.id)
        elif name == "participantId":
            value = j.uuid(t.api_id)
        elif name == "trn":
            value = t.trn
        elif name == "fullName":
            value = tm.full_name_sql(t.trs_first_name, t.trs_last_name, t.corrected_name)
        elif name == "updatedAt":
            value = j.instant(t.api_updated_at)
        elif name == "participantIdChanges":
            value = j.nested(_id_changes(j, scope, page, child.children))
        else:  # enrolments (checked at start-up)
            value = j.nested(_enrolments(j, scope, page, child.children))
        pairs.append((child.key, value))
    return j.obj(pairs)


def _id_changes(j: JsonSQL, scope: Reads, page: Page, children: list[Selected]) -> Any:
    t = page.c
    change = aliased(tm.TeacherIdChange, name="id_change")
    values = {
        "fromParticipantId": j.uuid(change.api_from_teacher_id),
        "toParticipantId": j.uuid(change.api_to_teacher_id),
        "changedAt": j.instant(change.created_at),
    }
    rows = mark(
        sa.select(change.id)
        .select_from(page.cte)
        .join(change, change.teacher_id == t.id)
        .where(page.kept, scope.visible(change, tm.TeacherIdChange))
    )
    element = j.obj([(c.key, values[c.name]) for c in children])
    # IdChangesByTeacher: oldest first, then by id. Set-wise (a scan of the changes
    # per participant cost 30 ms a page).
    order = [change.created_at, change.id]
    return j.or_empty(page.per_row(j.arrays_by(change.teacher_id, element, rows, order)).json)


# -- an enrolment (TrainingPeriod) -------------------------------------------------------

ENROLMENT_SCALARS = {
    "id",
    "trainingRecordId",
    "email",
    "mentorId",
    "schoolUrn",
    "participantType",
    "cohort",
    "trainingStatus",
    "participantStatus",
    "eligibleForFunding",
    "pupilPremiumUplift",
    "sparsityUplift",
    "scheduleIdentifier",
    "deliveryPartnerId",
    "createdAt",
    "updatedAt",
    "startedOn",
    "finishedOn",
    "workingPattern",
    "inductionStartDate",
    "inductionEndDate",
    "overallInductionStartDate",
    "mentorFundingEndDate",
    "mentorIneligibleForFundingReason",
    "cohortChangedAfterPaymentsFrozen",
}
STOP_FIELDS = {"reason", "date"}
SCHOOL_FIELDS = {"id", "urn"}


def _check_enrolment(children: list[Selected]) -> None:
    for child in children:
        if child.name in ENROLMENT_SCALARS:
            continue
        allowed = {"withdrawal": STOP_FIELDS, "deferral": STOP_FIELDS, "school": SCHOOL_FIELDS}
        if child.name not in allowed:
            raise Unsupported(f"TrainingPeriod.{child.name}")
        for c in child.children:
            if c.name not in allowed[child.name]:
                raise Unsupported(f"{child.name}.{c.name}")


class _Enrolment:
    """One training period and the rows around it, joined as the loaders read them
    (gateway.loaders.enrolments): each by id, under its model's rule; joined only when
    a selected field reads it."""

    def __init__(self, j: JsonSQL, scope: Reads, t: Any) -> None:
        self.j, self.scope, self.t = j, scope, t
        self.tp = aliased(trm.TrainingPeriod, name="tp")
        self.joins: list[tuple[Any, Any]] = []
        self._made: dict[str, Any] = {}

    def _join(self, name: str, model: type, on: Callable[[Any], Any]) -> Any:
        if name not in self._made:
            alias: Any = aliased(model, name=name)
            self.joins.append((alias, sa.and_(on(alias), self.scope.visible(alias, model))))
            self._made[name] = alias
        return self._made[name]

    @property
    def is_ect(self) -> Any:
        return self.tp.ect_at_school_period_id.is_not(None)

    @property
    def ect(self) -> Any:
        return self._join(
            "ect_period", sm.ECTAtSchoolPeriod, lambda a: a.id == self.tp.ect_at_school_period_id
        )

    @property
    def mentor(self) -> Any:
        return self._join(
            "mentor_period",
            sm.MentorAtSchoolPeriod,
            lambda a: a.id == self.tp.mentor_at_school_period_id,
        )

    def at_school(self, column: str) -> Any:
        """A column of the ECT or mentor period (whichever the training is on)."""
        return sa.case((self.is_ect, getattr(self.ect, column)), else_=getattr(self.mentor, column))

    @property
    def school(self) -> Any:
        return self._join("school", sm.School, lambda a: a.id == self.at_school("school_id"))

    @property
    def partnership(self) -> Any:
        return self._join(
            "partnership", trm.SchoolPartnership, lambda a: a.id == self.tp.school_partnership_id
        )

    @property
    def schedule(self) -> Any:
        return self._join("schedule", trm.Schedule, lambda a: a.id == self.tp.schedule_id)

    @property
    def lpdp(self) -> Any:
        partnership = self.partnership
        return self._join(
            "lpdp",
            trm.LeadProviderDeliveryPartnership,
            lambda a: a.id == partnership.lead_provider_delivery_partnership_id,
        )

    @property
    def delivery_partner(self) -> Any:
        lpdp = self.lpdp
        return self._join(
            "delivery_partner", trm.DeliveryPartner, lambda a: a.id == lpdp.delivery_partner_id
        )

    @property
    def cohort(self) -> Any:
        """EnrolmentFacts.cohort: the schedule's contract period, else the partnership's."""
        schedule, partnership = self.schedule, self.partnership
        return sa.case(
            (schedule.id.is_not(None), schedule.contract_period_year),
            else_=partnership.contract_period_year,
        )

    @property
    def contract_period(self) -> Any:
        cohort = self.cohort
        return self._join("contract_period", trm.ContractPeriod, lambda a: a.year == cohort)

    @property
    def funding(self) -> Any:
        school_id, cohort = self.at_school("school_id"), self.cohort
        return self._join(
            "funding",
            sm.SchoolFunding,
            lambda a: sa.and_(a.school_id == school_id, a.contract_period_year == cohort),
        )

    def uplift(self, flag: str) -> Any:
        period, funding = self.contract_period, self.funding
        return self.j.boolean(
            sa.and_(period.uplift_fees_enabled, funding.id.is_not(None), getattr(funding, flag))
        )

    def induction(self) -> tuple[Any, sa.Select[Any]]:
        """The teacher's induction periods as InductionFactsByTeacher reads them."""
        period = aliased(im.InductionPeriod, name="induction_fact")
        facts = self.scope.facts(policy.induction_facts, im.InductionPeriod.id)
        periods = mark(
            sa.select(period.id)
            .select_from(period)
            .where(period.teacher_id == self.tp.teacher_id, among(period.id, facts))
        )
        return period, periods

    def completed_induction(self) -> sa.Select[Any]:
        period, periods = self.induction()
        return derived.completed_induction_sql(period, periods).with_only_columns(
            period.finished_on
        )

    def email(self) -> Any:
        return sa.case(
            (self.is_ect, self.scope.email(sm.ECTAtSchoolPeriod, self.tp.ect_at_school_period_id)),
            else_=self.scope.email(sm.MentorAtSchoolPeriod, self.tp.mentor_at_school_period_id),
        )

    def mentor_id(self) -> Any:
        """MentorParticipantIds: the current (else latest) mentor's participant id."""
        ship = aliased(sm.MentorshipPeriod, name="mentorship")
        period = aliased(sm.MentorAtSchoolPeriod, name="mentorship_mentor")
        mentor = aliased(tm.Teacher, name="mentorship_teacher")
        facts = self.scope.facts(policy.mentor_facts, sm.MentorshipPeriod.id)
        latest = mark(
            sa.select(mentor.api_id)
            .select_from(ship)
            .join(period, period.id == ship.mentor_at_school_period_id)
            .join(mentor, mentor.id == period.teacher_id)
            .where(
                ship.ect_at_school_period_id == self.tp.ect_at_school_period_id,
                among(ship.id, facts),
            )
            .order_by(
                sa.case((ship.finished_on.is_(None), 0), else_=1),
                ship.finished_on.desc(),
                ship.started_on.desc(),
            )
            .limit(1)
        ).scalar_subquery()
        return self.j.when(self.is_ect, self.j.uuid(latest))

    def value(self, child: Selected) -> Any:
        j, tp, t, name = self.j, self.tp, self.t, child.name
        ect = self.is_ect
        if name == "id":
            return j.global_id("TrainingPeriod", tp.id)
        if name == "trainingRecordId":
            return j.uuid(
                sa.case((ect, t.api_ect_training_record_id), else_=t.api_mentor_training_record_id)
            )
        if name == "email":
            return self.email()
        if name == "mentorId":
            return self.mentor_id()
        if name == "schoolUrn":
            return self.school.urn
        if name == "participantType":
            return sa.case((ect, "ECT"), else_="MENTOR")
        if name == "cohort":
            return self.cohort
        if name == "trainingStatus":
            return j.enum_name(derived.training_status_sql(tp), derived.TrainingStatus)
        if name == "participantStatus":
            status = derived.enrolment_participant_status_sql(
                tp, t, self.scope.today, self.completed_induction().exists()
            )
            return j.enum_name(status, derived.ParticipantStatus)
        if name == "eligibleForFunding":
            return j.boolean(
                sa.case(
                    (ect, t.ect_first_became_eligible_for_funding_at.is_not(None)),
                    else_=t.mentor_first_became_eligible_for_funding_at.is_not(None),
                )
            )
        if name == "pupilPremiumUplift":
            return self.uplift("pupil_premium_uplift")
        if name == "sparsityUplift":
            return self.uplift("sparsity_uplift")
        if name == "scheduleIdentifier":
            return self.schedule.identifier
        if name == "deliveryPartnerId":
            return j.uuid(self.delivery_partner.api_id)
        if name == "createdAt":
            return j.instant(self.at_school("created_at"))
        if name == "updatedAt":
            return j.instant(tp.updated_at)
        if name == "startedOn":
            return j.date(tp.started_on)
        if name == "finishedOn":
            return j.date(tp.finished_on)
        if name == "workingPattern":
            return j.when(ect, j.enum_name(self.ect.working_pattern, sm.WorkingPattern))
        if name == "inductionStartDate":
            return j.date(derived.induction_start_date_sql(*self.induction()))
        if name == "inductionEndDate":
            return j.date(self.completed_induction().scalar_subquery())
        if name == "overallInductionStartDate":
            return j.date(derived.overall_induction_start_date_sql(*self.induction()))
        if name == "mentorFundingEndDate":
            return j.when(~ect, j.date(t.mentor_became_ineligible_for_funding_on))
        if name == "mentorIneligibleForFundingReason":
            return j.when(
                ~ect,
                j.enum_name(
                    t.mentor_became_ineligible_for_funding_reason, tm.MentorIneligibilityReason
                ),
            )
        if name == "cohortChangedAfterPaymentsFrozen":
            return j.boolean(
                sa.case(
                    (ect, t.ect_payments_frozen_year.is_not(None)),
                    else_=t.mentor_payments_frozen_year.is_not(None),
                )
            )
        if name in ("withdrawal", "deferral"):
            stops: dict[str, tuple[derived.TrainingStatus, Any, Any, Any]] = {
                "withdrawal": (
                    derived.TrainingStatus.WITHDRAWN,
                    tp.withdrawal_reason,
                    tp.withdrawn_at,
                    trm.WithdrawalReason,
                ),
                "deferral": (
                    derived.TrainingStatus.DEFERRED,
                    tp.deferral_reason,
                    tp.deferred_at,
                    trm.DeferralReason,
                ),
            }
            stop_status, reason, at, enum_cls = stops[name]
            values = {"reason": j.enum_name(reason, enum_cls), "date": j.instant(at)}
            stop = j.obj([(c.key, values[c.name]) for c in child.children])
            return j.nested(j.when(derived.training_status_sql(tp) == stop_status.value, stop))
        # school (checked at start-up)
        school = self.school
        values = {"id": j.global_id("School", school.id), "urn": school.urn}
        found = j.obj([(c.key, values[c.name]) for c in child.children])
        return j.nested(j.when(school.id.is_not(None), found))

    def rows(self, page: Page) -> sa.Select[Any]:
        """Teacher.enrolments of every participant on ``page``: the latest (start, then
        id) visible training period of each participant type (``latest_of_each_type``)."""
        tp = self.tp
        later = aliased(trm.TrainingPeriod, name="tp_later")
        newer = mark(
            sa.select(later.id).where(
                later.teacher_id == tp.teacher_id,
                self.scope.visible(later, trm.TrainingPeriod),
                later.ect_at_school_period_id.is_(None) == tp.ect_at_school_period_id.is_(None),
                sa.or_(
                    later.started_on > tp.started_on,
                    sa.and_(later.started_on == tp.started_on, later.id > tp.id),
                ),
            )
        ).exists()
        stmt = sa.select(tp.id).select_from(page.cte).join(tp, tp.teacher_id == self.t.id)
        for alias, on in self.joins:
            stmt = stmt.outerjoin(alias, on)
        return mark(
            stmt.where(
                page.kept,
                self.scope.visible(tp, trm.TrainingPeriod),
                ~newer,
            )
        )


def _enrolments(j: JsonSQL, scope: Reads, page: Page, children: list[Selected]) -> Any:
    """Set-wise for the page (``Page.per_row``): one correlated subquery per participant
    cost about 0.4 ms each, most of the compiled page's SQL time."""
    enrolment = _Enrolment(j, scope, page.c)
    element = j.obj([(c.key, enrolment.value(c)) for c in children])
    # ECT first (latest_of_each_type), joins made while the values were built.
    ect_first = sa.case((enrolment.is_ect, 0), else_=1)
    rows = enrolment.rows(page)
    by_teacher = page.per_row(j.arrays_by(enrolment.tp.teacher_id, element, rows, [ect_first]))
    return j.or_empty(by_teacher.json)


TEACHERS = ListField(
    filters=TeacherFilters,
    arguments=FILTERS,
    statement=teachers_statement,
    order=TEACHER_ORDER,
    check_node=_check_teacher,
    node=_teacher,
)
"""Query.teachers: the lead providers' participants (operations/lead_provider/Participants)."""
