"""The importer of each kind of ledger."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from application.ledger.case_rows import CaseRowImport, RowPlan
from application.ledger.importer import LedgerImport
from application.ledger.kinds import Kind
from application.ledger.loan_rows import LOAN_ROWS
from application.ledger.training_rows import TRAINING_ROWS
from domain.accounts import Account

if TYPE_CHECKING:
    from application.cases import Cases

#: Kinds whose rows add to existing cases, and what a row does to its case.
PLANS: dict[str, RowPlan] = {"trainings": TRAINING_ROWS, "loans": LOAN_ROWS}


def ledger_import(cases: Cases, kind: Kind, who: Account, accounts: Iterable[Account],
                  **options: Any) -> LedgerImport:
    """The importer of ``kind`` in ``who``'s name (returnees enrol cases; the others add)."""
    plan = PLANS.get(kind.name)
    if plan is None:
        return LedgerImport(cases, kind, who, accounts, **options)
    return CaseRowImport(cases, kind, plan, who, accounts, **options)
