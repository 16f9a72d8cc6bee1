"""Follow-up work items (rules F1–F16 of the domain research), derived from one case's stream.

The items are a pure function of the events and the rule book: the same stream
always gives the same items, and today's date plays no part, so a work queue
rebuilt from the log is the queue that was shown before.  What each event does
to the items is in :mod:`domain.followup_rules`; this module holds the items
and the bookkeeping every rule shares.

An item is *done* when a satisfying event falls on or after its window
opening (``window_days`` before ``due_on`` unless a rule says otherwise),
*cancelled* when its subject ends, and *pending* otherwise.  Pending items
belong to whoever holds the case at the end of the stream; a closed item stays
with whoever held it when it closed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.activities import counted_events
from domain.followup_rules import HANDLERS, Grant, note_contact
from domain.rules import NATIONAL, RuleBook, RuleSet

__all__ = ["SERVICE_RULES", "DueItem", "ItemStatus", "due_items", "timely"]

#: The rules whose items are follow-up services owed to the entrepreneur (跟踪服务):
#: assessment, post-training services and checks, contacts, mentoring, survival
#: visits, the subsidy prompt, post-loan visits, jobs reports, re-verification and
#: the services after a closure.  Not counted: the loan office's own tasks (F10
#: maturity reminder, F11 overdue record, F12 compensation claim), the stale-case
#: flag (F15) and the suggestion to close (F16).
SERVICE_RULES = ("F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F13", "F14")


class ItemStatus(StrEnum):
    PENDING = "PENDING"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class DueItem:
    """One follow-up work item of a case, as of the end of its stream."""

    case_id: UUID
    rule_id: str
    rule_set: str
    trigger_version: int
    trigger_event: str
    subject_ref: str | None
    seq: int
    due_on: date
    window_days: int
    assignee: str
    district: str
    status: ItemStatus
    closed_version: int | None
    closed_on: date | None
    expires_on: date | None = None

    @property
    def key(self) -> str:
        """The item's id within its case: ``F6:<subject ref or ->:<seq>``."""
        return f"{self.rule_id}:{self.subject_ref or '-'}:{self.seq}"

    def state_on(self, day: date) -> str:
        """Where the item stands on ``day``: done, cancelled, expired, overdue, due or upcoming."""
        if self.status == ItemStatus.DONE:
            return "done"
        if self.status == ItemStatus.CANCELLED:
            return "cancelled"
        if self.expires_on is not None and day > self.expires_on:
            return "expired"
        if day > self.due_on + timedelta(days=self.window_days):
            return "overdue"
        return "due" if day >= self.due_on else "upcoming"

    def timely_on(self, day: date) -> bool | None:
        """How the item counts toward follow-up timeliness on ``day`` (see :func:`timely`)."""
        if self.rule_id not in SERVICE_RULES:
            return None
        return timely(self.status, self.due_on, self.window_days, self.closed_on, day)


def timely(status: str, due_on: date, window_days: int, closed_on: date | None,
           on: date) -> bool | None:
    """Whether an item counts toward 跟踪服务及时率 on report date ``on``, and if it was in time.

    ``None``: the item does not count (yet); ``True``: done in time; ``False``:
    due and not done in time.  The rate of a period is the items in time ÷ the
    items that count, among those whose ``due_on`` falls in the period.

    - An item is *in time* when it was done no later than the last day of its
      grace window, ``due_on + window_days`` (the day before the queue shows it
      overdue).  Done early, before ``due_on``, is in time.
    - An item *not yet due* on ``on`` (``due_on`` after it) does not count,
      even if it is already done.
    - A due item counts once its outcome is known on ``on``: it was done on or
      before ``on``, or its grace window ended before ``on``.  A pending item
      still inside its window is left out until then.
    - An item *done late* (after its window) counts, and not in time.
    - An item *cancelled* (its subject ended, the case was closed) on or before
      the end of its window was no longer due and never counts; one cancelled
      after its window had already been missed, and counts as not in time.
    - Dates are effective dates: a follow-up entered late but dated within the
      window is in time.
    """
    deadline = due_on + timedelta(days=window_days)
    if due_on > on:
        return None
    if status == ItemStatus.CANCELLED and closed_on is not None and closed_on <= deadline:
        return None
    if status == ItemStatus.DONE and closed_on is not None and closed_on <= on:
        return closed_on <= deadline
    return False if deadline < on else None


