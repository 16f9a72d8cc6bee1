"""The registry commands of ``Cases``, and the registry checks of the case commands.

Registry entries live in the same store as the cases, so a case command reads
the entries it names (a provider, a class, a mentor, an incubator) from their
own streams, not from a view that may lag: a provider whose filing was revoked
a moment ago is refused at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.errors import ConcurrentEditError
from domain.codes import Uscc
from domain.errors import DomainError, DuplicateError, InvalidValueError, RuleViolationError
from domain.registries import RegistryEntry, entry_id_for
from domain.registry_fields import KEY_FIELDS, RegistryKind
from domain.values import MentorLevel, choice, today

if TYPE_CHECKING:
    from application.cases import Cases

#: How often a registration is tried again when its fresh code was taken meanwhile.
ATTEMPTS = 3


class EntryNotFoundError(DomainError):
    """Raised when no registry entry has the id, or the key, given."""

    kind = "not_found"

    def __init__(self, field: str, key: str) -> None:
        super().__init__(field, "not_registered", f"{key!r} is not in the registry", key=key)


@dataclass(frozen=True)
class EntrySaved:
    """What a registry command saved."""

    entry_id: UUID
    kind: str
    key: str
    version: int
    notification_id: int | None


@dataclass(frozen=True)
class EntryState:
    """A registry entry as it stands (or stood at a version)."""

    entry_id: UUID
    kind: str
    key: str
    version: int
    values: Mapping[str, Any]
    status: str
    status_reason: str
    status_since: date
    registered_on: date
    recorded_at: datetime

    @property
    def title(self) -> str:
        return str(self.values.get("name") or self.values.get("title") or self.key)

    @property
    def district(self) -> str:
        return str(self.values["district"])


@dataclass(frozen=True)
class EntryChange:
    """One event of an entry's history: who did what, when, and with which values."""

    version: int
    event: str
    actor: str
    actor_role: str
    recorded_at: datetime
    occurred_on: date
    values: tuple[tuple[str, Any], ...]
    reason: str


def entry_state(entry: RegistryEntry) -> EntryState:
    return EntryState(entry.id, entry.kind, entry.key, entry.version, dict(entry.values),
                      entry.status, entry.status_reason, entry.status_since,
                      entry.registered_on, entry.modified_on)


