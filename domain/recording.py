"""Who records an event, and the hash chain that links the events of a stream.

Every event of every Homeward aggregate carries, besides its own fields:

- ``actor``, ``actor_role`` and ``request_id``: taken from the recording
  context that the caller (a web request, a CLI command, the demo loader)
  opens with :func:`recording_as`, never from user input;
- ``occurred_on``: the effective date the user states (a field of every
  command);
- ``chain``: SHA-256 over a canonical encoding of the event's topic, version,
  fields and the previous event's ``chain``, so that an edited or removed
  stored event breaks the chain at that version.

The library's ``timestamp`` is the recorded time (UTC) and is part of the hash.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from functools import cache
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, ProgrammingError
from eventsourcing.utils import get_topic

from domain.errors import NoRecorderError

GENESIS = "0" * 64

#: Fields of a stored event that the chain does not cover: the chain itself,
#: the version (hashed separately) and the mapper's class-version marker.
UNHASHED_FIELDS = frozenset({"chain", "originator_version", "class_version"})


class Role(StrEnum):
    """The role an actor records in."""

    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    INVESTIGATOR = "investigator"
    ADMIN = "admin"
    SYSTEM = "system"


@dataclass(frozen=True)
class Recorder:
    """The author of the events recorded in the current context."""

    actor: str
    role: Role
    request_id: str


_recorder: ContextVar[Recorder | None] = ContextVar("homeward_recorder", default=None)


@contextmanager
def recording_as(
    actor: str, role: Role | str, request_id: str | None = None
) -> Iterator[Recorder]:
    """Name the actor, role and request of every event recorded inside the block."""
    if not actor:
        raise ValueError("actor must not be empty")
    recorder = Recorder(actor, Role(role), request_id or uuid4().hex)
    token = _recorder.set(recorder)
    try:
        yield recorder
    finally:
        _recorder.reset(token)


def current_recorder() -> Recorder:
    """The recorder of the current context; refuses to record anonymously."""
    recorder = _recorder.get()
    if recorder is None:
        raise NoRecorderError(
            "no actor: record events inside recording_as(actor, role)"
        )
    return recorder


_PLAIN = (str, int, bool, type(None))


def canonical(value: Any) -> Any:
    """Reduce a value to JSON types in one fixed way, for hashing."""
    if type(value) in _PLAIN:  # most fields: the fast way out
        return value
    if isinstance(value, Enum):
        return canonical(value.value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(canonical(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    # Floats are refused: money is integer fen and rates integer basis points.
    raise TypeError(f"cannot hash a value of type {type(value).__name__}")


def chain_hash(previous: str, topic: str, version: int, fields: Mapping[str, Any]) -> str:
    """The chain value of an event whose predecessor's chain value is ``previous``."""
    body = {k: v for k, v in fields.items() if k not in UNHASHED_FIELDS}
    payload = json.dumps(
        {
            "previous": previous,
            "topic": topic,
            "version": version,
            "fields": canonical(body),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditedAggregate(Aggregate):
    """Base of Homeward's aggregates: every event is attributed and chained."""

    class Event(Aggregate.Event):
        actor: str
        actor_role: str
        request_id: str
        occurred_on: date
        chain: str

        def mutate(self, aggregate: Any) -> Any:
            aggregate = super().mutate(aggregate)
            aggregate.chain_head = self.chain
            aggregate.recorded(self)
            return aggregate

    class Created(Event, Aggregate.Created):
        pass

    def __deepcopy__(self, memo: dict[int, Any]) -> AuditedAggregate:
        """A copy that can be changed without touching the original.

        Aggregates hold immutable values (frozen records, tuples, strings, dates)
        in dicts and lists that events replace or extend but never change in
        place, so copying the containers is enough; the repository copies every
        cached case it hands out, and a full deep copy would cost more than
        replaying the case's events.
        """
        copy = object.__new__(type(self))
        copy.__dict__.update(
            {k: v.copy() if isinstance(v, (dict, list, set)) else v
             for k, v in self.__dict__.items()}
        )
        memo[id(self)] = copy
        return copy

    def recorded(self, event: AuditedAggregate.Event) -> None:
        """Called after each event is applied, on recording and on replay."""

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        kwargs = _stamp(event_class, self.id, self.version + 1, self.chain_head, kwargs)
        super().trigger_event(event_class, **kwargs)

    @classmethod
    def _create(cls, event_class: type[Any], *, id: UUID | None = None, **kwargs: Any) -> Any:
        if id is None:
            params = _create_id_params(cls)
            id = cls.create_id(**{k: v for k, v in kwargs.items() if k in params})
        kwargs["originator_topic"] = get_topic(cls)
        kwargs = _stamp(event_class, id, cls.INITIAL_VERSION, GENESIS, kwargs)
        return super()._create(event_class, id=id, **kwargs)


@cache
def _create_id_params(cls: type[Any]) -> frozenset[str]:
    return frozenset(inspect.signature(cls.create_id).parameters)


def _stamp(
    event_class: type[Any], originator_id: UUID, version: int, previous: str, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """Add the recorder, the recorded time and the chain to an event's fields."""
    for reserved in ("actor", "actor_role", "request_id", "chain", "timestamp"):
        if reserved in kwargs:
            raise ProgrammingError(f"{reserved} is set by the recording context")
    if "occurred_on" not in kwargs:
        raise ProgrammingError(f"{event_class.__qualname__} needs occurred_on")
    recorder = current_recorder()
    stamped = dict(
        kwargs,
        actor=recorder.actor,
        actor_role=recorder.role.value,
        request_id=recorder.request_id,
        timestamp=event_class.create_timestamp(),
    )
    fields = dict(stamped, originator_id=originator_id)
    stamped["chain"] = chain_hash(previous, get_topic(event_class), version, fields)
    return stamped
