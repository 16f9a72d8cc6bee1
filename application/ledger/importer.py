"""Checking a ledger row by row, and importing the rows the domain accepts, each once.

Every row is checked by the command it becomes (``Case.enrol`` with the same
rules as the enrolment form), in the importing user's name, without saving.
A dry run then looks up, for each accepted row, whether it was imported
before and whether an open case holds its ID number.  An import saves the
accepted rows in batches: each row's case, its ID number's ``UniqueKey`` and
a ``UniqueKey`` of the row itself (the file's SHA-256, the sheet and the row
number) in one transaction.  A row already imported, from this run, an
earlier one, one killed half-way or another importer at the same moment,
cannot be saved again: its row key exists, the store refuses the batch, and
the batch is saved row by row, each row first asking whether it is in.

Every event of a row records the importing user as its actor and, as its
request id, ``import:<first 32 hex digits of the file's SHA-256>:<sheet>:<row>``,
which the audit log shows beside each event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.errors import CaseNotFoundError
from application.identity import identity_value
from application.ledger.cells import CellError
from application.ledger.cells import text as cells_text
from application.ledger.columns import Header, find_header
from application.ledger.kinds import Kind
from application.ledger.sheets import LedgerFile, LedgerFileError, Sheet
from domain.accounts import Account
from domain.case import Case
from domain.divisions import divisions
from domain.errors import DomainError, InvalidValueError
from domain.recording import Role, recording_as
from domain.uniqueness import UniqueKey
from domain.values import new_case_no, today

if TYPE_CHECKING:
    from application.cases import Cases

#: Rows saved in one transaction; a row that cannot be saved sends its batch row by row.
BATCH = 50
#: How often a row is tried again when a unique value moved under it.
ATTEMPTS = 3
#: The kind of ``UniqueKey`` that marks a ledger row as imported.
ROW_KEY = "ledger-row"
#: Who may import: the roles that enrol cases.
IMPORTERS = (Role.CASEWORKER, Role.SUPERVISOR)

Progress = Callable[[int, int], None]


class Status(StrEnum):
    """What became of a row."""

    READY = "ready"  # a dry run found nothing against it
    IMPORTED = "imported"
    ALREADY = "already"  # imported before, from this file
    REFUSED = "refused"  # a value the rules refuse
    DUPLICATE = "duplicate"  # its ID number is another row's, or an open case's


class ImportRefusedError(DomainError):
    """Raised when the account may not import (not an active caseworker or supervisor)."""

    kind = "conflict"


@dataclass(frozen=True)
class RowError:
    """One refused value: its field, the column it came from (None: a default), why."""

    field: str
    column: str | None
    error: DomainError


@dataclass
class RowResult:
    """One data row of the ledger and what became of it."""

    row: int
    status: Status
    errors: tuple[RowError, ...] = ()
    #: For a duplicate within the file: the row that holds the same ID number.
    same_as_row: int | None = None
    #: The case the row made, was imported as before, or (a duplicate) that holds its ID.
    case_no: str | None = None


@dataclass
class Outcome:
    """A run over one sheet of a ledger file."""

    file_name: str
    sha256: str
    sheet: str
    sheet_index: int
    header: Header
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.rows if r.status is status)

    @property
    def complete(self) -> bool:
        """Whether every data row is in the store (or would be, on a dry run)."""
        done = (Status.READY,) if self.dry_run else (Status.IMPORTED, Status.ALREADY)
        return all(r.status in done for r in self.rows)


@dataclass
class _Pending:
    """An accepted row, built in its recorder's name, waiting to be saved."""

    result: RowResult
    values: dict[str, Any]
    request_id: str
    id_hash: str
    row_key: str
    objects: tuple[Any, ...] = ()


