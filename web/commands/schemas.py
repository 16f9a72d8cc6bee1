"""One schema per command: what each form accepts (syntax only; the domain judges meaning).

``load()`` returns the keyword arguments of the ``Cases`` method of the same
name; the money commands' schemas are in :mod:`web.commands.money_schemas`.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema

from domain.codes import EntityType
from domain.values import (
    BusinessStatus,
    CloseReason,
    ClosureKind,
    ContactMethod,
    Course,
    JobsSource,
    MentorLevel,
    Need,
    PlanGrade,
    Premises,
    ReleaseReason,
    Service,
    SessionMode,
    Stage,
    TrainingResult,
)
from web.commands.fields import (
    Choice,
    Choices,
    Count,
    Day,
    Flag,
    Hidden,
    Lines,
    LongText,
    Ref,
    Text,
)
from web.i18n import _l
from web.pickers import Pick

#: Correctable fields, as offered on the correction form (the domain checks the pair).
CORRECTABLE_FIELDS = (
    "occurred_on", "name", "id_number", "mobile", "hukou_division", "residence_division",
    "returnee_type", "returned_on", "birth_date", "sex", "is_disabled", "intended_industry",
    "class_approval_no", "start_on", "planned_hours", "hours_attended", "business_plan_grade",
    "uscc", "industry_code", "summary", "provider", "outcome",
)


def occurred_on() -> Day:
    return Day(_l("Date it happened"), required=True,
               hint=_l("The effective date: not in the future."))


def note() -> LongText:
    return LongText(_l("Note"), max_len=2000)


def reason(required: bool = True) -> LongText:
    return LongText(_l("Reason"), max_len=500, required=required)


class CommandSchema(Schema):
    """Every form: the effective date first; unknown inputs (the CSRF token) are dropped."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    occurred_on = occurred_on()


class AssessNeedsSchema(CommandSchema):
    stage = Choice(_l("Stage of the business"), Stage, required=True)
    needs = Choices(_l("Needs"), Need)
    note = note()


class EnrolInTrainingSchema(CommandSchema):
    class_approval_no = Pick(_l("Class approval number"), "TRAINING_CLASS",
                             hint=_l("Required for a subsidised course. A class fills in its "
                                     "provider, course, start and hours."))
    course = Choice(_l("Course"), Course, hint=_l("Taken from the class when left empty."))
    provider_uscc = Pick(_l("Training provider"), "PROVIDER",
                         hint=_l("A provider whose filing is in force; taken from the class "
                                 "when left empty."))
    start_on = Day(_l("Course starts on"), hint=_l("Taken from the class when left empty."))
    planned_hours = Count(_l("Planned hours"), maximum=2000,
                          hint=_l("Taken from the class when left empty."))
    subsidised = Flag(_l("Subsidised course"), initial=True)
    note = note()


class CompleteTrainingSchema(CommandSchema):
    enrolment_ref = Ref(_l("Training"), "training", required=True)
    result = Choice(_l("Result"), TrainingResult, required=True)
    hours_attended = Count(_l("Hours attended"), maximum=2000, required=True)
    certificate_no = Text(_l("Certificate number"), max_len=40)
    business_plan_grade = Choice(_l("Business plan grade"), PlanGrade)
    note = note()


class AssignMentorSchema(CommandSchema):
    mentor_id = Pick(_l("Mentor"), "MENTOR", required=True,
                     hint=_l("An active mentor of the mentor registry."))
    mentor_level = Choice(_l("Mentor level"), MentorLevel,
                          hint=_l("Taken from the registry when left empty."))
    group_ref = Text(_l("Mentoring group"), max_len=64)
    planned_sessions_per_year = Count(_l("Planned sessions a year"), maximum=366,
                                      hint=_l("Leave empty for the rule set's number."))
    note = note()


class HoldMentoringSessionSchema(CommandSchema):
    pairing_ref = Ref(_l("Mentor pairing"), "pairing", required=True)
    mode = Choice(_l("How"), SessionMode, required=True)
    minutes = Count(_l("Minutes"), maximum=24 * 60, required=True)
    topics = Choices(_l("Topics"), Need)
    next_steps = LongText(_l("Next steps"), max_len=2000)


