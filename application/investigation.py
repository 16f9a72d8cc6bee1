"""Replaying a case for investigators: as known at a moment, as true on a date, and what changed.

All functions here are pure: they take a case's events and return states or
changes, so the command line and the supervisor's history page show the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import takewhile
from typing import Any

from application.queries import CaseState, case_state
from domain.case import Case
from domain.values import BUREAU_TZ


class InvestigationError(Exception):
    """Raised when a moment or date does not fit the case (before it existed, malformed)."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Moment:
    """A point in the record: a recorded time (UTC-aware) or a stream version."""

    at: datetime | None = None
    version: int | None = None

    def includes(self, event: Any) -> bool:
        if self.version is not None:
            return bool(event.originator_version <= self.version)
        assert self.at is not None
        return bool(event.timestamp <= self.at)

    def __str__(self) -> str:
        if self.version is not None:
            return f"v{self.version}"
        assert self.at is not None
        return self.at.astimezone(BUREAU_TZ).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Change:
    """One field that one event changed."""

    field: str
    before: str | None
    after: str | None
    version: int
    event: str
    actor: str
    actor_role: str
    recorded_at: datetime
    occurred_on: date


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    event: str
    recorded_at: datetime
    occurred_on: date
    actor: str
    actor_role: str
    request_id: str
    changes: tuple[Change, ...]


def fold(events: Iterable[Any]) -> Case | None:
    """The aggregate the events make, or None for no events."""
    case: Any = None
    for event in events:
        case = event.mutate(case)
    return case


def state_at(events: Iterable[Any], moment: Moment) -> CaseState:
    """The case as the system knew it at ``moment`` (events recorded up to then).

    A version is recorded after the one before it, so the events recorded up to
    a moment are the stream's first ones, up to the first recorded after it;
    nothing past that is read (a lazy ``events`` is not decoded further).
    """
    known = list(takewhile(moment.includes, events))
    if not known:
        raise InvestigationError("before_case", f"the case was not yet recorded at {moment}",
                                 moment=str(moment))
    case = fold(known)
    assert case is not None
    return case_state(case)


def as_of_effective(events: Sequence[Any], on: date) -> CaseState:
    """The case as true on ``on`` by effective dates, with every later correction applied.

    Events whose (corrected) effective date falls after ``on`` are left out; the
    corrections of the events kept are applied whenever they were made.
    """
    final = fold(events)
    if final is None:
        raise InvestigationError("before_case", "the case has no events")
    effective = {v: date.fromisoformat(f[2]["occurred_on"]) for v, f in final.facts.items()}
    if effective[1] > on:
        raise InvestigationError("not_yet_effective", f"the case did not exist yet on {on}",
                                 moment=on.isoformat())
    kept: list[Any] = []
    renumbered: dict[int, int] = {}
    for event in events:
        name = type(event).__name__
        target = getattr(event, "target_version", None)
        if name in ("RecordCorrected", "CorrectionApproved", "CorrectionRejected"):
            if target is not None and target not in renumbered:
                continue
        elif effective[event.originator_version] > on:
            continue
        renumbered[event.originator_version] = len(kept) + 1
        changes: dict[str, Any] = {"originator_version": len(kept) + 1}
        if target is not None:
            changes["target_version"] = renumbered[target]
        kept.append(dataclasses.replace(event, **changes))
    case = fold(_drop_orphan_decisions(kept))
    assert case is not None
    return case_state(case)


def _drop_orphan_decisions(events: list[Any]) -> list[Any]:
    """Approvals of corrections that were left out go too (and versions close up)."""
    refs = {e.correction_ref for e in events if type(e).__name__ == "RecordCorrected"}
    kept, renumbered = [], {}
    for event in events:
        if type(event).__name__ in ("CorrectionApproved", "CorrectionRejected") and \
                event.correction_ref not in refs:
            continue
        renumbered[event.originator_version] = len(kept) + 1
        changes: dict[str, Any] = {"originator_version": len(kept) + 1}
        if getattr(event, "target_version", None) is not None:
            changes["target_version"] = renumbered[event.target_version]
        kept.append(dataclasses.replace(event, **changes))
    return kept


#: The fields of a case state that hold records, flattened by their ref.
RECORDS = frozenset({"trainings", "pairings", "businesses", "corrections", "loans", "subsidies"})


def flatten(state: CaseState) -> dict[str, str]:
    """Every field of a state as ``path → text`` (records by their ref)."""
    flat: dict[str, str] = {}
    for field in dataclasses.fields(state):
        value = getattr(state, field.name)
        if field.name in ("recorded_at", "chain_head", "version"):
            continue
        if field.name in RECORDS:
            for record in value:
                key = getattr(record, "ref", "")
                for sub in dataclasses.fields(record):
                    flat[f"{field.name}[{key}].{sub.name}"] = _text(getattr(record, sub.name))
        elif field.name == "transfer":
            for sub in dataclasses.fields(value) if value is not None else ():
                flat[f"{field.name}.{sub.name}"] = _text(getattr(value, sub.name))
        else:
            flat[field.name] = _text(value)
    return flat


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ";".join(f"{f.name}={_text(getattr(value, f.name))}"
                        for f in dataclasses.fields(value))
    return "" if value is None else str(value)


def history(events: Sequence[Any]) -> list[HistoryEntry]:
    """Every event with who recorded it, when, for when, and what it changed."""
    entries, case, before = [], None, {}
    for event in events:
        case = event.mutate(case)
        after = flatten(case_state(case))
        entries.append(HistoryEntry(
            version=event.originator_version, event=type(event).__name__,
            recorded_at=event.timestamp, occurred_on=event.occurred_on, actor=event.actor,
            actor_role=event.actor_role, request_id=event.request_id,
            changes=tuple(_changes(before, after, event)),
        ))
        before = after
    return entries


def diff(events: Sequence[Any], start: Moment, end: Moment) -> list[Change]:
    """Field-by-field changes from ``start`` to ``end``, each with the event that made it."""
    known_then = [e for e in events if start.includes(e)]
    if not known_then:
        raise InvestigationError("before_case", f"the case was not yet recorded at {start}",
                                 moment=str(start))
    case = fold(known_then)
    assert case is not None
    before, changes = flatten(case_state(case)), []
    for event in events:
        if start.includes(event) or not end.includes(event):
            continue
        case = event.mutate(case)
        after = flatten(case_state(case))
        changes += _changes(before, after, event)
        before = after
    return changes


def _changes(before: dict[str, str], after: dict[str, str], event: Any) -> list[Change]:
    return [
        Change(field=key, before=before.get(key), after=after.get(key),
               version=event.originator_version, event=type(event).__name__,
               actor=event.actor, actor_role=event.actor_role, recorded_at=event.timestamp,
               occurred_on=event.occurred_on)
        for key in sorted(set(before) | set(after))
        if (before.get(key) or "") != (after.get(key) or "")
    ]