class RegistryCommands:
    """Mentors, providers, classes, incubators, financing products and policies."""

    # ----------------------------------------------------------------- commands
    def register_entry(self: Cases, kind: str, *, occurred_on: date | None = None,
                       **fields: Any) -> EntrySaved:
        """Add an entry to a registry; a provider's USCC or a class's number is used once."""
        kind = choice(RegistryKind, kind, "kind").value
        for _ in range(ATTEMPTS):
            entry = RegistryEntry.register(
                kind, occurred_on=occurred_on or today(), rules=self.rules,
                provider=self._linked_provider(kind, fields), **fields)
            try:
                return self._saved(entry, self.save(entry))
            except IntegrityError:
                key_field = KEY_FIELDS.get(RegistryKind(kind))
                if key_field is not None:
                    raise DuplicateError(key_field, "duplicate",
                                         "is already in the registry") from None
        raise DuplicateError("kind", "no_free_code", "no free code was found; retry")

    def change_entry(self: Cases, entry_id: UUID, expected_version: int, *,
                     occurred_on: date | None = None, reason: str = "",
                     **fields: Any) -> EntrySaved:
        """Change some fields of an entry."""
        entry = self._loaded_entry(entry_id, expected_version)
        linked = {**entry.values, **fields}
        entry.change(occurred_on=occurred_on or today(), reason=reason, rules=self.rules,
                     provider=self._linked_provider(entry.kind, linked), **fields)
        return self._save_entry(entry, expected_version)

    def set_entry_status(self: Cases, entry_id: UUID, expected_version: int, *, status: str,
                         reason: str, occurred_on: date | None = None) -> EntrySaved:
        """Suspend, end or reactivate an entry."""
        entry = self._loaded_entry(entry_id, expected_version)
        entry.set_status(occurred_on=occurred_on or today(), status=status, reason=reason)
        return self._save_entry(entry, expected_version)

    def revoke_filing(self: Cases, entry_id: UUID, expected_version: int, *, reason: str,
                      occurred_on: date | None = None) -> EntrySaved:
        """Revoke a training provider's filing (撤销备案)."""
        entry = self._loaded_entry(entry_id, expected_version)
        entry.revoke_filing(occurred_on=occurred_on or today(), reason=reason)
        return self._save_entry(entry, expected_version)

    def restore_filing(self: Cases, entry_id: UUID, expected_version: int, *, reason: str,
                       occurred_on: date | None = None) -> EntrySaved:
        """Restore a revoked filing."""
        entry = self._loaded_entry(entry_id, expected_version)
        entry.restore_filing(occurred_on=occurred_on or today(), reason=reason)
        return self._save_entry(entry, expected_version)

    # ------------------------------------------------------------------ queries
    def get_entry(self: Cases, entry_id: UUID, *, version: int | None = None) -> EntryState:
        """An entry as it stands (or stood at ``version``)."""
        return entry_state(self._entry(entry_id, "entry", str(entry_id), version))

    def find_entry(self: Cases, kind: str, key: str, *, field: str = "key") -> EntryState:
        """The entry of a registry with this key (a code, a USCC, an approval number)."""
        kind = choice(RegistryKind, kind, "kind").value
        return entry_state(self._entry(entry_id_for(kind, str(key).strip()), field, key))

    def entry_history(self: Cases, entry_id: UUID) -> list[EntryChange]:
        """Every event of an entry, oldest first, with who recorded it and what it set."""
        changes = []
        for event in self.events.get(entry_id):
            name = type(event).__name__
            found = getattr(event, "values", None) or getattr(event, "changes", None) or {}
            if name == "StatusChanged":
                found = {"status": event.status}
            changes.append(EntryChange(
                event.originator_version, name, event.actor, event.actor_role,
                event.timestamp, event.occurred_on, tuple(sorted(found.items())),
                getattr(event, "reason", "")))
        if not changes:
            raise EntryNotFoundError("entry", str(entry_id))
        return changes

    # ------------------------------------------- what the case commands choose
    def training_choice(self: Cases, fields: dict[str, Any]) -> dict[str, Any]:
        """An enrolment's fields, the missing ones taken from its class (when one is named).

        A class fixes the provider and the course; its dates and planned hours are
        the defaults of the enrolment.
        """
        number = fields.get("class_approval_no")
        if not isinstance(number, str) or not number.strip():
            return fields
        given = fields.get("provider_uscc")
        if isinstance(given, str) and given.strip():  # a malformed code is named first
            fields = {**fields, "provider_uscc": Uscc.parse(given, field="provider_uscc")
                      .value.value}
        values = self._chosen(RegistryKind.TRAINING_CLASS, number, "class_approval_no").values
        filled = {"course": values["course"], "provider_uscc": values["provider_uscc"],
                  "start_on": date.fromisoformat(values["start_on"]),
                  "planned_hours": values["planned_hours"]}
        for field in ("course", "provider_uscc"):
            given = fields.get(field)
            if given not in (None, "") and str(given).strip().upper() != str(filled[field]):
                raise RuleViolationError(field, "not_of_class", "differs from the class's",
                                         expected=filled[field])
        return {**filled, **{k: v for k, v in fields.items() if v not in (None, "")}}

    def check_provider(self: Cases, uscc: str) -> None:
        """Refuse a provider that is not registered or whose filing is not in force."""
        self._chosen(RegistryKind.PROVIDER, uscc, "provider_uscc").check_choosable(
            "provider_uscc")

    def mentor_choice(self: Cases, fields: dict[str, Any]) -> dict[str, Any]:
        """A pairing's fields with the mentor's level from the registry; an inactive mentor
        or a level that contradicts the registry is refused."""
        mentor_id = fields.get("mentor_id")
        if not isinstance(mentor_id, str) or not mentor_id.strip():
            return fields
        level = fields.get("mentor_level")
        if level not in (None, ""):  # a malformed level is named before an unknown mentor
            level = choice(MentorLevel, level, "mentor_level").value
        mentor = self._chosen(RegistryKind.MENTOR, mentor_id, "mentor_id")
        mentor.check_choosable("mentor_id")
        if level not in (None, "") and level != mentor.values["level"]:
            raise InvalidValueError("mentor_level", "not_of_mentor",
                                    "differs from the mentor's level in the registry",
                                    expected=mentor.values["level"])
        return {**fields, "mentor_id": mentor.key, "mentor_level": mentor.values["level"]}

    def check_incubator(self: Cases, incubator_id: str | None) -> None:
        """Refuse an incubator that is not registered or not active."""
        if incubator_id in (None, ""):
            return
        self._chosen(RegistryKind.INCUBATOR, str(incubator_id), "incubator_id"
                     ).check_choosable("incubator_id")

    def check_class_correction(self: Cases, fields: Mapping[str, Any]) -> None:
        """A corrected class approval number must name a class of the registry too."""
        if fields.get("field") == "class_approval_no" and isinstance(fields.get("new_value"), str) \
                and fields["new_value"].strip():
            self._chosen(RegistryKind.TRAINING_CLASS, fields["new_value"], "new_value")

    # ------------------------------------------------------------------ internals
    def _entry(self: Cases, entry_id: UUID, field: str, key: str,
               version: int | None = None) -> RegistryEntry:
        try:
            found = self.repository.get(entry_id, version=version)
        except AggregateNotFoundError:
            raise EntryNotFoundError(field, key) from None
        if not isinstance(found, RegistryEntry):
            raise EntryNotFoundError(field, key)
        return found

    def _chosen(self: Cases, kind: str, key: str, field: str) -> RegistryEntry:
        """The entry a command names in ``field``; an unknown one is a bad value of it."""
        try:
            return self._entry(entry_id_for(kind, key.strip()), field, key)
        except EntryNotFoundError:
            raise InvalidValueError(field, "not_registered", "is not in the registry",
                                    key=key) from None

    def _loaded_entry(self: Cases, entry_id: UUID, expected_version: int) -> RegistryEntry:
        entry = self._entry(entry_id, "entry", str(entry_id))
        if entry.version != expected_version:
            raise ConcurrentEditError(entry_id, expected_version, entry.version)
        return entry

    def _linked_provider(self: Cases, kind: str, fields: Mapping[str, Any]
                         ) -> RegistryEntry | None:
        """The provider a class names, if it is in the registry."""
        uscc = fields.get("provider_uscc")
        if kind != RegistryKind.TRAINING_CLASS or not isinstance(uscc, str):
            return None
        try:
            return self._entry(entry_id_for(RegistryKind.PROVIDER, uscc.strip().upper()),
                               "provider_uscc", uscc)
        except EntryNotFoundError:
            return None

    def _save_entry(self: Cases, entry: RegistryEntry, expected_version: int) -> EntrySaved:
        try:
            recordings = self.save(entry)
        except IntegrityError:
            raise ConcurrentEditError(entry.id, expected_version,
                                      self._entry(entry.id, "entry", "").version) from None
        return self._saved(entry, recordings)

    @staticmethod
    def _saved(entry: RegistryEntry, recordings: list[Any]) -> EntrySaved:
        position = recordings[-1].notification.id if recordings else None
        return EntrySaved(entry.id, entry.kind, entry.key, entry.version, position)
