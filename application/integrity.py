"""Recomputing a stream's hash chain to prove its events are as recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
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


def stream_ids(recorder: Any, topics: Sequence[str] = ()) -> list[UUID]:
    """Every stream in the log (in order of first appearance), read in batches."""
    seen: dict[UUID, None] = {}
    start = 0
    while batch := recorder.select_notifications(start=start, limit=1000, topics=topics,
                                                 inclusive_of_start=False):
        for notification in batch:
            seen.setdefault(notification.originator_id, None)
        start = batch[-1].id
    return list(seen)


@dataclass(frozen=True)
class StreamHead:
    """Where a stream stood when a digest was taken."""

    stream: UUID
    version: int
    chain: str


def heads(records_by_stream: Iterable[Iterable[ChainedRecord]]) -> list[StreamHead]:
    """The last version and chain value of each stream."""
    found = []
    for records in records_by_stream:
        last = None
        for record in records:
            last = record
        if last is not None and last.fields is not None:
            found.append(StreamHead(last.originator_id, last.version, str(last.fields["chain"])))
    return found


def digest_payload(position: int, stream_heads: Sequence[StreamHead]) -> bytes:
    """The canonical bytes that a digest signs."""
    body = {"position": position,
            "heads": [[str(h.stream), h.version, h.chain]
                      for h in sorted(stream_heads, key=lambda h: str(h.stream))]}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(payload: bytes, key: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def check_head(records: Iterable[ChainedRecord], head: StreamHead) -> ChainBreak | None:
    """Whether the stream still proves, up to ``head.version``, the chain recorded then."""
    upto = [r for r in records if r.version <= head.version]
    broken = verify_stream(upto)
    if broken is not None:
        return broken
    if len(upto) != head.version or upto[-1].fields is None:
        return ChainBreak(head.stream, len(upto) + 1, "events recorded before the digest are gone")
    if upto[-1].fields["chain"] != head.chain:
        return ChainBreak(head.stream, head.version,
                          "the stream's chain differs from the one in the digest")
    return None
