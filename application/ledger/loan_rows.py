"""A row of a loan ledger (创业担保贷款台账) as the loan commands of its case.

A granted loan stands on an application, a supervisor's certification of
eligibility (which needs an operating business of the case, old enough) and
the grant itself; the row becomes all of them, in one transaction:

- the business, if the row names one (统一社会信用代码, 经营主体名称, 注册日期,
  经营场所, 是否首次创业) that the case lacks; a case without a business and a
  row without one is refused: nothing is made up;
- ``Cases.apply_for_loan`` (申请日期, 申请金额; they default to the
  certification's date and the amount lent; the borrower's declaration of other
  loans is taken as made, since the bank lent);
- ``Cases.certify_loan_eligibility``, approved, for the row's 贷款人员类别 (or the
  case's only loan group), on 审核日期 (default: the day of the loan);
- ``Cases.grant_loan`` (合同编号, 贷款银行, 担保方式, 贷款金额, 期限, 年利率, 放款日期);
- and ``Cases.record_loan_repaid`` when the row has 结清日期.

The importer must be a supervisor: certifications and grants are theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from application.ledger.case_rows import FieldError, OnCaseAlready, RowPlan, fields_as, required
from application.queries import CaseState
from domain.codes import entity_type_of
from domain.errors import InvalidValueError
from domain.recording import Role

if TYPE_CHECKING:
    from application.cases import Cases


def same_loan(values: dict[str, Any]) -> Any:
    """Two rows with one contract number are one loan."""
    return str(values.get("contract_no") or "").strip().upper()


def record_loan(cases: Cases, state: CaseState, values: dict[str, Any]) -> None:
    """The business if needed, then the application, certification, grant and repayment."""
    contract = same_loan(values)
    if any((loan.contract_no or "") == contract for loan in state.loans):
        raise OnCaseAlready()
    version = _business(cases, state, values)
    disbursed = values["disbursed_on"]
    certified = values.get("certified_on") or disbursed
    group = values.get("group") or (state.loan_groups[0] if len(state.loan_groups) == 1
                                    else None)
    required({**values, "group": group}, "group")
    amount_field = "amount" if values.get("amount") else "principal"
    with fields_as({"occurred_on": "applied_on", "amount": amount_field,
                    "loan_ref": "contract_no"}):
        saved = cases.apply_for_loan(
            state.case_id, version, occurred_on=values.get("applied_on") or certified,
            borrower_kind=values.get("borrower_kind") or "INDIVIDUAL",
            amount=values.get("amount") or values["principal"],
            term_months=values["term_months"], other_loans_declared=True,
            note=values.get("note") or "")
    ref = saved.ref or ""
    with fields_as({"occurred_on": "certified_on", "decision": "eligibility"}):
        saved = cases.certify_loan_eligibility(
            state.case_id, saved.version, occurred_on=certified, loan_ref=ref,
            decision="APPROVED", group=group)
    with fields_as({"occurred_on": "disbursed_on", "sequence_no": "eligibility"}):
        saved = cases.grant_loan(
            state.case_id, saved.version, occurred_on=disbursed, loan_ref=ref,
            contract_no=contract, bank=values["bank"], guarantor=values["guarantor"],
            principal=values["principal"], term_months=values["term_months"],
            annual_rate_bp=values["annual_rate_bp"])
    if values.get("repaid_on") is not None:
        with fields_as({"occurred_on": "repaid_on"}):
            cases.record_loan_repaid(state.case_id, saved.version,
                                     occurred_on=values["repaid_on"], loan_ref=ref)


def _business(cases: Cases, state: CaseState, values: dict[str, Any]) -> int:
    """Register the row's business if the case lacks it; the case's version after."""
    uscc = str(values.get("uscc") or "").strip().upper()
    if not uscc:
        if not any(b.is_operating for b in state.businesses):
            raise FieldError("uscc", InvalidValueError(
                "uscc", "no_business", "the case has no registered business: record it "
                "first, or give its 统一社会信用代码, name and registration date in the ledger"))
        return state.version
    if any(b.uscc == uscc for b in state.businesses):
        return state.version
    required(values, "business_name", "registered_on", "premises", "first_time_founder")
    with fields_as({"occurred_on": "registered_on", "name": "business_name"}):
        saved = cases.register_business(
            state.case_id, state.version, occurred_on=values["registered_on"], uscc=uscc,
            entity_type=values.get("entity_type") or entity_type_of(uscc).value,
            name=values["business_name"], first_time_founder=values["first_time_founder"],
            premises=values["premises"])
    return saved.version


LOAN_ROWS = RowPlan(record_loan, same_loan, importers=(Role.SUPERVISOR,))
