"""What the cases and the rule sets make of an entry, for its page.

A provider's classes, a class's roster, a mentor's load, an incubator's
businesses, a policy's numbers in its rule set.  Cases outside the reader's
reach are counted, never named.
"""

from __future__ import annotations

from typing import Any

from application.mentor_load import mentor_loads
from application.projections.registries import EntryQuery
from application.registries import EntryState
from domain.accounts import Account
from domain.errors import RuleSetError
from domain.registry_fields import RegistryKind
from domain.values import today
from web.registries.pages import services


def related(entry: EntryState, who: Account) -> dict[str, Any]:
    """The related rows of an entry, by what the entry is."""
    view = services().views["registries"]
    if entry.kind == RegistryKind.PROVIDER:
        classes = view.search(EntryQuery(kind=RegistryKind.TRAINING_CLASS, text=entry.key,
                                         per_page=200))
        return {"classes": sorted(classes, key=lambda r: r.values["start_on"], reverse=True)}
    if entry.kind == RegistryKind.TRAINING_CLASS:
        return _reachable("roster", view.roster(entry.key), who)
    if entry.kind == RegistryKind.INCUBATOR:
        found = _reachable("tenants", view.tenants([entry.key]), who)
        return {**found, "occupied": len(found["tenants"]) + found["hidden"]}
    if entry.kind == RegistryKind.MENTOR:
        row = view.entries(entry.kind, [entry.key]).get(entry.key)
        loads = mentor_loads(view, services().views["work_queue"], [row], today()) \
            if row is not None else []
        return {"load": loads[0] if loads else None}
    if entry.kind == RegistryKind.POLICY and entry.values.get("rule_set"):
        return {"numbers": _numbers(entry)}
    return {}


def _reachable(name: str, rows: list[tuple[Any, Any]], who: Account) -> dict[str, Any]:
    shown = [(row, link) for row, link in rows if who.may_read(link.district)]
    return {name: shown, "hidden": len(rows) - len(shown)}


def _numbers(entry: EntryState) -> list[tuple[str, Any]]:
    try:
        rule_set = services().cases.rules.get(entry.values["rule_set"])
    except RuleSetError:
        return []
    return [(path, rule_set.number(path)) for path in entry.values.get("rule_paths") or []]
