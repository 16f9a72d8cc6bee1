"""Loading the rule-set data files (one TOML file per jurisdiction).

A version lists what changes from the version before it in the same file; a
version may instead start from another jurisdiction's version, named by
``base = "CN@4"``, so that a local file states only where it differs from
the national numbers.  A base is a fixed version, so a local version's
numbers never change when the national file gains a version.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from domain.errors import RuleSetError
from domain.rules import RuleBook, RuleSet, flatten


def load_rule_sets(
    text: str, origin: str, known: Mapping[str, RuleSet] | None = None
) -> list[RuleSet]:
    """The versions of one jurisdiction's file, each resolved to a full set.

    ``known`` holds the versions a ``base`` may name (by ``ref``).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleSetError(f"{origin}: not valid TOML: {error}") from None
    unknown = set(data) - {"jurisdiction", "name", "version"}
    if unknown:
        raise RuleSetError(f"{origin}: unknown keys {sorted(unknown)}")
    jurisdiction = data.get("jurisdiction")
    if not isinstance(jurisdiction, str) or not jurisdiction:
        raise RuleSetError(f"{origin}: 'jurisdiction' is required")
    versions = data.get("version")
    if not isinstance(versions, list) or not versions:
        raise RuleSetError(f"{origin}: at least one [[version]] is required")
    resolved: dict[str, Any] = {}
    rule_sets = []
    for entry in versions:
        base = entry.pop("base", None) if isinstance(entry, dict) else None
        if base is not None:
            if not known or base not in known:
                raise RuleSetError(f"{origin}: base {base!r} is not a known rule-set version")
            resolved = dict(known[base].values)
        rule_sets.append(_version(entry, jurisdiction, resolved, origin))
        resolved = dict(rule_sets[-1].values)
    return rule_sets


def _version(
    entry: dict[str, Any], jurisdiction: str, previous: dict[str, Any], origin: str
) -> RuleSet:
    where = f"{origin}: version {entry.get('version', '?')}"
    unknown = set(entry) - {"version", "effective_from", "source", "values"}
    if unknown:
        raise RuleSetError(f"{where}: unknown keys {sorted(unknown)}")
    number, start = entry.get("version"), entry.get("effective_from")
    if not isinstance(number, int) or isinstance(number, bool):
        raise RuleSetError(f"{where}: 'version' must be a whole number")
    if not isinstance(start, date) or isinstance(start, datetime):
        raise RuleSetError(f"{where}: 'effective_from' must be a date (YYYY-MM-DD)")
    values = entry.get("values", {})
    if not isinstance(values, dict):
        raise RuleSetError(f"{where}: 'values' must be a table")
    try:
        return RuleSet(
            jurisdiction=jurisdiction,
            version=number,
            effective_from=start,
            source=str(entry.get("source", "")),
            values=_merge(previous, flatten(values)),
        )
    except RuleSetError as error:
        raise RuleSetError(f"{origin}: {error}") from None


def _merge(previous: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A version's numbers: the previous ones with the changes; per-course tables merge."""
    merged = dict(previous)
    for path, value in changes.items():
        old = previous.get(path)
        merged[path] = {**old, **value} if isinstance(old, dict) and isinstance(value, dict) \
            else value
    return merged


def load_rule_book(extra_dirs: Iterable[Path] = ()) -> RuleBook:
    """The rule sets shipped with Homeward plus those in ``extra_dirs``.

    Files load from the widest jurisdiction to the narrowest, so a city's file
    may take the province's or the nation's versions as its base.
    """
    texts = [(item.read_text("utf-8"), item.name)
             for item in resources.files(__name__).iterdir() if item.name.endswith(".toml")]
    for directory in extra_dirs:
        texts += [(path.read_text("utf-8"), str(path))
                  for path in sorted(Path(directory).glob("*.toml"))]
    known: dict[str, RuleSet] = {}
    for text, origin in sorted(texts, key=lambda t: _breadth(t[0])):
        for rule_set in load_rule_sets(text, origin, known):
            if rule_set.ref in known:
                raise RuleSetError(f"{origin}: {rule_set.ref} is defined twice")
            known[rule_set.ref] = rule_set
    return RuleBook(known.values())


def _breadth(text: str) -> int:
    """0 for the nation, 1 province, 2 prefecture, 3 county (unparsable files last)."""
    try:
        code = str(tomllib.loads(text).get("jurisdiction", ""))
    except tomllib.TOMLDecodeError:
        return 9
    if code == "CN":
        return 0
    return 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