def due_items(events: Sequence[Any], rules: RuleBook) -> list[DueItem]:
    """Every work item of one case's stream, in a stable order (due_on, rule number, key)."""
    ordered = counted_events(sorted(events, key=lambda e: e.originator_version))
    if not ordered:
        return []
    corrected = corrected_dates(ordered)
    schedule = Schedule(rules)
    for event in ordered:
        on = corrected.get(event.originator_version, getattr(event, "occurred_on", None))
        if not isinstance(on, date):
            continue
        name = type(event).__name__
        schedule.version, schedule.name, schedule.on = event.originator_version, name, on
        schedule.named = getattr(event, "due_ref", None)
        handler = HANDLERS.get(name)
        if handler is not None:
            handler(schedule, event)
        note_contact(schedule, event)
    return schedule.finish(ordered[0].originator_id)


def corrected_dates(events: Sequence[Any]) -> dict[int, date]:
    """The effective dates that corrections in force at the end of the stream changed."""
    requested: dict[str, tuple[int, date]] = {}
    dates: dict[int, date] = {}
    for event in events:
        name = type(event).__name__
        if name == "RecordCorrected" and event.field == "occurred_on":
            change = (event.target_version, date.fromisoformat(event.new_value))
            if event.needs_approval:
                requested[event.correction_ref] = change
            else:
                dates[change[0]] = change[1]
        elif name == "CorrectionApproved" and event.correction_ref in requested:
            version, new = requested.pop(event.correction_ref)
            dates[version] = new
    return dates


@dataclass
class Entry:
    """An item while the stream is read; it becomes a :class:`DueItem` at the end."""

    rule_id: str
    rule_set: str
    trigger_version: int
    trigger_event: str
    subject_ref: str | None
    seq: int
    due_on: date
    window_days: int
    opens_on: date
    expires_on: date | None = None
    status: ItemStatus = ItemStatus.PENDING
    closed_version: int | None = None
    closed_on: date | None = None
    assignee: str = ""
    district: str = ""

    @property
    def key(self) -> str:
        """The id the finished item will have (see :attr:`DueItem.key`)."""
        return f"{self.rule_id}:{self.subject_ref or '-'}:{self.seq}"