class LedgerImport:
    """Checks and imports the rows of one kind of ledger in one account's name."""

    def __init__(self, cases: Cases, kind: Kind, who: Account, accounts: Iterable[Account],
                 *, defaults: Mapping[str, Any] | None = None,
                 mapping: Mapping[str, str | None] | None = None, batch: int = BATCH) -> None:
        if not who.active or who.role not in IMPORTERS:
            raise ImportRefusedError("user", "role", "only active caseworkers and supervisors "
                                     "import ledgers", user=who.username, role=who.role.value)
        self.cases, self.kind, self.who, self.batch = cases, kind, who, batch
        self.mapping = dict(mapping or {})
        self.workers = [a for a in accounts if a.active and a.role is Role.CASEWORKER]
        self.defaults = self._defaults(defaults or {})

    # ------------------------------------------------------------------ the run
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
        seen: dict[str, int] = {}
        pending: list[_Pending] = []
        total, since = len(sheet.rows) - header.last_row, 0
        for number, cells in _data_rows(sheet, header):
            result = RowResult(number, Status.READY)
            outcome.rows.append(result)
            built = self._check(ledger, sheet, header, result, cells)
            if built is not None:
                earlier = seen.setdefault(built.id_hash, number)
                if earlier != number:
                    result.status, result.same_as_row = Status.DUPLICATE, earlier
                else:
                    pending.append(built)
            since += 1
            if len(pending) >= self.batch or since >= self.batch:
                self._settle(pending, dry_run)
                pending, since = [], 0
                if progress is not None:
                    progress(number - header.last_row, total)
        self._settle(pending, dry_run)
        if progress is not None:
            progress(total, total)
        return outcome

    # --------------------------------------------------------------- one row
    def _check(self, ledger: LedgerFile, sheet: Sheet, header: Header, result: RowResult,
               cells: list[Any]) -> _Pending | None:
        """Read the row's cells and build its case in the recorder's name; None if refused."""
        values, errors = self._read(header, cells)
        if not errors:
            errors = self._check_reach(header, values)
        request_id = f"import:{ledger.sha256[:32]}:{sheet.index}:{result.row}"
        if not errors:
            try:
                objects = self._build(values, request_id)
            except DomainError as error:
                errors = [RowError(error.field, header.title_of(error.field), error)]
        if errors:
            result.status, result.errors = Status.REFUSED, tuple(errors)
            return None
        return _Pending(result, values, request_id, objects[1].key,
                        f"{ledger.sha256}:{sheet.index}:{result.row}", objects)

    def _read(self, header: Header, cells: list[Any]) -> tuple[dict[str, Any], list[RowError]]:
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        for column, name in header.fields.items():
            spec = self.kind.field(name)
            assert spec is not None
            raw = cells[column] if column < len(cells) else None
            if spec.money and "万" in header.titles[column] and cells_text(raw) is not None:
                raw = f"{cells_text(raw)}万"
            try:
                value = spec.read(raw, name, self.who.district)
            except CellError as error:
                errors.append(RowError(name, header.titles[column], error))
                continue
            if value not in (None, "", []):
                values[name] = value
        for name, value in self.defaults.items():
            values.setdefault(name, value)
        failed = {e.field for e in errors}
        for name in self.kind.required:
            if name not in values and name not in failed:
                errors.append(RowError(name, header.title_of(name), InvalidValueError(
                    name, "required", "is required")))
        return values, errors

    def _check_reach(self, header: Header, values: dict[str, Any]) -> list[RowError]:
        """A case goes to one of the account's counties and to a caseworker there."""
        district = str(values.get("owning_district", ""))
        if not divisions().is_county_level(district):
            return []  # the enrolment says what is wrong with it
        if not self.who.covers(district):
            return [RowError("owning_district", header.title_of("owning_district"),
                             InvalidValueError("owning_district", "district_out_of_reach",
                                               "is not a county within your district"))]
        worker = self._caseworker(str(values.get("caseworker_id", "")), district)
        if worker is None:
            return [RowError("caseworker_id", header.title_of("caseworker_id"),
                             InvalidValueError("caseworker_id", "unknown_caseworker",
                                               "names no active caseworker of the county"))]
        values["caseworker_id"] = worker
        return []

    def _caseworker(self, named: str, district: str) -> str | None:
        """The user name of the county's caseworker named (by user name or display name)."""
        if self.who.role is Role.CASEWORKER:
            return self.who.username if named in (self.who.username, self.who.display_name) \
                and self.who.district == district else None
        found = [a.username for a in self.workers if a.district == district
                 and named in (a.username, a.display_name)]
        return found[0] if len(found) == 1 else None

    def _build(self, values: dict[str, Any], request_id: str) -> tuple[Any, ...]:
        """The row's case and its two keys, stamped with the row's recorder."""
        fields = dict(values)
        number = fields.pop("case_no", None) or new_case_no(
            fields["owning_district"], fields["occurred_on"].year)
        with recording_as(self.who.username, self.who.role, request_id):
            case = Case.enrol(case_no=number, **fields)
            id_hash = self.cases.identity_hasher(identity_value(case.id_type, case.id_number))
            return (case, UniqueKey.register("identity", id_hash, holder=case.id))

    # ------------------------------------------------------------ the store
    def _settle(self, pending: list[_Pending], dry_run: bool) -> None:
        if not pending:
            return
        if dry_run:
            for item in pending:
                self._look_up(item)
            return
        with_rows = []
        for item in pending:
            case = item.objects[0]
            with recording_as(self.who.username, self.who.role, item.request_id):
                row = UniqueKey.register(ROW_KEY, item.row_key, holder=case.id)
            with_rows.extend((*item.objects, row))
        try:
            self.cases.save(*with_rows)
        except IntegrityError:
            for item in pending:  # someone holds a key: each row on its own, asking first
                self._save_one(item)
            return
        for item in pending:
            item.result.status, item.result.case_no = Status.IMPORTED, item.objects[0].case_no

    def _look_up(self, item: _Pending) -> None:
        """A dry run's answer for an accepted row: imported before, a duplicate, or ready."""
        earlier = self._key(ROW_KEY, item.row_key)
        if earlier is not None:
            item.result.status = Status.ALREADY
            item.result.case_no = self._case_no(earlier.holders[-1] if earlier.holders else None)
            return
        identity = self._key("identity", item.id_hash)
        if identity is not None and identity.holder is not None:
            item.result.status = Status.DUPLICATE
            item.result.case_no = self._case_no(identity.holder)

    def _save_one(self, item: _Pending) -> None:
        for _ in range(ATTEMPTS):
            self._look_up(item)
            if item.result.status is not Status.READY:
                return
            identity = self._key("identity", item.id_hash)
            objects = self._build(item.values, item.request_id)
            case = objects[0]
            with recording_as(self.who.username, self.who.role, item.request_id):
                if identity is not None:  # held once, by a case closed since: claim it
                    identity.claim(case.id, field="id_number")
                    objects = (case, identity)
                row = UniqueKey.register(ROW_KEY, item.row_key, holder=case.id)
            try:
                self.cases.save(*objects, row)
            except IntegrityError:
                if "case_no" in item.values and _exists(self.cases, case.id):
                    error = InvalidValueError("case_no", "duplicate",
                                              "is already used by another case")
                    item.result.status, item.result.errors = Status.REFUSED, (
                        RowError("case_no", None, error),)
                    return
                continue
            item.result.status, item.result.case_no = Status.IMPORTED, case.case_no
            return
        item.result.status, item.result.errors = Status.REFUSED, (RowError(
            "id_number", None, InvalidValueError("id_number", "busy",
                                                 "is being enrolled by someone else; retry")),)

    def _key(self, kind: str, key: str) -> UniqueKey | None:
        try:
            found = self.cases.repository.get(UniqueKey.create_id(kind, key))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, UniqueKey) else None

    def _case_no(self, holder: str | None) -> str | None:
        """The number of a case, if this account may read it."""
        if holder is None:
            return None
        try:
            state = self.cases.get_case(UUID(holder))
        except CaseNotFoundError:
            return None
        return state.case_no if self.who.may_read(state.owning_district) else None

    # --------------------------------------------------------------- defaults
    def _defaults(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Values for fields the file lacks: given ones, read as cells, then the account's."""
        values: dict[str, Any] = {"id_type": "RESIDENT_ID", "occurred_on": today()}
        if divisions().is_county_level(self.who.district):
            values["owning_district"] = self.who.district
        if self.who.role is Role.CASEWORKER:
            values["caseworker_id"] = self.who.username
        for name, raw in given.items():
            spec = self.kind.field(name)
            if spec is None:
                raise LedgerFileError("unknown_field", f"no field {name}", field=name,
                                      fields=", ".join(f.name for f in self.kind.fields))
            values[name] = spec.read(raw, name, self.who.district)
        return values


def _data_rows(sheet: Sheet, header: Header) -> Iterable[tuple[int, list[Any]]]:
    """(sheet row number, cells) of each row below the header with a value in a mapped column."""
    columns = list(header.fields)
    for index in range(header.last_row, len(sheet.rows)):
        cells = sheet.rows[index]
        if any(c < len(cells) and cells[c] not in (None, "") and str(cells[c]).strip()
               for c in columns):
            yield index + 1, cells


def _exists(cases: Cases, stream_id: UUID) -> bool:
    return bool(cases.recorder.select_events(stream_id, limit=1))
