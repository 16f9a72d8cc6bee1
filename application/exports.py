"""Exports: rows of cases, events, queue items, indicator facts or audit entries at a log position.

An export is taken at a position of the event log and says so.  ``events``
are read from the log itself up to that position; the other kinds from their
view, whose tracking position is the export's position (at another position
the view is rebuilt beside the live one up to it).  So the same kind, filters
and position always give the same rows, and ``--at POSITION`` regenerates a
file byte for byte.  Personal data (ID numbers and phones) is masked unless an
account allowed to reveal in bulk asks, and that export is recorded first.
Every other export is recorded once its file is complete (``Export.Delivered``:
rows and SHA-256).  Records of exports are not case events and lie after the
position they name, so no export changes the rows of an earlier position.

Row generation only: the files are written at the edge (``web/cli/export_files``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from application.decoding import plain
from application.event_export import EventRange, LogRows, event_rows, position_time
from application.projections import case_topics
from domain.accounts import Account
from domain.divisions import divisions
from domain.errors import DomainError
from domain.export_log import Export
from domain.recording import Role
from domain.reveals import REVEALING_EXPORTS, ExportDisclosure
from domain.values import BUREAU_TZ

if TYPE_CHECKING:
    from application.cases import Cases

KINDS = ("cases", "events", "queue", "indicators", "audit")
#: The view each kind is read from (``events`` is read from the log).
VIEW_OF = {"cases": "case_list", "queue": "work_queue", "indicators": "indicators",
           "audit": "audit_log"}
#: The filters each kind understands: the dates are enrolment, recording, due, fact
#: and recording dates; the caseworker is the case's, the item's assignee, the actor.
FILTERS = {"cases": ("district", "dates", "caseworker"),
           "events": ("district", "dates", "caseworker"),
           "queue": ("district", "dates", "caseworker"),
           "indicators": ("district", "dates"),
           "audit": ("district", "dates", "caseworker")}
COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": ("case_no", "case_id", "name", "id_number", "mobile", "district", "caseworker_id",
              "status", "stage", "returnee_type", "sex", "enrolled_on", "last_contact_on",
              "updated_at", "version"),
    "events": ("position", "case_id", "case_no", "version", "event", "topic", "recorded_at",
               "occurred_on", "actor", "actor_role", "request_id", "district",
               "caseworker_id", "chain", "fields"),
    "queue": ("case_no", "case_id", "rule_id", "rule_set", "key", "trigger_event",
              "trigger_version", "subject_ref", "seq", "due_on", "window_days",
              "overdue_from", "expires_on", "assignee", "district", "status",
              "closed_version", "closed_on"),
    "indicators": ("kpi", "on", "month", "district", "returnee_type", "sex", "loan_group",
                   "course", "value", "case_no", "case_id", "source_version"),
    "audit": ("position", "event_id", "case_no", "case_id", "version", "event", "topic",
              "actor", "actor_role", "recorded_at", "occurred_on", "request_id", "detail",
              "subject", "district"),
}
#: ``progress(done, total)``: events up to a position, or rows of a view.
Progress = Callable[[int, int], None]
#: Below this many log positions a part, an events export is made in one process.
PART_MIN = 50_000
NO_CASE = UUID(int=0)


class ExportError(Exception):
    """Raised when an export cannot be made as asked; ``code`` names the message."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.params = code, params


@dataclass(frozen=True)
class ExportFilter:
    """Which rows: districts (a county, or a city or province: all of theirs), dates, worker."""

    districts: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    caseworker: str | None = None

    @property
    def prefixes(self) -> tuple[str, ...]:
        """What the district codes of the rows start with."""
        return tuple(district_prefix(d) for d in self.districts)

    def accepts(self, district: str | None, caseworker: str | None, day: date) -> bool:
        if self.districts and not (district and district.startswith(self.prefixes)):
            return False
        if self.caseworker is not None and caseworker != self.caseworker:
            return False
        if self.date_from is not None and day < self.date_from:
            return False
        return self.date_to is None or day <= self.date_to

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.districts:
            found["district"] = list(self.districts)
        if self.date_from:
            found["from"] = self.date_from.isoformat()
        if self.date_to:
            found["to"] = self.date_to.isoformat()
        if self.caseworker is not None:
            found["caseworker"] = self.caseworker
        return found

    def describe(self) -> str:
        """``district=370303; from=2024-01-01``, or empty for every row."""
        return "; ".join(f"{key}={','.join(v) if isinstance(v, list) else v}"
                         for key, v in self.as_dict().items())


