"""Recomputing a stream's hash chain to prove its events are as recorded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.recording import GENESIS, chain_hash


@dataclass(frozen=True)
class ChainedRecord:
    """One stored event, with its fields as written (before any upcasting)."""

    originator_id: UUID
    version: int
    topic: str
    fields: Mapping[str, Any] | None
    problem: str | None = None  # why the fields could not be read


@dataclass(frozen=True)
class ChainBreak:
    """The first place where a stream stops proving itself."""

    originator_id: UUID
    version: int
    problem: str

    def __str__(self) -> str:
        return f"{self.originator_id} v{self.version}: {self.problem}"


def records_from_events(events: Iterable[Any]) -> list[ChainedRecord]:
    """Chained records of domain events that have not been upcast."""
    return [
        ChainedRecord(e.originator_id, e.originator_version, get_topic(type(e)), dict(vars(e)))
        for e in events
    ]


def verify_stream(records: Iterable[ChainedRecord]) -> ChainBreak | None:
    """Recompute the chain of one stream; the first break, or None when intact."""
    previous, expected, stream = GENESIS, 1, None
    for record in records:
        stream = record.originator_id
        if record.version != expected:
            return ChainBreak(stream, expected, f"version {expected} is missing "
                                                f"(next stored is {record.version})")
        if record.fields is None:
            return ChainBreak(stream, record.version, record.problem or "unreadable")
        stored = record.fields.get("chain")
        fields = {**record.fields, "originator_id": record.originator_id}
        if chain_hash(previous, record.topic, record.version, fields) != stored:
            return ChainBreak(stream, record.version,
                              "content does not match its recorded hash")
        previous, expected = str(stored), expected + 1
    return None
