"""Stored events decoded fast, with the library's results: as plain JSON values or domain events.

The library's mapper builds a new AES-GCM context for every event and runs a
Python hook on every JSON object it parses.  For a long case or the whole log
that is most of the time spent, so :class:`Decoder` decrypts with one reused
key schedule and parses without the hook, then turns the typed values
(``{"_type_": "date_iso", "_data_": "2024-05-01"}``) into what the mapper
would make of them.  Anything unusual (an upcast class, another cipher or
transcoder, an unknown typed value, a damaged event) takes the library's own
way, so its errors are the library's too.  Tests compare both ways on every
golden event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import (
    JSONTranscoder,
    Notification,
    StoredEvent,
    find_id_convertor,
    pass_through_convertor,
)
from eventsourcing.utils import resolve_topic

if TYPE_CHECKING:
    from eventsourcing.application import Application
    from eventsourcing.persistence import AggregateRecorder, Mapper


def plain(value: Any) -> Any:
    """A value as JSON has it: dates in ISO 8601, ids and decimals as text."""
    if value is None or isinstance(value, (str, int)):  # bool is an int
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return str(value)


#: An event's stream and version: the stored row's columns, not its state's fields.
_STREAM_FIELDS = frozenset({"originator_id", "originator_version"})


@cache
def _upcasts(topic: str) -> bool:
    return int(getattr(resolve_topic(topic), "class_version", 1) or 1) > 1


#: The library's typed JSON values, and their plain text (what ``plain`` makes of them).
_PLAIN: dict[str, Callable[[Any], Any]] = {
    "datetime_iso": str, "date_iso": str, "decimal_str": str,
    "uuid_hex": lambda data: str(UUID(data)),
}
_UNSEEN = object()


def _hook(transcodings: dict[str, Callable[[Any], Any]]) -> Callable[[dict[str, Any]], Any]:
    """The library's object hook over these transcodings (an unknown one raises KeyError)."""

    def decode(value: dict[str, Any]) -> Any:
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            return transcodings[value["_type_"]](value["_data_"])
        return value

    return decode


def _scanner(transcodings: dict[str, Callable[[Any], Any]]) -> Callable[[str, int], Any]:
    """What ``json.loads`` runs, without the encoding detection and the blank skipping
    around it (the library writes no blanks): the value at an index, and where it ends."""
    return json.JSONDecoder(object_hook=_hook(transcodings)).scan_once  # type: ignore[attr-defined, no-any-return]


_scan_plain = _scanner(_PLAIN)