def district_prefix(code: str) -> str:
    """A province's first 2 digits, a city's first 4, or a county's code."""
    if code.endswith("0000"):
        return code[:2]
    return code[:4] if code.endswith("00") else code


def check_filter(kind: str, filters: ExportFilter) -> None:
    """Refuse filters the kind does not have, an empty date range and unknown districts."""
    if kind not in KINDS:
        raise ExportError("unknown_kind", f"no export {kind!r}", kind=kind)
    asked = {"district": bool(filters.districts), "caseworker": filters.caseworker is not None,
             "dates": filters.date_from is not None or filters.date_to is not None}
    for name, given in asked.items():
        if given and name not in FILTERS[kind]:
            option = {"district": "--district", "caseworker": "--caseworker",
                      "dates": "--from/--to"}[name]
            raise ExportError("filter_unsupported", f"{kind} has no {option} filter",
                              kind=kind, option=option)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ExportError("bad_range", "--from is after --to")
    for code in filters.districts:
        try:
            divisions().division(code, field="district")
        except DomainError:
            raise ExportError("bad_district", f"no district {code}", value=code) from None


def scope_to_account(account: Account | None, username: str, kind: str,
                     filters: ExportFilter) -> ExportFilter:
    """The filters of an export made in an account's name: what that account may read.

    An investigator reads every district.  A caseworker's or supervisor's export
    keeps to their own (a city's supervisor: its counties) and is limited to it
    when no district is asked for.  The audit log is an investigator's, or a
    supervisor's for their district (the rows of its cases, registry entries and
    activities).  Other roles export nothing.
    """
    if account is None:
        raise ExportError("no_account", f"no account {username}", user=username)
    if account.active and account.role is Role.INVESTIGATOR:
        return filters
    if not account.active or account.role not in (Role.CASEWORKER, Role.SUPERVISOR):
        raise ExportError("account_refused", f"{username} may not export case data",
                          user=account.username, role=account.role.value)
    if kind == "audit" and account.role is not Role.SUPERVISOR:
        raise ExportError("audit_refused", "the audit export is for investigators",
                          user=account.username, role=account.role.value)
    if not filters.districts:
        return ExportFilter((account.district,), filters.date_from, filters.date_to,
                            filters.caseworker)
    if not all(account.may_read(district) for district in filters.districts):
        raise ExportError("out_of_reach", f"{username} may export {account.district} only",
                          user=account.username, district=account.district)
    return filters


def authorise_reveal(account: Account | None, username: str | None, kind: str,
                     filters: ExportFilter, reason: str | None) -> ExportFilter:
    """The filters an account may reveal with (a supervisor: within their district)."""
    if not username:
        raise ExportError("no_user", "--reveal needs --user or HOMEWARD_USER")
    if account is None:
        raise ExportError("unknown_user", f"no account {username}", user=username)
    if not account.may_reveal_in_bulk:
        raise ExportError("role_refused", f"{username} may not reveal personal data",
                          user=account.username, role=account.role.value)
    if len((reason or "").strip()) < 2:
        raise ExportError("reason_missing", "--reveal needs --reason")
    if kind not in REVEALING_EXPORTS:
        raise ExportError("reveal_kind", f"{kind} holds no personal data to reveal", kind=kind)
    if account.role is Role.SUPERVISOR and not filters.districts:
        return ExportFilter((account.district,), filters.date_from, filters.date_to,
                            filters.caseworker)
    if not all(account.may_read(district) for district in filters.districts):
        raise ExportError("district_refused", f"{username} may export {account.district} only",
                          user=account.username, district=account.district)
    return filters


