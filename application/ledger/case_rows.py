"""Ledgers whose rows add to the cases already in the store: trainings, loans.

A row finds its case by the keyed hash of its ID number (the ``identity``
``UniqueKey``; the number itself is never looked up in clear) and becomes the
case commands of ``Cases``, one or several (a loan: its business if the case
lacks one, the application, the supervisor's certification, the grant), run
in a staging (``Cases.staged``): the commands check exactly what they check
when a form sends them, and nothing is saved.  A dry run drops what they
staged.  An import saves a batch of rows in one transaction: every changed
case, the unique values they claimed, and each row's own ``UniqueKey`` (the
file's SHA-256, the sheet and the row); a row is all its events or none.  If
the store refuses the batch (a row imported before, by an earlier run, one
killed half-way, or someone at the same moment), each row is staged again
from the store and saved alone, asking first whether it is in.

A row whose thing is on the case already (the same training, the same loan
contract) is a duplicate, unless this file's row put it there: then it was
imported before.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.identity import identity_value
from application.ledger.columns import Header, find_header
from application.ledger.importer import (
    ATTEMPTS,
    BATCH,
    ROW_KEY,
    ImportRefusedError,
    LedgerImport,
    Outcome,
    Progress,
    RowError,
    RowResult,
    Status,
    _data_rows,
)
from application.ledger.kinds import Kind
from application.ledger.sheets import LedgerFile, LedgerFileError, Sheet
from application.queries import CaseState
from domain.accounts import Account
from domain.codes import IdNumber
from domain.errors import DomainError, InvalidValueError, StateConflictError
from domain.recording import Role, recording_as
from domain.uniqueness import UniqueKey

if TYPE_CHECKING:
    from application.cases import Cases


class FieldError(Exception):
    """Raised when a command of a row refuses a value: the ledger field it came from."""

    def __init__(self, field: str, error: DomainError) -> None:
        super().__init__(str(error))
        self.field, self.error = field, error


class OnCaseAlready(Exception):
    """Raised when the case holds what the row records (the same training, the same loan)."""


@contextmanager
def fields_as(names: Mapping[str, str]) -> Iterator[None]:
    """Name a command's refused field as the ledger field it came from."""
    try:
        yield
    except DomainError as error:
        raise FieldError(names.get(error.field, error.field), error) from None


def required(values: Mapping[str, Any], *names: str) -> None:
    """Refuse the row for the first of ``names`` it lacks."""
    for name in names:
        if values.get(name) in (None, ""):
            raise FieldError(name, InvalidValueError(name, "required", "is required"))


@dataclass(frozen=True)
class RowPlan:
    """What one kind of row does to its case."""

    #: (cases, the case as staged, the row's values) → runs the row's commands.
    record: Callable[[Cases, CaseState, dict[str, Any]], None]
    #: The row's values → what makes two rows the same thing for one case.
    same: Callable[[dict[str, Any]], Any]
    #: Who may import this kind (a loan is certified and granted by a supervisor).
    importers: tuple[Role, ...] = (Role.CASEWORKER, Role.SUPERVISOR)


@dataclass
class _Staged:
    """A row whose commands passed, waiting to be saved (or, on a dry run, looked up)."""

    result: RowResult
    values: dict[str, Any]
    request_id: str
    row_key: str
    case_id: UUID
    changed: dict[UUID, Any] = field(default_factory=dict)