class Decoder:
    """Stored events decoded as the library's mapper decodes them, faster."""

    def __init__(self, mapper: Mapper) -> None:
        self.mapper = mapper
        self.aes = None
        cipher = mapper.cipher
        if type(cipher).__module__ == "eventsourcing.cryptography" and hasattr(cipher, "key"):
            self.aes = AESGCM(cipher.key)
        transcoder = mapper.transcoder
        self._scan_typed = None
        if type(transcoder) is JSONTranscoder:
            self._scan_typed = _scanner({n: t.decode for n, t in transcoder.names.items()})
        self.classes: dict[str, Any] = {}

    def __call__(self, notification: Notification | StoredEvent) -> dict[str, Any]:
        """The event's fields: JSON values, with the timestamp as ISO 8601 text."""
        if _upcasts(notification.topic):  # the stored fields, as the library upcasts them
            return {k: plain(v) for k, v in vars(self.mapper.to_domain_event(notification))
                    .items() if k not in _STREAM_FIELDS}
        try:
            return self.parse(notification.state, _scan_plain)
        except KeyError:  # a typed value this module does not know
            return {k: plain(v) for k, v in self.mapper.transcoder.decode(
                self.plaintext(notification.state)).items()}

    def row(self, row: tuple[int, Any, int, str, bytes]) -> dict[str, Any]:
        """As calling it, for a log row: position, stream id, version, topic, state."""
        topic, state = row[3], row[4]
        if not _upcasts(topic):
            try:
                return self.parse(state, _scan_plain)  # type: ignore[no-any-return]
            except KeyError:
                pass
        stream = row[1] if isinstance(row[1], UUID) else UUID(row[1])
        return self(Notification(id=row[0], originator_id=stream, originator_version=row[2],
                                 topic=topic, state=state))

    def event(self, stored: StoredEvent) -> Any:
        """The domain event, equal to what ``mapper.to_domain_event`` returns."""
        return self.stream_event(stored.originator_id, stored.originator_version, stored.topic,
                                 stored.state)

    def stream_event(self, stream: Any, version: int, topic: str, state: bytes) -> Any:
        """The domain event of a stream's stored row, as :meth:`event` gives it."""
        cls = self.classes.get(topic, _UNSEEN)
        if cls is _UNSEEN:
            cls = self.classes[topic] = self._fast_class(topic)
        try:
            if cls is None:
                raise LookupError(topic)
            fields = self.parse(state, self._scan_typed)
            if "class_version" in fields:
                raise LookupError("class_version")
        except Exception:  # the library's way, and its error if it fails too
            return self.mapper.to_domain_event(StoredEvent(stream, version, topic, bytes(state)))
        if stream.__class__ is not UUID:
            stream = find_id_convertor(cls, type(stream))(stream)
        fields["originator_id"] = stream
        fields["originator_version"] = version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", fields)
        return event

    def _fast_class(self, topic: str) -> type[Any] | None:
        """The event class of a topic, or None when the mapper must decode its events."""
        cls = resolve_topic(topic)
        if self._scan_typed is None or _upcasts(topic) or \
                find_id_convertor(cls, UUID) is not pass_through_convertor:
            return None
        return cls  # type: ignore[no-any-return]

    def parse(self, state: bytes, scan: Callable[[str, int], Any] | None = None) -> Any:
        """The stored state as parsed JSON, typed values decoded by ``scan`` (or left)."""
        text = self.plaintext(state).decode("utf-8")
        if scan is not None and text[:1] == "{":
            found, end = scan(text, 0)
            if end == len(text):
                return found
        return json.loads(text)  # anything else: json's own checks and errors

    def plaintext(self, state: bytes) -> bytes:
        """The stored state decrypted and decompressed."""
        if self.aes is not None:  # the library's layout: nonce (12), tag (16), ciphertext
            state = self.aes.decrypt(state[:12], state[28:] + state[12:28], None)
        elif self.mapper.cipher:
            state = self.mapper.cipher.decrypt(state)
        if self.mapper.compressor:
            state = self.mapper.compressor.decompress(state)
        return bytes(state)


#: A stream's stored event as the store gives it: version, topic, state.
StreamRow = tuple[int, str, bytes]


class StreamRows(Protocol):
    """Reads a stream's rows, oldest first, up to version ``upto`` (all without it)."""

    def __call__(self, stream: UUID, upto: int | None = None) -> Sequence[StreamRow]: ...


def event_rows_of(recorder: AggregateRecorder) -> StreamRows:
    """Any store's stream rows, through the recorder's stored events."""

    def read(stream: UUID, upto: int | None = None) -> Sequence[StreamRow]:
        return [(s.originator_version, s.topic, s.state)
                for s in recorder.select_events(stream, lte=upto)]

    return read


def case_events(app: Application, stream: UUID, upto: int | None = None,
                read: StreamRows | None = None) -> Iterator[Any]:
    """A stream's events, oldest first (up to version ``upto``), each decoded as it is reached.

    ``read`` reads the stream's rows (by default through the recorder's stored events).
    """
    event = Decoder(app.mapper).stream_event
    rows = (read or event_rows_of(app.recorder))(stream, upto)
    return (event(stream, version, topic, state) for version, topic, state in rows)