@dataclass(frozen=True)
class ExportPlan:
    """What an export holds: its kind, filters and position, and whether it reveals."""

    kind: str
    filters: ExportFilter
    position: int
    position_recorded_at: datetime | None
    reveal: bool = False
    behind: int = 0  # how far the view's position is behind the log's head
    columns: tuple[str, ...] = field(default=())

    def header(self) -> dict[str, Any]:
        """What every file says of itself (JSON Lines' first line, a spreadsheet's first row)."""
        recorded = self.position_recorded_at
        return {"export": self.kind, "position": self.position,
                "position_recorded_at": recorded.astimezone(BUREAU_TZ).isoformat()
                if recorded else None,
                "personal_data": "revealed" if self.reveal else "masked",
                "filters": self.filters.as_dict()}


class ViewSource(Protocol):
    """The views' rows, as the infrastructure streams them (and the log's rows, fast)."""

    #: The fastest reader of a recorder's rows (a function of a module, so that other
    #: processes can be given it).
    log_rows: Callable[[Any], LogRows]

    def position(self, view: str) -> int:
        """The view's tracking position."""

    def topics(self, view: str) -> tuple[str, ...]:
        """The topics of the events the view takes."""

    def rows(self, view: str, filters: ExportFilter, position: int,
             progress: Progress | None = None) -> Iterator[dict[str, Any]]:
        """The view's rows as of ``position`` (each with ``case_no`` when it has a case)."""


