"""Every command a form serves: its schema, its ``Cases`` method, its title and who may use it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from marshmallow import Schema

from application.queries import CaseState
from domain.accounts import Account
from domain.recording import Role
from web.commands import money_schemas as m
from web.commands import schemas as s
from web.i18n import _l

#: Who may use a command: any writer of the owning district, its supervisors only, or
#: the district a pending transfer would move the case to.
RECORD, SUPERVISE, RECEIVE = "record", "supervise", "receive"


@dataclass(frozen=True)
class Command:
    name: str
    schema: type[Schema]
    method: str
    title: LazyString
    who: str = RECORD
    event: str = ""

    @property
    def fields(self) -> dict[str, object]:
        return dict(self.schema().fields)


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("assess-needs", s.AssessNeedsSchema, "assess_needs", _l("Assess needs"),
            event="NeedsAssessed"),
    Command("enrol-in-training", s.EnrolInTrainingSchema, "enrol_in_training",
            _l("Enrol in training"), event="TrainingEnrolled"),
    Command("complete-training", s.CompleteTrainingSchema, "complete_training",
            _l("Complete training"), event="TrainingCompleted"),
    Command("assign-mentor", s.AssignMentorSchema, "assign_mentor", _l("Assign a mentor"),
            event="MentorAssigned"),
    Command("hold-mentoring-session", s.HoldMentoringSessionSchema, "hold_mentoring_session",
            _l("Record a mentoring session"), event="MentoringSessionHeld"),
    Command("release-mentor", s.ReleaseMentorSchema, "release_mentor", _l("Release the mentor"),
            event="MentorReleased"),
    Command("register-business", s.RegisterBusinessSchema, "register_business",
            _l("Register a business"), event="BusinessRegistered"),
    Command("report-jobs", s.ReportJobsSchema, "report_jobs", _l("Report jobs"),
            event="JobsReported"),
    Command("close-business", s.CloseBusinessSchema, "close_business", _l("Close a business"),
            event="BusinessClosed"),
    Command("record-follow-up", s.RecordFollowUpSchema, "record_follow_up",
            _l("Record a follow-up"), event="FollowUpRecorded"),
    Command("deliver-service", s.DeliverServiceSchema, "deliver_service",
            _l("Record a service"), event="ServiceDelivered"),
    Command("correct-record", s.CorrectRecordSchema, "correct_record", _l("Correct a record"),
            event="RecordCorrected"),
    Command("approve-correction", s.ApproveCorrectionSchema, "approve_correction",
            _l("Approve a correction"), SUPERVISE, "CorrectionApproved"),
    Command("reject-correction", s.RejectCorrectionSchema, "reject_correction",
            _l("Reject a correction"), SUPERVISE, "CorrectionRejected"),
    Command("request-transfer", s.RequestTransferSchema, "request_transfer",
            _l("Request a transfer"), event="TransferRequested"),
    Command("accept-transfer", s.AcceptTransferSchema, "accept_transfer",
            _l("Accept the transfer"), RECEIVE, "CaseTransferred"),
    Command("decline-transfer", s.DeclineTransferSchema, "decline_transfer",
            _l("Decline the transfer"), RECEIVE, "TransferDeclined"),
    Command("reassign-case", s.ReassignCaseSchema, "reassign_case", _l("Reassign the case"),
            SUPERVISE, "CaseReassigned"),
    Command("close-case", s.CloseCaseSchema, "close_case", _l("Close the case"),
            event="CaseClosed"),
    Command("reopen-case", s.ReopenCaseSchema, "reopen_case", _l("Reopen the case"),
            event="CaseReopened"),
    Command("apply-for-loan", m.ApplyForLoanSchema, "apply_for_loan", _l("Apply for a loan"),
            event="LoanApplied"),
    Command("certify-loan-eligibility", m.CertifyLoanEligibilitySchema,
            "certify_loan_eligibility", _l("Certify loan eligibility"), SUPERVISE,
            "LoanEligibilityCertified"),
    Command("grant-loan", m.GrantLoanSchema, "grant_loan", _l("Record a loan grant"),
            event="LoanGranted"),
    Command("pay-interest-subsidy", m.PayInterestSubsidySchema, "pay_interest_subsidy",
            _l("Pay an interest subsidy"), event="InterestSubsidyPaid"),
    Command("extend-loan", m.ExtendLoanSchema, "extend_loan", _l("Extend a loan"),
            event="LoanExtended"),
    Command("record-loan-overdue", m.RecordLoanOverdueSchema, "record_loan_overdue",
            _l("Record an overdue loan"), event="LoanOverdue"),
    Command("record-loan-repaid", m.RecordLoanRepaidSchema, "record_loan_repaid",
            _l("Record a repaid loan"), event="LoanRepaid"),
    Command("compensate-guarantee", m.CompensateGuaranteeSchema, "compensate_guarantee",
            _l("Record a guarantee compensation"), event="GuaranteeCompensated"),
    Command("record-loan-recovery", m.RecordLoanRecoverySchema, "record_loan_recovery",
            _l("Record a loan recovery"), event="LoanRecovered"),
    Command("write-off-loan", m.WriteOffLoanSchema, "write_off_loan", _l("Write off a loan"),
            event="LoanWrittenOff"),
    Command("apply-for-subsidy", m.ApplyForSubsidySchema, "apply_for_subsidy",
            _l("Apply for a subsidy"), event="SubsidyApplied"),
    Command("grant-subsidy", m.GrantSubsidySchema, "grant_subsidy", _l("Grant a subsidy"),
            SUPERVISE, "SubsidyGranted"),
    Command("reject-subsidy", m.RejectSubsidySchema, "reject_subsidy", _l("Reject a subsidy"),
            SUPERVISE, "SubsidyRejected"),
    Command("pay-subsidy", m.PaySubsidySchema, "pay_subsidy", _l("Record a subsidy payment"),
            event="SubsidyPaid"),
)}

#: The title of the command behind each event (for timelines and the conflict page).
EVENT_TITLES: dict[str, LazyString] = {
    "Enrolled": _l("Enrolment"), "CaseTransferred": _l("Transfer accepted"),
    "ActivityAttended": _l("Activity attended"),
    "AttendanceWithdrawn": _l("Attendance withdrawn"),
    **{c.event: c.title for c in COMMANDS.values() if c.event and c.event != "CaseTransferred"},
}
_ANY_STATE = frozenset({"correct-record", "approve-correction", "reject-correction"})


def may_use(who: Account, command: Command, state: CaseState) -> bool:
    """Whether the account may use the command on the case (whatever state it is in)."""
    if who.role not in (Role.CASEWORKER, Role.SUPERVISOR) or not who.active:
        return False
    if command.who == RECEIVE:
        return state.transfer is not None and who.may_write(state.transfer.to_district)
    if not who.may_write(state.owning_district):
        return False
    return who.may_supervise if command.who == SUPERVISE else True


def fits(command: Command, state: CaseState) -> bool:
    """Whether the command makes sense in the case's state (what to offer, not a rule)."""
    if command.name in _ANY_STATE:
        return command.name == "correct-record" or any(
            c.status == "PENDING" for c in state.corrections)
    if command.name == "reopen-case":
        return not state.is_open
    if command.who == RECEIVE:
        return state.transfer is not None
    return state.is_open and not (command.name == "request-transfer" and state.transfer)


def commands_for(who: Account, state: CaseState) -> list[Command]:
    """The commands to offer this account on this case (the case page's buttons)."""
    return [c for c in COMMANDS.values() if fits(c, state) and may_use(who, c, state)]