class CaseRowImport(LedgerImport):
    """Checks and imports the rows of a ledger that adds to existing cases."""

    def __init__(self, cases: Cases, kind: Kind, plan: RowPlan, who: Account,
                 accounts: Iterable[Account], *, defaults: Mapping[str, Any] | None = None,
                 mapping: Mapping[str, str | None] | None = None, batch: int = BATCH) -> None:
        super().__init__(cases, kind, who, accounts, defaults=defaults, mapping=mapping,
                         batch=batch)
        if who.role not in plan.importers:
            raise ImportRefusedError("user", "supervisors_only", "only supervisors import "
                                     f"{kind.name} ledgers", user=who.username,
                                     role=who.role.value, kind=kind.name)
        self.plan = plan

    def run(self, ledger: LedgerFile, sheet_name: str | None = None, *, dry_run: bool,
            progress: Progress | None = None) -> Outcome:
        """Check every row; unless ``dry_run``, save the accepted ones not saved before."""
        sheet = ledger.read(sheet_name)
        header = find_header(sheet.rows, self.kind.synonyms(), self.mapping)
        missing = [f for f in self.kind.required
                   if f not in header.fields.values() and f not in self.defaults]
        if missing:
            raise LedgerFileError("missing_columns", "columns missing: " + ", ".join(missing),
                                  fields=missing, header=header)
        outcome = Outcome(ledger.name, ledger.sha256, sheet.name, sheet.index, header, dry_run)
        self._header = header
        # What the rows staged so far changed: the batch's (an import), every row's (a dry
        # run, so that a later row is checked against the earlier ones as the import will).
        staged: dict[UUID, Any] = {}
        pending: list[_Staged] = []
        seen: dict[Any, int] = {}
        total, since = len(sheet.rows) - header.last_row, 0
        for number, cells in _data_rows(sheet, header):
            result = RowResult(number, Status.READY)
            outcome.rows.append(result)
            row = self._row(ledger, sheet, header, result, cells, staged, seen)
            if row is not None:
                staged.update(row.changed)
                pending.append(row)
            since += 1
            if len(pending) >= self.batch or since >= self.batch:
                self._save_batch(pending, staged, dry_run)
                pending, since = [], 0
                if not dry_run:
                    staged = {}
                if progress is not None:
                    progress(number - header.last_row, total)
        self._save_batch(pending, staged, dry_run)
        if progress is not None:
            progress(total, total)
        return outcome

    # --------------------------------------------------------------- one row
    def _row(self, ledger: LedgerFile, sheet: Sheet, header: Header, result: RowResult,
             cells: list[Any], staged: Mapping[UUID, Any], seen: dict[Any, int]
             ) -> _Staged | None:
        values, errors = self._read(header, cells)
        if errors:
            result.status, result.errors = Status.REFUSED, tuple(errors)
            return None
        row = _Staged(result, values, f"import:{ledger.sha256[:32]}:{sheet.index}:{result.row}",
                      f"{ledger.sha256}:{sheet.index}:{result.row}", UUID(int=0))
        try:
            row.case_id = self._case_of(values)
        except FieldError as refused:
            self._refuse(row, header, refused)
            return None
        same = (row.case_id, self.plan.same(values))
        earlier = seen.setdefault(same, result.row)
        if earlier != result.row:
            result.status, result.same_as_row = Status.DUPLICATE, earlier
            return None
        return row if self._stage(row, header, staged) else None

    def _stage(self, row: _Staged, header: Header, base: Mapping[UUID, Any]) -> bool:
        """Run the row's commands on its case as staged; True if they all passed."""
        try:
            with recording_as(self.who.username, self.who.role, row.request_id), \
                    self.cases.staged(base) as staging:
                state = self.cases.get_case(row.case_id)
                self._check_case(state, row.values)
                row.result.case_no = state.case_no
                self.plan.record(self.cases, state, dict(row.values))
                row.changed = staging.changed
        except FieldError as refused:
            self._refuse(row, header, refused)
            return False
        except DomainError as error:
            self._refuse(row, header, FieldError(error.field, error))
            return False
        except OnCaseAlready:
            row.result.status = Status.DUPLICATE
            self._imported_before(row)
            return False
        return True

    def _refuse(self, row: _Staged, header: Header, refused: FieldError) -> None:
        row.result.status = Status.REFUSED
        row.result.errors = (RowError(refused.field, header.title_of(refused.field),
                                      refused.error),)
        self._imported_before(row)

    def _imported_before(self, row: _Staged) -> bool:
        """A row the case refuses because this row is on it: imported before."""
        if self._key(ROW_KEY, row.row_key) is None:
            return False
        row.result.status, row.result.errors = Status.ALREADY, ()
        return True

    def _case_of(self, values: Mapping[str, Any]) -> UUID:
        """The open case of the row's ID number, found by its keyed hash."""
        id_type = str(values.get("id_type") or "RESIDENT_ID")
        number = str(values["id_number"])
        with fields_as({}):
            number = IdNumber.parse(number).value.value if id_type == "RESIDENT_ID" \
                else number.strip().upper()
        key = self._key("identity", self.cases.identity_hasher(identity_value(id_type, number)))
        if key is None:
            raise FieldError("id_number", InvalidValueError(
                "id_number", "no_case", "no case has this ID number: import the returnee "
                "ledger first"))
        if key.holder is None:
            raise FieldError("id_number", StateConflictError(
                "id_number", "no_open_case", "the case of this ID number is closed"))
        return UUID(key.holder)

    def _check_case(self, state: CaseState, values: Mapping[str, Any]) -> None:
        """The importer may write to the case, and a name in the row is the case's."""
        if not self.who.may_write(state.owning_district):
            raise FieldError("id_number", InvalidValueError(
                "id_number", "case_out_of_reach", "the case of this ID number is outside "
                "your district"))
        name = values.get("name")
        if name is not None and _folded(str(name)) != _folded(state.name):
            raise FieldError("name", InvalidValueError(
                "name", "not_the_case", "differs from the name on the case of this ID number"))

    # ------------------------------------------------------------ the store
    def _save_batch(self, pending: list[_Staged], staged: Mapping[UUID, Any],
                    dry_run: bool) -> None:
        if not pending:
            return
        if dry_run:
            for row in pending:
                self._imported_before(row)
            return
        keys = []
        for row in pending:
            with recording_as(self.who.username, self.who.role, row.request_id):
                keys.append(UniqueKey.register(ROW_KEY, row.row_key, holder=row.case_id))
        try:
            self.cases.save(*staged.values(), *keys)
        except IntegrityError:
            for row in pending:  # someone holds a key: each row on its own, asking first
                self._save_alone(row)
            return
        for row in pending:
            row.result.status = Status.IMPORTED

    def _save_alone(self, row: _Staged) -> None:
        for _ in range(ATTEMPTS):
            row.result.status, row.result.errors = Status.READY, ()
            if self._imported_before(row) or not self._stage(row, self._header, {}):
                return
            with recording_as(self.who.username, self.who.role, row.request_id):
                key = UniqueKey.register(ROW_KEY, row.row_key, holder=row.case_id)
            try:
                self.cases.save(*row.changed.values(), key)
            except IntegrityError:
                continue  # the case or a unique value moved under it: stage it again
            row.result.status = Status.IMPORTED
            return
        row.result.status, row.result.errors = Status.REFUSED, (RowError(
            "id_number", None, InvalidValueError("id_number", "row_busy",
                                                 "is being changed by someone else; retry")),)

    # --------------------------------------------------------------- defaults
    def _defaults(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Values for fields the file lacks: only those given (and the usual ID type)."""
        values: dict[str, Any] = {"id_type": "RESIDENT_ID"}
        for name, raw in given.items():
            spec = self.kind.field(name)
            if spec is None:
                raise LedgerFileError("unknown_field", f"no field {name}", field=name,
                                      fields=", ".join(f.name for f in self.kind.fields))
            values[name] = spec.read(raw, name, self.who.district)
        return values


def _folded(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).replace("•", "·")
