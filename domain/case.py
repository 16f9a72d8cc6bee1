"""The case of one returning entrepreneur, as an event-sourced aggregate.

Public methods are commands: they check today's rules and then call a
private ``@event`` method, whose body is the only code that runs again when
the stream is replayed.  So an old history always loads, whatever the rules
say now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain import corrections, loans, subsidies
from domain.activities import Attendance
from domain.case_checks import CaseChecks
from domain.codes import IdNumber, Mobile, Sex, Uscc
from domain.divisions import StatisticalCode, divisions
from domain.errors import (
    CaseClosedError,
    CaseNotClosedError,
    InvalidValueError,
    RuleViolationError,
    StateConflictError,
)
from domain.loans import Loan, LoanCommands
from domain.recording import AuditedAggregate
from domain.records import Business, Correction, Jobs, Pairing, Training, Transfer
from domain.registry_fields import RegistryKind
from domain.rules import RuleBook
from domain.subsidies import Subsidy, SubsidyCommands
from domain.values import (
    BusinessStatus,
    CloseReason,
    ClosureKind,
    ContactMethod,
    Course,
    IdType,
    JobsSource,
    LoanGroup,
    MentorLevel,
    Need,
    PlanGrade,
    Premises,
    ReleaseReason,
    ReturneeType,
    Service,
    SessionMode,
    Stage,
    TrainingResult,
    a_date,
    case_id_for,
    choice,
    choices,
    count,
    event_id_for,
    optional_text,
    person_name,
    text,
    today,
)
from domain.values import (
    case_no as check_case_no,
)

#: Events that mean the caseworker was in touch with the person.
CONTACT_EVENTS = frozenset(
    {"Enrolled", "NeedsAssessed", "TrainingEnrolled", "TrainingCompleted",
     "MentoringSessionHeld", "ServiceDelivered", "JobsReported", "ActivityAttended"}
)
#: The field naming the sub-record an event concerns, where it has one.
_REF_FIELDS = {
    "TrainingEnrolled": "enrolment_ref", "TrainingCompleted": "enrolment_ref",
    "MentorAssigned": "pairing_ref", "MentoringSessionHeld": "pairing_ref",
    "MentorReleased": "pairing_ref", "BusinessRegistered": "business_ref",
    "JobsReported": "business_ref", "BusinessClosed": "business_ref",
    "ActivityAttended": "activity_id",
}


class Case(LoanCommands, SubsidyCommands, CaseChecks, AuditedAggregate):
    """One returnee's case: enrolment, training, mentoring, business, money, follow-up."""

    # Events declared with their commands; adopted here, so their topics are Case's.
    LoanApplied = loans.LoanApplied
    LoanEligibilityCertified = loans.LoanEligibilityCertified
    LoanGranted = loans.LoanGranted
    InterestSubsidyPaid = loans.InterestSubsidyPaid
    LoanExtended = loans.LoanExtended
    LoanOverdue = loans.LoanOverdue
    LoanRepaid = loans.LoanRepaid
    GuaranteeCompensated = loans.GuaranteeCompensated
    LoanRecovered = loans.LoanRecovered
    LoanWrittenOff = loans.LoanWrittenOff
    SubsidyApplied = subsidies.SubsidyApplied
    SubsidyGranted = subsidies.SubsidyGranted
    SubsidyRejected = subsidies.SubsidyRejected
    SubsidyPaid = subsidies.SubsidyPaid

    @staticmethod
    def create_id(case_no: str) -> UUID:
        return case_id_for(case_no)

    # ----------------------------------------------------------------- enrolment
    @classmethod
    def enrol(
        cls, *, case_no: str, name: str, id_type: str, id_number: str,
        hukou_division: str, owning_district: str, returnee_type: str,
        returned_on: date, caseworker_id: str, occurred_on: date,
        mobile: str | None = None, residence_division: str | None = None,
        loan_groups: Iterable[str] = (), sex: str | None = None,
        birth_date: date | None = None, is_disabled: bool = False,
        prior_work_province: str | None = None, intended_industry: str | None = None,
        note: str = "",
    ) -> Case:
        """Open a case (登记建档) after checking every field."""
        warnings: list[str] = []
        kind = choice(IdType, id_type, "id_type")
        identity, birth_date, sex = cls.check_identity(kind, id_number, birth_date, sex, warnings)
        district = divisions().county(owning_district, field="owning_district").code
        phone = None
        if mobile not in (None, ""):
            checked = Mobile.parse(str(mobile))
            phone, warnings = checked.value.value, warnings + list(checked.warnings)
        residence = None
        if residence_division not in (None, ""):
            code = StatisticalCode.parse(str(residence_division), county=district)
            residence, warnings = code.value.value, warnings + list(code.warnings)
        occurred_on = cls.check_not_future(occurred_on, "occurred_on")
        returned_on = cls.check_not_future(returned_on, "returned_on")
        if returned_on > occurred_on:
            raise InvalidValueError(
                "returned_on", "after_enrolment", "must not be after the enrolment date"
            )
        return cls(
            case_no=check_case_no(case_no), name=person_name(name), id_type=kind.value,
            id_number=identity, birth_date=birth_date, sex=sex, mobile=phone,
            hukou_division=divisions().county(hukou_division, field="hukou_division").code,
            residence_division=residence, owning_district=district,
            returnee_type=choice(ReturneeType, returnee_type, "returnee_type").value,
            loan_groups=choices(LoanGroup, loan_groups, "loan_groups"),
            is_disabled=bool(is_disabled), returned_on=returned_on,
            prior_work_province=cls.check_province(prior_work_province),
            intended_industry=optional_text(intended_industry, "intended_industry", max_len=100),
            caseworker_id=text(caseworker_id, "caseworker_id", max_len=64),
            warnings=sorted(set(warnings)), occurred_on=occurred_on,
            note=cls.check_note(note),
        )

    @event("Enrolled")
    def __init__(
        self, case_no: str, name: str, id_type: str, id_number: str, birth_date: date,
        sex: str, mobile: str | None, hukou_division: str, residence_division: str | None,
        owning_district: str, returnee_type: str, loan_groups: list[str],
        is_disabled: bool, returned_on: date, prior_work_province: str | None,
        intended_industry: str | None, caseworker_id: str, warnings: list[str],
        occurred_on: date, note: str,
    ) -> None:
        self.case_no, self.name, self.id_type, self.id_number = case_no, name, id_type, id_number
        self.birth_date, self.sex, self.mobile = birth_date, sex, mobile
        self.hukou_division, self.residence_division = hukou_division, residence_division
        self.owning_district, self.returnee_type = owning_district, returnee_type
        self.loan_groups, self.is_disabled = tuple(loan_groups), is_disabled
        self.returned_on, self.prior_work_province = returned_on, prior_work_province
        self.intended_industry, self.caseworker_id = intended_industry, caseworker_id
        self.warnings, self.enrolled_on = tuple(warnings), occurred_on
        self.is_open, self.closed_reason = True, None
        self.closed_on: date | None = None
        self.stage: str | None = None
        self.needs: tuple[str, ...] = ()
        self.trainings: dict[str, Training] = {}
        self.pairings: dict[str, Pairing] = {}
        self.businesses: dict[str, Business] = {}
        self.corrections: dict[str, Correction] = {}
        self.loans: dict[str, Loan] = {}
        self.subsidies: dict[str, Subsidy] = {}
        self.transfer: Transfer | None = None
        self.activities: dict[str, Attendance] = {}
        self.facts: dict[int, tuple[str, str | None, dict[str, str], bool]] = {}
        self.resources_matched: dict[str, date] = {}  # "KIND:key" → the last match

    # --------------------------------------------------------------- assessment
    def assess_needs(
        self, *, occurred_on: date, stage: str, needs: Iterable[str],
        form_version: str = "创业认知评估表", note: str = "",
    ) -> None:
        """Record the needs assessment (创业认知评估)."""
        self.check_open()
        self._assess_needs(
            occurred_on=self.check_effective(occurred_on),
            stage=choice(Stage, stage, "stage").value, needs=choices(Need, needs, "needs"),
            form_version=text(form_version, "form_version", max_len=40),
            note=self.check_note(note),
        )

    @event("NeedsAssessed")
    def _assess_needs(
        self, occurred_on: date, stage: str, needs: list[str], form_version: str, note: str
    ) -> None:
        self.stage, self.needs = stage, tuple(needs)

    # ----------------------------------------------------------------- training
    def enrol_in_training(
        self, *, rules: RuleBook, occurred_on: date, course: str, provider_uscc: str,
        start_on: date, planned_hours: int, subsidised: bool = True,
        class_approval_no: str | None = None, enrolment_ref: str | None = None,
        note: str = "",
    ) -> str:
        """Enrol the person in a course (报名参训); returns the enrolment ref."""
        self.check_open()
        occurred_on = self.check_effective(occurred_on)
        course_ = choice(Course, course, "course").value
        start_on = a_date(start_on, "start_on")
        rule_set = rules.in_force(start_on, self.owning_district)
        approval = optional_text(class_approval_no, "class_approval_no", max_len=40)
        if subsidised and approval is None:
            raise RuleViolationError(
                "class_approval_no", "approval_required",
                "a subsidised course needs the class approval number (开班批准号)",
            )
        if subsidised:
            self.check_subsidy_quota(rule_set, course_, start_on)
        ref = self.check_new_ref(enrolment_ref, self.trainings, "enrolment_ref")
        self._enrol_in_training(
            occurred_on=occurred_on, enrolment_ref=ref, course=course_,
            subsidised=bool(subsidised),
            provider_uscc=Uscc.parse(provider_uscc, field="provider_uscc").value.value,
            class_approval_no=approval, start_on=start_on,
            planned_hours=count(planned_hours, "planned_hours", minimum=1, maximum=2000),
            rule_set=rule_set.ref, note=self.check_note(note),
        )
        return ref

    @event("TrainingEnrolled")
    def _enrol_in_training(
        self, occurred_on: date, enrolment_ref: str, course: str, subsidised: bool,
        provider_uscc: str, class_approval_no: str | None, start_on: date,
        planned_hours: int, rule_set: str, note: str,
    ) -> None:
        self.trainings[enrolment_ref] = Training(
            enrolment_ref, course, subsidised, provider_uscc, class_approval_no,
            start_on, planned_hours, occurred_on, rule_set,
        )

    def complete_training(
        self, *, rules: RuleBook, occurred_on: date, enrolment_ref: str, result: str,
        hours_attended: int, certificate_no: str | None = None,
        business_plan_grade: str = PlanGrade.NONE, note: str = "",
    ) -> None:
        """Record the end of a course (结业): passed, failed or withdrawn."""
        self.check_open()
        training = self.check_open_training(enrolment_ref)
        occurred_on = self.check_effective(occurred_on)
        if occurred_on < training.start_on:
            raise InvalidValueError(
                "occurred_on", "before_start", "must not be before the course started",
                start_on=training.start_on.isoformat(),
            )
        rule_set = rules.in_force(occurred_on, self.owning_district)
        outcome = choice(TrainingResult, result, "result").value
        hours = count(hours_attended, "hours_attended", maximum=training.planned_hours)
        certificate = self.check_certificate(outcome, certificate_no)
        grade = self.check_plan_grade(rule_set, training, outcome, business_plan_grade)
        if outcome == TrainingResult.PASSED:
            minimum = rule_set.number("training.min_hours")[training.course]
            if hours < minimum:
                raise RuleViolationError(
                    "hours_attended", "below_minimum",
                    f"a pass in {training.course} needs at least {minimum} hours",
                    minimum=minimum, rule_set=rule_set.ref,
                )
        self._complete_training(
            occurred_on=occurred_on, enrolment_ref=training.ref, result=outcome,
            hours_attended=hours, certificate_no=certificate, business_plan_grade=grade,
            rule_set=rule_set.ref, note=self.check_note(note),
        )

    @event("TrainingCompleted")
    def _complete_training(
        self, occurred_on: date, enrolment_ref: str, result: str, hours_attended: int,
        certificate_no: str | None, business_plan_grade: str, rule_set: str, note: str,
    ) -> None:
        self.trainings[enrolment_ref] = replace(
            self.trainings[enrolment_ref], result=result, hours_attended=hours_attended,
            certificate_no=certificate_no, business_plan_grade=business_plan_grade,
            ended_on=occurred_on,
        )

    # ---------------------------------------------------------------- mentoring
    def assign_mentor(
        self, *, rules: RuleBook, occurred_on: date, mentor_id: str, mentor_level: str,
        group_ref: str | None = None, planned_sessions_per_year: int | None = None,
        pairing_ref: str | None = None, note: str = "",
    ) -> str:
        """Pair the person with a mentor (导师结对); returns the pairing ref."""
        self.check_open()
        occurred_on = self.check_effective(occurred_on)
        mentor = text(mentor_id, "mentor_id", max_len=64)
        if any(p.is_active and p.mentor_id == mentor for p in self.pairings.values()):
            raise StateConflictError(
                "mentor_id", "already_paired", "this mentor is already paired with the case"
            )
        rule_set = rules.in_force(occurred_on, self.owning_district)
        planned = planned_sessions_per_year
        if planned is None:
            planned = rule_set.number("mentoring.planned_sessions_per_year")
        ref = self.check_new_ref(pairing_ref, self.pairings, "pairing_ref")
        self._assign_mentor(
            occurred_on=occurred_on, pairing_ref=ref,
            mentor_id=mentor, mentor_level=choice(MentorLevel, mentor_level, "mentor_level").value,
            group_ref=optional_text(group_ref, "group_ref", max_len=64),
            planned_sessions_per_year=count(
                planned, "planned_sessions_per_year", minimum=1, maximum=366
            ),
            counted_session_minutes=rule_set.number("mentoring.counted_session_minutes"),
            rule_set=rule_set.ref, note=self.check_note(note),
        )
        return ref

    @event("MentorAssigned")
    def _assign_mentor(
        self, occurred_on: date, pairing_ref: str, mentor_id: str, mentor_level: str,
        group_ref: str | None, planned_sessions_per_year: int,
        counted_session_minutes: int, rule_set: str, note: str,
    ) -> None:
        self.pairings[pairing_ref] = Pairing(
            pairing_ref, mentor_id, mentor_level, group_ref, planned_sessions_per_year,
            counted_session_minutes, occurred_on, rule_set,
        )

    def hold_mentoring_session(
        self, *, occurred_on: date, pairing_ref: str, mode: str, minutes: int,
        topics: Iterable[str] = (), next_steps: str = "",
    ) -> None:
        """Record a mentoring session of an active pairing."""
        self.check_open()
        pairing = self.check_active_pairing(pairing_ref)
        occurred_on = self.check_effective(occurred_on, not_before=pairing.assigned_on)
        self._hold_mentoring_session(
            occurred_on=occurred_on, pairing_ref=pairing.ref,
            mode=choice(SessionMode, mode, "mode").value,
            minutes=count(minutes, "minutes", minimum=1, maximum=24 * 60),
            topics=[text(t, "topics", max_len=100) for t in topics],
            next_steps=optional_text(next_steps, "next_steps", max_len=2000) or "",
        )

    @event("MentoringSessionHeld")
    def _hold_mentoring_session(
        self, occurred_on: date, pairing_ref: str, mode: str, minutes: int,
        topics: list[str], next_steps: str,
    ) -> None:
        pairing = self.pairings[pairing_ref]
        counted = minutes >= pairing.counted_session_minutes
        self.pairings[pairing_ref] = replace(
            pairing, sessions=pairing.sessions + 1,
            counted_sessions=pairing.counted_sessions + int(counted),
            last_session_on=max(occurred_on, pairing.last_session_on or occurred_on),
        )

    def release_mentor(
        self, *, occurred_on: date, pairing_ref: str, reason: str, note: str = ""
    ) -> None:
        """End a mentor pairing."""
        self.check_open()
        pairing = self.check_active_pairing(pairing_ref)
        self._release_mentor(
            occurred_on=self.check_effective(occurred_on, not_before=pairing.assigned_on),
            pairing_ref=pairing.ref, reason=choice(ReleaseReason, reason, "reason").value,
            note=self.check_note(note),
        )

    @event("MentorReleased")
    def _release_mentor(self, occurred_on: date, pairing_ref: str, reason: str, note: str) -> None:
        self.pairings[pairing_ref] = replace(
            self.pairings[pairing_ref], released_on=occurred_on, release_reason=reason
        )

    # ----------------------------------------------------------------- business
    def register_business(
        self, *, occurred_on: date, uscc: str, entity_type: str, name: str,
        first_time_founder: bool, premises: str, is_online_merchant: bool = False,
        platform_shop_url: str | None = None, incubator_id: str | None = None,
        partners: Iterable[str] = (), industry_code: str | None = None,
        business_ref: str | None = None, note: str = "",
    ) -> str:
        """Record the business licence (领取营业执照); returns the business ref."""
        self.check_open()
        occurred_on = self.check_not_future(occurred_on, "occurred_on")
        code, kind, warnings = self.check_uscc(uscc, entity_type)
        if any(b.uscc == code for b in self.businesses.values()):
            raise StateConflictError("uscc", "duplicate", "this business is already on the case")
        premises_ = choice(Premises, premises, "premises").value
        incubator = optional_text(incubator_id, "incubator_id", max_len=64)
        if premises_ == Premises.INCUBATOR and incubator is None:
            raise InvalidValueError("incubator_id", "required", "name the incubator")
        url = optional_text(platform_shop_url, "platform_shop_url", max_len=300)
        if is_online_merchant and url is None:
            raise InvalidValueError(
                "platform_shop_url", "required", "an online merchant needs the shop address"
            )
        ref = self.check_new_ref(business_ref, self.businesses, "business_ref")
        partner_ids = []
        for raw in partners:
            checked = IdNumber.parse(raw, field="partners")
            partner_ids.append(checked.value.value)
            warnings += checked.warnings
        self._register_business(
            occurred_on=occurred_on, business_ref=ref,
            uscc=code, entity_type=kind, name=text(name, "name", max_len=100),
            first_time_founder=bool(first_time_founder),
            is_online_merchant=bool(is_online_merchant), platform_shop_url=url,
            premises=premises_, incubator_id=incubator,
            partners=partner_ids,
            industry_code=optional_text(industry_code, "industry_code", max_len=10),
            warnings=sorted(set(warnings)), note=self.check_note(note),
        )
        return ref

    @event("BusinessRegistered")
    def _register_business(
        self, occurred_on: date, business_ref: str, uscc: str, entity_type: str, name: str,
        first_time_founder: bool, is_online_merchant: bool, platform_shop_url: str | None,
        premises: str, incubator_id: str | None, partners: list[str],
        industry_code: str | None, warnings: list[str], note: str,
    ) -> None:
        self.businesses[business_ref] = Business(
            business_ref, uscc, entity_type, name, occurred_on, first_time_founder,
            is_online_merchant, platform_shop_url, premises, incubator_id, tuple(partners),
            industry_code, warnings=tuple(warnings),
        )

    def report_jobs(
        self, *, occurred_on: date, business_ref: str, employees_excl_founder: int,
        insured_employees: int, priority_group_hires_12m: int, contracts_ge_1y: int,
        source: str, verified: bool, note: str = "",
    ) -> None:
        """Record the jobs a business provides (带动就业核实) as of a date."""
        self.check_open()
        business = self.check_business(business_ref)
        employees = count(employees_excl_founder, "employees_excl_founder")
        for field, value in (("insured_employees", insured_employees),
                             ("priority_group_hires_12m", priority_group_hires_12m),
                             ("contracts_ge_1y", contracts_ge_1y)):
            count(value, field, maximum=employees)
        self._report_jobs(
            occurred_on=self.check_effective(
                occurred_on, not_before=business.registered_on, allow_before_return=True
            ),
            business_ref=business.ref, employees_excl_founder=employees,
            insured_employees=insured_employees,
            priority_group_hires_12m=priority_group_hires_12m,
            contracts_ge_1y=contracts_ge_1y,
            source=choice(JobsSource, source, "source").value, verified=bool(verified),
            note=self.check_note(note),
        )

    @event("JobsReported")
    def _report_jobs(
        self, occurred_on: date, business_ref: str, employees_excl_founder: int,
        insured_employees: int, priority_group_hires_12m: int, contracts_ge_1y: int,
        source: str, verified: bool, note: str,
    ) -> None:
        business = self.businesses[business_ref]
        jobs = Jobs(occurred_on, employees_excl_founder, insured_employees,
                    priority_group_hires_12m, contracts_ge_1y, source, verified)
        if business.jobs is None or business.jobs.as_of <= occurred_on:
            self.businesses[business_ref] = replace(business, jobs=jobs)

    def close_business(
        self, *, occurred_on: date, business_ref: str, kind: str, reason: str
    ) -> None:
        """Record that a business was deregistered or suspended (注销/歇业)."""
        self.check_open()
        business = self.check_business(business_ref)
        self._close_business(
            occurred_on=self.check_effective(
                occurred_on, not_before=business.registered_on, allow_before_return=True
            ),
            business_ref=business.ref, kind=choice(ClosureKind, kind, "kind").value,
            reason=text(reason, "reason", max_len=500),
        )

    @event("BusinessClosed")
    def _close_business(self, occurred_on: date, business_ref: str, kind: str, reason: str) -> None:
        self.businesses[business_ref] = replace(
            self.businesses[business_ref], closed_on=occurred_on, closure_kind=kind
        )

    # ---------------------------------------------------------------- follow-up
    def record_follow_up(
        self, *, occurred_on: date, method: str, reached: bool, summary: str,
        business_status: str | None = None, employees_now: int | None = None,
        needs: Iterable[str] = (), due_ref: str | None = None,
    ) -> None:
        """Record a follow-up contact (回访), reached or not."""
        self.check_open()
        self._record_follow_up(
            occurred_on=self.check_effective(occurred_on),
            due_ref=optional_text(due_ref, "due_ref", max_len=100),
            method=choice(ContactMethod, method, "method").value, reached=bool(reached),
            business_status=None if business_status in (None, "") else
            choice(BusinessStatus, business_status, "business_status").value,
            employees_now=None if employees_now is None else count(employees_now, "employees_now"),
            needs=choices(Need, needs, "needs"),
            summary=text(summary, "summary", max_len=2000),
        )

    @event("FollowUpRecorded")
    def _record_follow_up(
        self, occurred_on: date, due_ref: str | None, method: str, reached: bool,
        business_status: str | None, employees_now: int | None, needs: list[str],
        summary: str,
    ) -> None:
        if needs:
            self.needs = tuple(needs)

    def deliver_service(
        self, *, occurred_on: date, service: str, provider: str, outcome: str,
        resource_ref: str | None = None, resource_kind: str | None = None,
    ) -> None:
        """Record a service of the support package (资源包服务).

        A resource matched from a registry (资源对接) is named by its registry
        (``resource_kind``) and its key (``resource_ref``).
        """
        self.check_open()
        kind = None if resource_kind in (None, "") else \
            choice(RegistryKind, resource_kind, "resource_kind").value
        ref = optional_text(resource_ref, "resource_ref", max_len=64)
        if kind is not None and ref is None:
            raise InvalidValueError("resource_ref", "required", "name the registry entry")
        self._deliver_service(
            occurred_on=self.check_effective(occurred_on),
            service=choice(Service, service, "service").value,
            provider=text(provider, "provider", max_len=200),
            outcome=text(outcome, "outcome", max_len=2000),
            resource_ref=ref, resource_kind=kind,
        )

    @event("ServiceDelivered")
    def _deliver_service(
        self, occurred_on: date, service: str, provider: str, outcome: str,
        resource_ref: str | None, resource_kind: str | None = None,
    ) -> None:
        # Events stored before registries were named carry no resource_kind.
        if resource_kind is not None and resource_ref is not None:
            self.resources_matched = {**self.resources_matched,
                                      f"{resource_kind}:{resource_ref}": occurred_on}

    def attend_activity(self, *, attendance: Attendance) -> None:
        """Record that the person attended a group activity (集中服务活动)."""
        self.check_open()
        if attendance.activity_id in self.activities:
            raise StateConflictError("case_no", "already_attended",
                                     "the case records this activity already")
        self._attend_activity(
            occurred_on=self.check_effective(attendance.held_on),
            activity_id=attendance.activity_id, kind=attendance.kind,
            title=attendance.title, district=attendance.district,
        )

    @event("ActivityAttended")
    def _attend_activity(
        self, occurred_on: date, activity_id: str, kind: str, title: str, district: str
    ) -> None:
        self.activities[activity_id] = Attendance(activity_id, kind, title, occurred_on,
                                                  district)

    def withdraw_attendance(self, *, activity_id: str, reason: str) -> None:
        """Withdraw a wrongly recorded attendance of a group activity, with the reason why."""
        if activity_id not in self.activities:
            raise StateConflictError("case_no", "not_attended",
                                     "the case does not record this activity")
        self._withdraw_attendance(occurred_on=today(), activity_id=activity_id,
                                  reason=text(reason, "reason", max_len=500))

    @event("AttendanceWithdrawn")
    def _withdraw_attendance(self, occurred_on: date, activity_id: str, reason: str) -> None:
        del self.activities[activity_id]

    # -------------------------------------------------------------- corrections
    class RecordCorrected(AuditedAggregate.Event):
        correction_ref: str
        target_event_id: str
        target_version: int
        event_name: str
        field: str
        old_value: str
        new_value: str
        reason: str
        needs_approval: bool

        def apply(self, case: Case) -> None:
            correction = Correction(
                self.correction_ref, self.target_event_id, self.target_version,
                self.event_name, self.field, self.old_value, self.new_value, self.reason,
                self.needs_approval, self.actor, self.occurred_on,
                "PENDING" if self.needs_approval else "APPLIED",
            )
            case.corrections[self.correction_ref] = correction
            if not self.needs_approval:
                case.apply_correction(correction)

    class CorrectionApproved(AuditedAggregate.Event):
        correction_ref: str

        def apply(self, case: Case) -> None:
            correction = replace(
                case.corrections[self.correction_ref], status="APPLIED", decided_by=self.actor
            )
            case.corrections[self.correction_ref] = correction
            case.apply_correction(correction)

    class CorrectionRejected(AuditedAggregate.Event):
        correction_ref: str
        reason: str

        def apply(self, case: Case) -> None:
            case.corrections[self.correction_ref] = replace(
                case.corrections[self.correction_ref], status="REJECTED", decided_by=self.actor
            )

    def correct_record(
        self, *, occurred_on: date, target_version: int, field: str, new_value: Any,
        reason: str, correction_ref: str | None = None,
    ) -> str:
        """Correct a field of an earlier event; IDs, money and dates wait for approval."""
        if isinstance(target_version, bool) or target_version not in self.facts:
            raise InvalidValueError(
                "target_version", "no_such_event", "names no event of this case"
            )
        event_name, _, values, _ = self.facts[target_version]
        spec = corrections.correctable(event_name, field)
        kind = spec.kind
        if kind == "id_number" and self.id_type != IdType.RESIDENT_ID:
            kind = "document_number"  # passports and permits have no check character
        new = corrections.canonical_text(kind, new_value)
        old = values.get(field, "")
        if new == old:
            raise InvalidValueError("new_value", "unchanged", "is the value already recorded")
        if any(c.status == "PENDING" and c.target_version == target_version and c.field == field
               for c in self.corrections.values()):
            raise StateConflictError(
                "field", "correction_pending", "a correction of this field awaits approval"
            )
        self.check_correction_effect(target_version, field, new)
        ref = self.check_new_ref(correction_ref, self.corrections, "correction_ref")
        self.trigger_event(
            self.RecordCorrected,
            occurred_on=self.check_not_future(occurred_on, "occurred_on"),
            correction_ref=ref, target_event_id=str(event_id_for(self.id, target_version)),
            target_version=target_version, event_name=event_name, field=field,
            old_value=old, new_value=new, reason=text(reason, "reason", max_len=500),
            needs_approval=spec.kind in corrections.APPROVAL_KINDS,
        )
        return ref

    def approve_correction(self, *, occurred_on: date, correction_ref: str) -> Correction:
        """A supervisor approves a pending correction, which then takes effect."""
        correction = self.check_pending_correction(correction_ref)
        self.check_correction_effect(correction.target_version, correction.field,
                                     correction.new_value)
        self.trigger_event(
            self.CorrectionApproved,
            occurred_on=self.check_not_future(occurred_on, "occurred_on"),
            correction_ref=correction.ref,
        )
        return self.corrections[correction.ref]

    def reject_correction(self, *, occurred_on: date, correction_ref: str, reason: str) -> None:
        """A supervisor refuses a pending correction; the record stays as it was."""
        correction = self.check_pending_correction(correction_ref)
        self.trigger_event(
            self.CorrectionRejected,
            occurred_on=self.check_not_future(occurred_on, "occurred_on"),
            correction_ref=correction.ref, reason=text(reason, "reason", max_len=500),
        )

    # ---------------------------------------------------- transfer and closure
    class TransferRequested(AuditedAggregate.Event):
        transfer_ref: str
        from_district: str
        to_district: str
        reason: str

        def apply(self, case: Case) -> None:
            case.transfer = Transfer(
                self.transfer_ref, self.from_district, self.to_district, self.reason,
                self.occurred_on, self.actor,
            )

    def request_transfer(
        self, *, occurred_on: date, to_district: str, reason: str,
        transfer_ref: str | None = None,
    ) -> str:
        """Ask another district to take the case over."""
        self.check_open()
        if self.transfer is not None:
            raise StateConflictError(
                "to_district", "transfer_pending", "a transfer request is already pending"
            )
        district = divisions().county(to_district, field="to_district").code
        if district == self.owning_district:
            raise InvalidValueError(
                "to_district", "same_district", "must differ from the owning district"
            )
        ref = self.check_new_ref(transfer_ref, {}, "transfer_ref")
        self.trigger_event(
            self.TransferRequested, occurred_on=self.check_effective(occurred_on),
            transfer_ref=ref, from_district=self.owning_district, to_district=district,
            reason=text(reason, "reason", max_len=500),
        )
        return ref

    def decline_transfer(self, *, occurred_on: date, reason: str) -> None:
        """The receiving district declines a pending transfer."""
        transfer = self.check_pending_transfer()
        self._decline_transfer(
            occurred_on=self.check_effective(occurred_on, not_before=transfer.requested_on),
            transfer_ref=transfer.ref, reason=text(reason, "reason", max_len=500),
        )

    @event("TransferDeclined")
    def _decline_transfer(self, occurred_on: date, transfer_ref: str, reason: str) -> None:
        self.transfer = None

    def accept_transfer(self, *, occurred_on: date, to_caseworker_id: str) -> None:
        """The receiving district accepts the case (转移) and names its caseworker."""
        transfer = self.check_pending_transfer()
        self._accept_transfer(
            occurred_on=self.check_effective(occurred_on, not_before=transfer.requested_on),
            transfer_ref=transfer.ref, from_district=transfer.from_district,
            to_district=transfer.to_district, from_caseworker_id=self.caseworker_id,
            to_caseworker_id=text(to_caseworker_id, "to_caseworker_id", max_len=64),
        )

    @event("CaseTransferred")
    def _accept_transfer(
        self, occurred_on: date, transfer_ref: str, from_district: str, to_district: str,
        from_caseworker_id: str, to_caseworker_id: str,
    ) -> None:
        self.owning_district, self.caseworker_id = to_district, to_caseworker_id
        self.transfer = None

    def reassign(self, *, occurred_on: date, to_caseworker_id: str, reason: str) -> None:
        """Give the case to another caseworker of the same district."""
        self.check_open()
        worker = text(to_caseworker_id, "to_caseworker_id", max_len=64)
        if worker == self.caseworker_id:
            raise InvalidValueError(
                "to_caseworker_id", "same_caseworker", "already holds the case"
            )
        self._reassign(
            occurred_on=self.check_effective(occurred_on),
            from_caseworker_id=self.caseworker_id, to_caseworker_id=worker,
            reason=text(reason, "reason", max_len=500),
        )

    @event("CaseReassigned")
    def _reassign(
        self, occurred_on: date, from_caseworker_id: str, to_caseworker_id: str, reason: str
    ) -> None:
        self.caseworker_id = to_caseworker_id

    def close(self, *, occurred_on: date, reason: str, duplicate_of: str | None = None,
              note: str = "") -> None:
        """Close the case (结案); active mentor pairings end with it."""
        self.check_open()
        if self.transfer is not None:
            raise StateConflictError(
                "reason", "transfer_pending", "decide the pending transfer first"
            )
        why = choice(CloseReason, reason, "reason").value
        original = None
        if why == CloseReason.DUPLICATE:
            original = check_case_no(duplicate_of or "", "duplicate_of")
            if original == self.case_no:
                raise InvalidValueError("duplicate_of", "self", "must name another case")
        active = [p for p in self.pairings.values() if p.is_active]
        occurred_on = self.check_effective(
            occurred_on, not_before=max((p.assigned_on for p in active), default=None)
        )
        note = self.check_note(note)
        for pairing in active:
            self._release_mentor(
                occurred_on=occurred_on, pairing_ref=pairing.ref,
                reason=ReleaseReason.CASE_CLOSED.value, note="",
            )
        self._close(occurred_on=occurred_on, reason=why, duplicate_of=original, note=note)

    @event("CaseClosed")
    def _close(self, occurred_on: date, reason: str, duplicate_of: str | None, note: str) -> None:
        self.is_open, self.closed_reason, self.closed_on = False, reason, occurred_on

    def reopen(self, *, occurred_on: date, reason: str) -> None:
        """Reopen a closed case (恢复跟踪)."""
        if self.is_open:
            raise CaseNotClosedError("reason", "not_closed", "the case is open")
        self._reopen(occurred_on=self.check_effective(occurred_on, not_before=self.closed_on),
                     reason=text(reason, "reason", max_len=500))

    @event("CaseReopened")
    def _reopen(self, occurred_on: date, reason: str) -> None:
        self.is_open, self.closed_reason = True, None

    # ------------------------------------------------------------------- guards
    def check_open(self) -> None:
        if not self.is_open:
            raise CaseClosedError("case", "case_closed", "the case is closed; reopen it first")

    @staticmethod
    def check_identity(
        kind: IdType, raw: str, birth_date: date | None, sex: str | None, warnings: list[str]
    ) -> tuple[str, date, str]:
        if kind != IdType.RESIDENT_ID:
            number = text(raw, "id_number", max_len=30).upper().replace(" ", "")
            if birth_date is None:
                raise InvalidValueError("birth_date", "required", "is required for this ID type")
            born = CaseChecks.check_not_future(birth_date, "birth_date")
            return number, born, choice(Sex, sex, "sex").value
        checked = IdNumber.parse(raw)
        warnings.extend(checked.warnings)
        identity = checked.value
        if birth_date is not None and birth_date != identity.birth_date:
            raise InvalidValueError(
                "birth_date", "id_mismatch", "does not match the ID number"
            )
        if sex not in (None, "") and choice(Sex, sex, "sex") != identity.sex:
            raise InvalidValueError("sex", "id_mismatch", "does not match the ID number")
        return identity.value, identity.birth_date, identity.sex.value

    # ---------------------------------------------------------------- replay aid
    def recorded(self, event: Any) -> None:
        """Remember every event's correctable values (called for each event)."""
        name = type(event).__name__
        values = {f: corrections.as_text(getattr(event, f, None))
                  for f in corrections.CORRECTABLE.get(name, ())}
        values["occurred_on"] = event.occurred_on.isoformat()
        ref = getattr(event, _REF_FIELDS.get(name, "_"), None)
        contact = name in CONTACT_EVENTS or (name == "FollowUpRecorded" and event.reached)
        self.facts[event.originator_version] = (name, ref, values, contact)
        if name == "AttendanceWithdrawn":  # the attendance no longer counts as a contact
            for version, (was, about, kept, _) in list(self.facts.items()):
                if was == "ActivityAttended" and about == event.activity_id:
                    self.facts[version] = (was, about, kept, False)

    @property
    def last_contact_on(self) -> date:
        """The latest effective date on which the person was reached."""
        return max(date.fromisoformat(v["occurred_on"])
                   for _, _, v, contact in self.facts.values() if contact)
