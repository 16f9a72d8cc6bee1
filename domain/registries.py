"""The resource registries a bureau matches returnees with (四清单两名录), one stream per entry.

Mentors (创业导师), training providers (定点培训机构) with their filing
(备案), training classes (开班), incubators and bases (创业孵化基地, 微创园,
创业一条街), financing products and policies (政策清单).  An entry is
registered, changed field by field and moved between statuses, each time by
an attributed, hash-chained event, so an entry has an audited history like a
case.  A provider caught falsifying records loses its filing (K3): the
revocation needs a reason, and a case may no longer choose the provider.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.errors import InvalidValueError, RuleSetError, RuleViolationError, StateConflictError
from domain.recording import AuditedAggregate
from domain.registry_fields import (
    CODE_PREFIXES,
    KEY_FIELDS,
    SPECS,
    RegistryKind,
    check_together,
    check_values,
)
from domain.rules import RuleBook
from domain.values import a_date, choice, text, today

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class EntryStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    ENDED = "ENDED"
    REVOKED = "REVOKED"  # a provider's filing (备案), revoked


#: The statuses a supervisor may set directly (a filing is revoked and restored on its own).
SETTABLE = (EntryStatus.ACTIVE, EntryStatus.SUSPENDED, EntryStatus.ENDED)


def entry_id_for(kind: str, key: str) -> UUID:
    """The stream id of an entry: derived from its registry and key, so a key is used once."""
    return uuid5(NAMESPACE_URL, f"/homeward/registries/{kind}/{key}")


def new_code(kind: str, district: str) -> str:
    """A fresh code for an entry without a key of its own, such as ``M370303-7K3Q9``."""
    tail = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(5))
    return f"{CODE_PREFIXES[RegistryKind(kind)]}{district}-{tail}"


class RegistryEntry(AuditedAggregate):
    """One entry of one registry: its fields, its status and who changed what."""

    @staticmethod
    def create_id(kind: str, key: str) -> UUID:
        return entry_id_for(kind, key)

    # ------------------------------------------------------------- registering
    @classmethod
    def register(
        cls, kind: str, *, occurred_on: date, key: str | None = None,
        rules: RuleBook | None = None, provider: RegistryEntry | None = None, **fields: Any,
    ) -> RegistryEntry:
        """Add an entry after checking every field (a class needs its filed provider)."""
        kind_ = choice(RegistryKind, kind, "kind").value
        values = check_values(kind_, fields, partial=False)
        check_together(kind_, values)
        _check_links(kind_, values, rules, provider)
        own_key = KEY_FIELDS.get(RegistryKind(kind_))
        if own_key is not None:
            key = values[own_key]
        elif key is None:
            key = new_code(kind_, values["district"])
        return cls(kind=kind_, key=text(key, "key", max_len=64), values=values,
                   occurred_on=_day(occurred_on))

    @event("Registered")
    def __init__(self, kind: str, key: str, values: dict[str, Any], occurred_on: date) -> None:
        self.kind, self.key = kind, key
        self.values: dict[str, Any] = dict(values)
        self.registered_on = occurred_on
        self.status, self.status_reason = EntryStatus.ACTIVE.value, ""
        self.status_since = self.updated_on = occurred_on

    # ----------------------------------------------------------------- changing
    def change(
        self, *, occurred_on: date, reason: str = "", rules: RuleBook | None = None,
        provider: RegistryEntry | None = None, **fields: Any,
    ) -> dict[str, Any]:
        """Change some fields; returns what changed (nothing changed is refused)."""
        given = check_values(self.kind, fields, partial=True)
        for name in given:
            if SPECS[self.kind][name].fixed:
                raise InvalidValueError(name, "fixed", "cannot change: register a new entry")
        changes = {k: v for k, v in given.items() if self.values.get(k) != v}
        if not changes:
            raise InvalidValueError(next(iter(fields), "reason"), "unchanged",
                                    "is the value already recorded")
        merged = {**self.values, **changes}
        check_together(self.kind, merged)
        if set(changes) & {"provider_uscc", "course", "rule_set", "rule_paths"}:
            _check_links(self.kind, merged, rules, provider)
        self._change(occurred_on=_day(occurred_on), changes=changes,
                     reason=text(reason, "reason", max_len=500, min_len=0))
        return changes

    @event("Changed")
    def _change(self, occurred_on: date, changes: dict[str, Any], reason: str) -> None:
        self.values = {**self.values, **changes}
        self.updated_on = max(self.updated_on, occurred_on)

    def set_status(self, *, occurred_on: date, status: str, reason: str) -> None:
        """Suspend, end or reactivate the entry, with the reason why."""
        wanted = choice(EntryStatus, status, "status")
        if wanted not in SETTABLE:
            raise InvalidValueError("status", "choice", "revoke a filing on its own form",
                                    allowed=[s.value for s in SETTABLE])
        if wanted == self.status:
            raise InvalidValueError("status", "unchanged", "is the status already recorded")
        if self.status == EntryStatus.REVOKED and wanted != EntryStatus.ENDED:
            raise StateConflictError("status", "filing_revoked",
                                     "the filing was revoked; restore it first")
        self._set_status(occurred_on=_day(occurred_on), status=wanted.value,
                         reason=_reason(reason))

    @event("StatusChanged")
    def _set_status(self, occurred_on: date, status: str, reason: str) -> None:
        self.status, self.status_reason, self.status_since = status, reason, occurred_on
        self.updated_on = max(self.updated_on, occurred_on)

    # ---------------------------------------------------- a provider's filing
    def revoke_filing(self, *, occurred_on: date, reason: str) -> None:
        """Revoke a training provider's filing (撤销备案), for the reason given."""
        self.check_provider()
        if self.status in (EntryStatus.REVOKED, EntryStatus.ENDED):
            raise StateConflictError("reason", "not_filed", "the provider holds no filing")
        self._revoke_filing(occurred_on=_day(occurred_on), reason=_reason(reason))

    @event("FilingRevoked")
    def _revoke_filing(self, occurred_on: date, reason: str) -> None:
        self.status, self.status_reason = EntryStatus.REVOKED.value, reason
        self.status_since = occurred_on
        self.updated_on = max(self.updated_on, occurred_on)

    def restore_filing(self, *, occurred_on: date, reason: str) -> None:
        """Restore a revoked filing (重新备案), for the reason given."""
        self.check_provider()
        if self.status != EntryStatus.REVOKED:
            raise StateConflictError("reason", "not_revoked", "the filing is not revoked")
        self._restore_filing(occurred_on=_day(occurred_on), reason=_reason(reason))

    @event("FilingRestored")
    def _restore_filing(self, occurred_on: date, reason: str) -> None:
        self.status, self.status_reason = EntryStatus.ACTIVE.value, reason
        self.status_since = occurred_on
        self.updated_on = max(self.updated_on, occurred_on)

    # ------------------------------------------------------------------ guards
    def check_provider(self) -> None:
        if self.kind != RegistryKind.PROVIDER:
            raise StateConflictError("kind", "not_provider", "only a provider has a filing")

    def check_choosable(self, field: str) -> None:
        """Refuse an entry a case may not choose now: revoked, suspended or ended."""
        if self.status == EntryStatus.REVOKED:
            raise RuleViolationError(field, "filing_revoked",
                                     "the provider's filing (备案) was revoked",
                                     since=self.status_since.isoformat())
        if self.status != EntryStatus.ACTIVE:
            raise RuleViolationError(field, "not_active", "this entry is not active",
                                     status=self.status)

    @property
    def district(self) -> str:
        return str(self.values["district"])

    @property
    def title(self) -> str:
        """What the entry is called (a policy's title, anything else's name)."""
        return str(self.values.get("name") or self.values.get("title") or self.key)


def _day(raw: Any) -> date:
    value = a_date(raw, "occurred_on")
    if value > today():
        raise InvalidValueError("occurred_on", "future", "must not be in the future")
    return value


def _reason(raw: Any) -> str:
    return text(raw, "reason", max_len=500, min_len=2)


def _check_links(kind: str, values: Mapping[str, Any], rules: RuleBook | None,
                 provider: RegistryEntry | None) -> None:
    """A class's provider must be filed and offer its course; a policy's rule set must exist."""
    if kind == RegistryKind.TRAINING_CLASS:
        if provider is None or provider.kind != RegistryKind.PROVIDER:
            raise InvalidValueError("provider_uscc", "not_registered",
                                    "is not in the registry")
        provider.check_choosable("provider_uscc")
        if values["course"] not in provider.values["courses"]:
            raise RuleViolationError("course", "not_offered",
                                     "the provider does not offer this course")
    if kind == RegistryKind.POLICY and values.get("rule_set"):
        if rules is None:
            raise RuleSetError("checking a policy's rule set needs the rule book")
        try:
            rules.get(values["rule_set"])
        except RuleSetError:
            raise InvalidValueError("rule_set", "unknown_rule_set",
                                    "names no rule set version") from None
