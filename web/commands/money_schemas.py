"""The loan and subsidy forms' schemas (amounts typed in yuan, loaded as fen)."""

from __future__ import annotations

from domain.values import BorrowerKind, Decision, Guarantor, LoanGroup, SubsidyKind
from web.commands.fields import Choice, Count, Day, Flag, Percent, Ref, Text, Yuan
from web.commands.schemas import CommandSchema, note, reason
from web.i18n import _l

LIVE = ("GRANTED", "EXTENDED", "OVERDUE")
AFTER_COMPENSATION = ("COMPENSATED", "RECOVERED")


def loan(*statuses: str) -> Ref:
    return Ref(_l("Loan"), "loan", statuses=statuses, required=True)


def subsidy(*statuses: str) -> Ref:
    return Ref(_l("Subsidy"), "subsidy", statuses=statuses, required=True)


class ApplyForLoanSchema(CommandSchema):
    borrower_kind = Choice(_l("Borrower"), BorrowerKind, required=True)
    amount = Yuan(_l("Amount applied for"), required=True,
                  hint=_l("In yuan, such as 12000.50."))
    term_months = Count(_l("Term in months"), maximum=120, required=True)
    other_loans_declared = Flag(_l("The borrower's and spouse's other loans are declared"))
    note = note()


class CertifyLoanEligibilitySchema(CommandSchema):
    loan_ref = loan("APPLIED")
    decision = Choice(_l("Decision"), Decision, required=True)
    group = Choice(_l("Borrower group"), LoanGroup, required=True)
    reason = reason(required=False)


class GrantLoanSchema(CommandSchema):
    loan_ref = loan("CERTIFIED")
    contract_no = Text(_l("Contract number"), max_len=60, required=True)
    bank = Text(_l("Bank"), max_len=100, required=True)
    guarantor = Choice(_l("Guarantor"), Guarantor, required=True)
    principal = Yuan(_l("Principal"), required=True, hint=_l("In yuan, such as 12000.50."))
    term_months = Count(_l("Term in months"), maximum=1200, required=True)
    annual_rate_bp = Percent(_l("Annual interest rate (%)"), required=True,
                             hint=_l("In percent, such as 3.45."))


class PayInterestSubsidySchema(CommandSchema):
    loan_ref = loan(*LIVE, "REPAID", "COMPENSATED", "RECOVERED", "WRITTEN_OFF")
    period = Text(_l("Quarter"), max_len=7, required=True, hint=_l("Such as 2024-Q3."))
    interest_paid = Yuan(_l("Interest paid"), required=True,
                         hint=_l("In yuan, such as 12000.50."))


class ExtendLoanSchema(CommandSchema):
    loan_ref = loan("GRANTED", "EXTENDED")
    new_maturity_on = Day(_l("New maturity date"), required=True)


class RecordLoanOverdueSchema(CommandSchema):
    loan_ref = loan("GRANTED", "EXTENDED")
    overdue_since = Day(_l("Overdue since"), required=True)
    amount_overdue = Yuan(_l("Amount overdue"), required=True,
                          hint=_l("In yuan, such as 12000.50."))


class RecordLoanRepaidSchema(CommandSchema):
    loan_ref = loan(*LIVE)


class CompensateGuaranteeSchema(CommandSchema):
    loan_ref = loan("OVERDUE")
    paid = Yuan(_l("Compensation paid"), required=True, hint=_l("In yuan, such as 12000.50."))
    fund_share_pct = Count(_l("Fund's share (%)"), maximum=100,
                           hint=_l("Leave empty for the rule set's share."))


class RecordLoanRecoverySchema(CommandSchema):
    loan_ref = loan(*AFTER_COMPENSATION)
    amount = Yuan(_l("Amount recovered"), required=True, hint=_l("In yuan, such as 12000.50."))


class WriteOffLoanSchema(CommandSchema):
    loan_ref = loan(*AFTER_COMPENSATION)
    amount = Yuan(_l("Amount written off"), required=True,
                  hint=_l("In yuan, such as 12000.50."))


class ApplyForSubsidySchema(CommandSchema):
    kind = Choice(_l("Kind of subsidy"), SubsidyKind, required=True)
    amount = Yuan(_l("Amount applied for"), required=True,
                  hint=_l("In yuan, such as 12000.50."))
    subject_ref = Ref(_l("For"), "subject", required=True,
                      hint=_l("The business, loan or training the subsidy is for."))
    period_from = Day(_l("Period from"), hint=_l("Rent, job-creation and social insurance "
                                                 "subsidies only."))
    period_to = Day(_l("Period to"))


class GrantSubsidySchema(CommandSchema):
    subsidy_ref = subsidy("APPLIED")
    amount = Yuan(_l("Amount granted"), required=True, hint=_l("In yuan, such as 12000.50."))


class RejectSubsidySchema(CommandSchema):
    subsidy_ref = subsidy("APPLIED")
    reason = reason()


class PaySubsidySchema(CommandSchema):
    subsidy_ref = subsidy("GRANTED")
    amount = Yuan(_l("Amount paid"), required=True, hint=_l("In yuan, such as 12000.50."))