class ReleaseMentorSchema(CommandSchema):
    pairing_ref = Ref(_l("Mentor pairing"), "pairing", required=True)
    reason = Choice(_l("Reason"), ReleaseReason, exclude=(ReleaseReason.CASE_CLOSED,),
                    required=True)
    note = note()


class RegisterBusinessSchema(CommandSchema):
    uscc = Text(_l("Unified social credit code"), max_len=18, required=True)
    entity_type = Choice(_l("Kind of entity"), EntityType, required=True)
    name = Text(_l("Business name"), max_len=100, required=True)
    first_time_founder = Flag(_l("First business the person founded"))
    premises = Choice(_l("Premises"), Premises, required=True)
    incubator_id = Pick(_l("Incubator"), "INCUBATOR", hint=_l("Required in an incubator."))
    is_online_merchant = Flag(_l("Online merchant"))
    platform_shop_url = Text(_l("Online shop address"), max_len=300)
    partners = Lines(_l("Partners' ID numbers"), max_len=30, hint=_l("One per line."))
    industry_code = Text(_l("Industry code"), max_len=10)
    note = note()


class ReportJobsSchema(CommandSchema):
    business_ref = Ref(_l("Business"), "business", required=True)
    employees_excl_founder = Count(_l("Employees (without the founder)"), required=True)
    insured_employees = Count(_l("Insured employees"), required=True)
    priority_group_hires_12m = Count(_l("Hires from priority groups, last 12 months"),
                                     required=True)
    contracts_ge_1y = Count(_l("Contracts of a year or more"), required=True)
    source = Choice(_l("Source"), JobsSource, required=True)
    verified = Flag(_l("Verified"))
    note = note()


class CloseBusinessSchema(CommandSchema):
    business_ref = Ref(_l("Business"), "business", required=True)
    kind = Choice(_l("Deregistered or suspended"), ClosureKind, required=True)
    reason = reason()


class RecordFollowUpSchema(CommandSchema):
    method = Choice(_l("Contact by"), ContactMethod, required=True)
    reached = Flag(_l("The person was reached"), initial=True)
    summary = LongText(_l("Summary"), max_len=2000, required=True)
    business_status = Choice(_l("State of the business"), BusinessStatus)
    employees_now = Count(_l("Employees now"))
    needs = Choices(_l("Needs"), Need)
    due_ref = Hidden(_l("Queue item"), max_len=100)


class DeliverServiceSchema(CommandSchema):
    service = Choice(_l("Service"), Service, required=True)
    provider = Text(_l("Provider"), max_len=200, required=True)
    outcome = LongText(_l("Outcome"), max_len=2000, required=True)
    resource_ref = Text(_l("Resource list entry"), max_len=64)


class CorrectRecordSchema(CommandSchema):
    target_version = Ref(_l("Record to correct"), "event", required=True)
    field = Choice(_l("Field"), CORRECTABLE_FIELDS, required=True)
    new_value = Text(_l("Correct value"), max_len=2000, required=True,
                     hint=_l("Dates as YYYY-MM-DD. ID numbers, money and dates wait for a "
                             "supervisor's approval."))
    reason = reason()


class ApproveCorrectionSchema(CommandSchema):
    correction_ref = Ref(_l("Correction"), "correction", required=True)


class RejectCorrectionSchema(CommandSchema):
    correction_ref = Ref(_l("Correction"), "correction", required=True)
    reason = reason()


class RequestTransferSchema(CommandSchema):
    to_district = Text(_l("To district"), max_len=6, required=True,
                       hint=_l("The 6-digit code of the county that is to take the case."))
    reason = reason()


class AcceptTransferSchema(CommandSchema):
    to_caseworker_id = Ref(_l("New caseworker"), "caseworker", required=True)


class DeclineTransferSchema(CommandSchema):
    reason = reason()


class ReassignCaseSchema(CommandSchema):
    to_caseworker_id = Ref(_l("New caseworker"), "caseworker", required=True)
    reason = reason()


class CloseCaseSchema(CommandSchema):
    reason = Choice(_l("Reason"), CloseReason, required=True)
    duplicate_of = Text(_l("Duplicate of case"), max_len=32,
                        hint=_l("The case number this case duplicates."))
    note = note()


class ReopenCaseSchema(CommandSchema):
    reason = reason()