class Exporter:
    """Plans exports, records the ones that reveal, and generates their rows."""

    def __init__(self, cases: Cases, views: ViewSource) -> None:
        self.cases, self.views = cases, views
        self._case_nos: dict[UUID, str | None] = {}

    def plan(self, kind: str, filters: ExportFilter, at: int | None = None,
             reveal: bool = False) -> ExportPlan:
        """Where the export is taken: ``at``, else the log's last case event (events) or
        the view's position."""
        check_filter(kind, filters)
        head = self.cases.recorder.max_notification_id() or 0
        current = self._last_case_event(head) if kind == "events" else \
            self.views.position(VIEW_OF[kind])
        position = current if at is None else at
        if position > head:
            raise ExportError("position_ahead", f"position {position} is past the log's head",
                              position=position, head=head)
        return ExportPlan(kind, filters, position, position_time(self.cases, position), reveal,
                          head - position if at is None and self._behind(kind, position) else 0,
                          COLUMNS[kind])

    def _last_case_event(self, head: int) -> int:
        """The position of the log's last case event: the records of exports and reveals
        after it change no row of an events export, so neither do they change its position."""
        span, topics = 64, case_topics()
        while True:  # look back over a growing span: case events are most of the log
            start = max(head - span, 0)
            found = self.cases.recorder.select_notifications(
                start=start, limit=span, stop=head, topics=topics, inclusive_of_start=False)
            if found or start == 0:
                return found[-1].id if found else 0
            span *= 8

    def _behind(self, kind: str, position: int) -> bool:
        """Whether the log holds events for the kind's view past its position (the records
        of exports and reveals move the log's head on, but not every view)."""
        return kind != "events" and bool(self.cases.recorder.select_notifications(
            start=position, limit=1, topics=self.views.topics(VIEW_OF[kind]),
            inclusive_of_start=False))

    def disclose(self, plan: ExportPlan, file_format: str, reason: str) -> ExportDisclosure:
        """Record, before any row is written, that this export reveals personal data."""
        disclosure = ExportDisclosure.reveal(plan.kind, file_format, plan.filters.describe(),
                                             plan.position, reason)
        self.cases.save(disclosure)
        return disclosure

    def delivered(self, disclosure: ExportDisclosure, rows: int, sha256: str) -> None:
        """Record the rows and digest of the file a disclosure produced."""
        disclosure.deliver(rows, sha256)
        self.cases.save(disclosure)

    def record(self, plan: ExportPlan, file_format: str, rows: int, sha256: str) -> int | None:
        """Record an export without personal data in clear, once its file is complete."""
        return record_export(self.cases, "cli", plan.kind, file_format, plan.filters.describe(),
                             plan.position, rows, sha256)

    def parts(self, plan: ExportPlan, jobs: int) -> list[EventRange]:
        """An events export as up to ``jobs`` consecutive ranges of the log, to be made at once.

        One range (or none, for other kinds) when the log is too short to gain
        from it.  The rows of the ranges, one after another, are :meth:`rows`.
        """
        count = min(jobs, plan.position // PART_MIN) if plan.kind == "events" else 0
        if count < 2:
            return []
        bounds = [plan.position * k // count for k in range(count + 1)]
        return [EventRange(plan.filters, plan.reveal, start, stop, dict(self.cases.env),
                           self.views.log_rows) for start, stop in pairwise(bounds)]

    def rows(self, plan: ExportPlan, progress: Progress | None = None) -> Iterator[tuple[Any, ...]]:
        """The export's rows, in the order of ``plan.columns``."""
        if plan.kind == "events":
            yield from event_rows(self.cases, plan.filters, plan.position, plan.reveal, progress,
                                  read=self.views.log_rows(self.cases.recorder))
            return
        shape = getattr(self, f"_{plan.kind}_row")
        for row in self.views.rows(VIEW_OF[plan.kind], plan.filters, plan.position, progress):
            yield shape(row, plan.reveal)

    # ----------------------------------------------------------------- shapes
    def _cases_row(self, row: dict[str, Any], reveal: bool) -> tuple[Any, ...]:
        id_number, mobile = row["id_masked"], row["mobile_masked"]
        if reveal:
            state = self.cases.get_case(row["case_id"], version=row["version"])
            id_number, mobile = state.id_number, state.mobile
        return (row["case_no"], str(row["case_id"]), row["name"], id_number, mobile,
                row["district"], row["caseworker_id"], row["status"], row["stage"],
                row["returnee_type"], row["sex"], plain(row["enrolled_on"]),
                plain(row["last_contact_on"]), _local(row["updated_at"]), row["version"])

    def _queue_row(self, row: dict[str, Any], reveal: bool) -> tuple[Any, ...]:
        return (self._case_no(row), str(row["case_id"]), *(plain(row[c]) for c in
                                                           COLUMNS["queue"][2:]))

    def _indicators_row(self, row: dict[str, Any], reveal: bool) -> tuple[Any, ...]:
        return (*(plain(row[c]) for c in COLUMNS["indicators"][:9]), self._case_no(row),
                str(row["case_id"]), row["source_version"])

    def _audit_row(self, row: dict[str, Any], reveal: bool) -> tuple[Any, ...]:
        """A case's row names the case; an entry's or activity's names its subject instead."""
        case_id, subject = row["case_id"], row["subject"]
        case_no = None if subject else self._case_no(row)
        about = None if case_id == NO_CASE or subject else str(case_id)
        return (row["notification_id"], str(row["event_id"]), case_no, about,
                row["version"], row["event"], row["topic"], row["actor"], row["actor_role"],
                _local(row["recorded_at"]), plain(row["occurred_on"]), row["request_id"],
                row["detail"], subject or None, row["district"] or row.get("case_district"))

    def _case_no(self, row: dict[str, Any]) -> str | None:
        """The joined case number, else the one the case was enrolled with (never changes)."""
        if row.get("case_no") or row["case_id"] == NO_CASE:
            return row.get("case_no")
        case_id = row["case_id"]
        if case_id not in self._case_nos:
            if len(self._case_nos) > 10_000:
                self._case_nos.clear()
            first = list(self.cases.events.get(case_id, lte=1))
            self._case_nos[case_id] = getattr(first[0], "case_no", None) if first else None
        return self._case_nos[case_id]


def record_export(cases: Cases, source: str, kind: str, file_format: str, filters: str,
                  position: int, rows: int, sha256: str, size: int | None = None
                  ) -> int | None:
    """Record, in the current actor's name, a file of ``kind`` as of ``position``
    (``source``: ``cli``, ``dashboard``, ``backup``, ``digest`` or ``import-report``;
    ``size`` in bytes); returns the record's log position."""
    recordings = cases.save(Export.deliver(source, kind, file_format, filters, position, rows,
                                           sha256, size))
    return recordings[-1].notification.id if recordings else None


def _local(value: datetime) -> str:
    return value.astimezone(BUREAU_TZ).isoformat()
