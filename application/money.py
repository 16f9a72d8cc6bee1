"""The loan and subsidy commands of ``Cases``.

Rules that reach beyond one case are enforced here: a person's loans in
earlier (closed) cases count toward the repeat-loan rules, a loan contract
number is used once, and the one-time start-up subsidy is granted once per
person and once per business, by claims saved with the case's event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.case import Case
from domain.errors import DuplicateError
from domain.loans import Loan
from domain.uniqueness import UniqueKey
from domain.values import SubsidyKind

if TYPE_CHECKING:
    from application.cases import Cases, Saved


class MoneyCommands:
    """Loans (创业担保贷款) and subsidies (创业补贴)."""

    def apply_for_loan(self: Cases, case_id: UUID, expected_version: int,
                       **fields: Any) -> Saved:
        """Record a loan application; the person's earlier loans count."""
        return self._update(case_id, expected_version, lambda c, _: c.apply_for_loan(
            rules=self.rules, prior_loans=self._prior_loans(c), **fields))

    def certify_loan_eligibility(self: Cases, case_id: UUID, expected_version: int,
                                 **fields: Any) -> Saved:
        """Record the eligibility decision on a loan application."""
        return self._update(case_id, expected_version, lambda c, _: c.certify_loan_eligibility(
            rules=self.rules, **fields))

    def grant_loan(self: Cases, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Record a disbursement; its contract number is used once system-wide."""

        def change(case: Case, claims: list[UniqueKey]) -> None:
            case.grant_loan(rules=self.rules, prior_loans=self._prior_loans(case), **fields)
            contract = case.loans[fields["loan_ref"]].contract_no or ""
            claims.append(self._claim(case, "loan-contract", contract, "contract_no"))

        return self._update(case_id, expected_version, change)

    def pay_interest_subsidy(self: Cases, case_id: UUID, expected_version: int,
                             **fields: Any) -> Saved:
        """Record a quarter's interest subsidy, computed from the loan's terms."""
        return self._update(case_id, expected_version,
                            lambda c, _: str(c.pay_interest_subsidy(**fields)))

    def extend_loan(self: Cases, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Record a loan extension."""
        return self._update(case_id, expected_version,
                            lambda c, _: c.extend_loan(rules=self.rules, **fields))

    def record_loan_overdue(self: Cases, case_id: UUID, expected_version: int,
                            **fields: Any) -> Saved:
        """Record that a loan fell overdue."""
        return self._update(case_id, expected_version,
                            lambda c, _: c.record_loan_overdue(**fields))

    def record_loan_repaid(self: Cases, case_id: UUID, expected_version: int,
                           **fields: Any) -> Saved:
        """Record a repayment in full."""
        return self._update(case_id, expected_version,
                            lambda c, _: c.record_loan_repaid(**fields))

    def compensate_guarantee(self: Cases, case_id: UUID, expected_version: int,
                             **fields: Any) -> Saved:
        """Record the guarantee fund's compensation."""
        return self._update(case_id, expected_version,
                            lambda c, _: c.compensate_guarantee(rules=self.rules, **fields))

    def record_loan_recovery(self: Cases, case_id: UUID, expected_version: int,
                             **fields: Any) -> Saved:
        """Record money recovered after compensation."""
        return self._update(case_id, expected_version,
                            lambda c, _: c.record_loan_recovery(**fields))

    def write_off_loan(self: Cases, case_id: UUID, expected_version: int,
                       **fields: Any) -> Saved:
        """Record a write-off."""
        return self._update(case_id, expected_version, lambda c, _: c.write_off_loan(**fields))

    def apply_for_subsidy(self: Cases, case_id: UUID, expected_version: int,
                          **fields: Any) -> Saved:
        """Record a subsidy application; a start-up subsidy granted elsewhere refuses it."""

        def change(case: Case, _: list[UniqueKey]) -> str:
            ref = case.apply_for_subsidy(rules=self.rules, **fields)
            for kind, key, field in self._once_keys(case, ref):
                holder = self._key(kind, key).holder
                if holder is not None and holder != str(case.id):
                    raise DuplicateError(field, "duplicate", "was already granted elsewhere")
            return ref

        return self._update(case_id, expected_version, change)

    def grant_subsidy(self: Cases, case_id: UUID, expected_version: int,
                      **fields: Any) -> Saved:
        """Grant a subsidy; a one-time subsidy is claimed for the person and the business."""

        def change(case: Case, claims: list[UniqueKey]) -> None:
            case.grant_subsidy(rules=self.rules, **fields)
            for kind, key, field in self._once_keys(case, fields["subsidy_ref"]):
                claims.append(self._claim(case, kind, key, field))

        return self._update(case_id, expected_version, change)

    def reject_subsidy(self: Cases, case_id: UUID, expected_version: int,
                       **fields: Any) -> Saved:
        """Refuse a subsidy application."""
        return self._update(case_id, expected_version, lambda c, _: c.reject_subsidy(**fields))

    def pay_subsidy(self: Cases, case_id: UUID, expected_version: int, **fields: Any) -> Saved:
        """Record a subsidy payment."""
        return self._update(case_id, expected_version, lambda c, _: c.pay_subsidy(**fields))

    # ------------------------------------------------------------------ internals
    def _prior_loans(self: Cases, case: Case) -> tuple[Loan, ...]:
        """Granted loans of the same person in the cases it held before this one."""
        identity = self._key("identity", self._identity(case))
        earlier = [h for h in identity.holders if h != str(case.id)]
        return tuple(loan for holder in earlier
                     for loan in self._get(UUID(holder)).loans.values()
                     if loan.disbursed_on is not None)

    def _once_keys(self: Cases, case: Case, ref: str) -> list[tuple[str, str, str]]:
        subsidy = case.subsidies[ref]
        if subsidy.kind != SubsidyKind.ONE_TIME_STARTUP:
            return []
        uscc = case.businesses[subsidy.subject_ref].uscc
        return [("startup-subsidy-person", self._identity(case), "kind"),
                ("startup-subsidy-business", uscc, "subject_ref")]