class Schedule:
    """The items of one stream while it is read, and the facts of the case the rules need."""

    def __init__(self, rules: RuleBook) -> None:
        self.rules = rules
        # A business may be registered before the first rule set took effect.
        self.earliest = min(r.effective_from for r in rules if r.jurisdiction == NATIONAL)
        self.entries: list[Entry] = []
        # The pending items by rule, and how many items each rule and subject has had.
        self.waiting: dict[str, list[Entry]] = {}
        self.counts: dict[tuple[str, str | None], int] = {}
        self.in_force: dict[tuple[date, str], RuleSet] = {}
        self.version, self.name, self.on = 0, "", date.min
        self.named: str | None = None
        self.caseworker, self.district, self.is_open = "", "", False
        self.last_contact: date | None = None
        self.session_minutes: dict[str, int] = {}
        self.operating: set[str] = set()
        self.trained_on: dict[str, date] = {}
        self.borrower_kinds: dict[str, str] = {}
        self.granted_on: dict[str, date] = {}
        self.unrecovered: dict[str, int] = {}
        self.grants: dict[str, Grant] = {}
        self.money_open: dict[str, tuple[int, date]] = {}
        self.money_closed_on: date | None = None

    # ------------------------------------------------------------- rule numbers
    def rule_set(self) -> RuleSet:
        """The rule set in force on the current event's date in the owning district."""
        key = (self.on, self.district)
        found = self.in_force.get(key)
        if found is None:
            found = self.in_force[key] = self.rules.in_force(max(self.on, self.earliest),
                                                             self.district or None)
        return found

    def number(self, path: str) -> Any:
        """A number of the rule set in force on the current event's date."""
        return self.rule_set().number(path)

    def days(self, path: str) -> timedelta:
        """A number of days of the rule set in force on the current event's date."""
        return timedelta(days=self.number(path))

    # ------------------------------------------------------------------- items
    def open(self, rule_id: str, due_on: date, subject_ref: str | None = None, *,
             seq: int | None = None, opens_on: date | None = None,
             expires_on: date | None = None) -> Entry | None:
        """Create an item triggered by the current event; a closed case gets none."""
        if not self.is_open:
            return None
        rule_set = self.rule_set()
        window = rule_set.number("followup.grace_days")
        count = self.counts.get((rule_id, subject_ref), 0) + 1
        self.counts[(rule_id, subject_ref)] = count
        entry = Entry(rule_id, rule_set.ref, self.version, self.name, subject_ref,
                      count if seq is None else seq, due_on, window,
                      opens_on or due_on - timedelta(days=window), expires_on)
        self.entries.append(entry)
        self.waiting.setdefault(rule_id, []).append(entry)
        return entry

    def pending(self, rule_id: str | None = None, subject_ref: str | None = None,
                where: Callable[[Entry], bool] | None = None) -> list[Entry]:
        """Open items of a rule (any rule if None), of one subject if given, earliest first."""
        if rule_id is None:
            found = [e for e in self.entries if e.status == ItemStatus.PENDING]
        else:
            found = self.waiting.get(rule_id) or []
        if subject_ref is not None or where is not None:
            found = [e for e in found if subject_ref in (None, e.subject_ref)
                     and (where is None or where(e))]
        if len(found) < 2:
            return list(found)
        return sorted(found, key=lambda e: (e.due_on, e.subject_ref or "", e.seq))

    def close(self, entry: Entry, status: ItemStatus) -> None:
        """Close an item by the current event, with the case's holder at this point."""
        if entry.status == ItemStatus.PENDING:
            self.waiting[entry.rule_id].remove(entry)
        entry.status, entry.closed_version, entry.closed_on = status, self.version, self.on
        entry.assignee, entry.district = self.caseworker, self.district

    def done(self, entry: Entry) -> None:
        """Mark an item done by the current event."""
        self.close(entry, ItemStatus.DONE)

    def satisfy(self, rule_id: str, subject_ref: str | None = None, *, anytime: bool = False,
                where: Callable[[Entry], bool] | None = None) -> Entry | None:
        """Mark done the earliest open item whose window has opened (or the one named)."""
        candidates = self.pending(rule_id, subject_ref, where)
        named = [e for e in candidates if e.key == self.named]
        for entry in named or candidates:
            if anytime or self.on >= entry.opens_on:
                self.close(entry, ItemStatus.DONE)
                return entry
        return None

    def satisfy_all(self, rule_id: str, subject_ref: str | None = None) -> None:
        """Mark done every open item of a rule (and subject), whatever its window."""
        for entry in self.pending(rule_id, subject_ref):
            self.close(entry, ItemStatus.DONE)

    def cancel(self, rule_id: str | None = None, subject_ref: str | None = None) -> None:
        """Cancel every open item of a rule (and subject); of every rule if None."""
        for entry in self.pending(rule_id, subject_ref):
            self.close(entry, ItemStatus.CANCELLED)

    def end(self, rule_id: str, subject_ref: str) -> None:
        """The subject ended: done if the item's window had opened, else cancelled."""
        for entry in self.pending(rule_id, subject_ref):
            opened = self.on >= entry.opens_on
            self.close(entry, ItemStatus.DONE if opened else ItemStatus.CANCELLED)

    def redate(self, entry: Entry, due_on: date) -> None:
        """Move a pending item to a new due date, keeping its window."""
        entry.due_on, entry.opens_on = due_on, due_on - timedelta(days=entry.window_days)

    def entry_rule_set(self, entry: Entry) -> RuleSet:
        """The rule set that dated an item."""
        return self.rules.get(entry.rule_set)

    # ------------------------------------------------------------------- money
    def money_opened(self, key: str) -> None:
        """A loan was granted or a subsidy applied for (F16 waits for it to end)."""
        self.money_open[key] = (self.version, self.on)

    def money_closed(self, key: str) -> None:
        """A loan or subsidy ended on the current event's date."""
        if self.money_open.pop(key, None) is not None:
            self.money_closed_on = max(self.on, self.money_closed_on or self.on)

    def close_suggestion_due(self, entry: Entry) -> date:
        """F16 is due on its date, or when the last loan or subsidy ended if that is later."""
        return max(entry.due_on, self.money_closed_on or entry.due_on)

    # ------------------------------------------------------------------ result
    def finish(self, case_id: UUID) -> list[DueItem]:
        """The items as of the end of the stream, in their stable order."""
        for entry in self.pending("F16"):
            if self.money_open:
                # Still open money holds the suggestion back: cancelled by what opened it.
                entry.closed_version, entry.closed_on = max(self.money_open.values())
                entry.status = ItemStatus.CANCELLED
                entry.assignee, entry.district = self.caseworker, self.district
            else:
                self.redate(entry, self.close_suggestion_due(entry))
        items = [
            DueItem(
                case_id=case_id, rule_id=e.rule_id, rule_set=e.rule_set,
                trigger_version=e.trigger_version, trigger_event=e.trigger_event,
                subject_ref=e.subject_ref, seq=e.seq, due_on=e.due_on,
                window_days=e.window_days,
                assignee=e.assignee if e.closed_version is not None else self.caseworker,
                district=e.district if e.closed_version is not None else self.district,
                status=e.status, closed_version=e.closed_version, closed_on=e.closed_on,
                expires_on=e.expires_on,
            )
            for e in self.entries
        ]
        return sorted(items, key=lambda i: (i.due_on, int(i.rule_id[1:]),
                                            i.subject_ref or "", i.seq))
