"""The events of every case, read from the log in batches up to a position, as flat rows.

Each stored event is decrypted and decoded once (no aggregate is rebuilt); a
case's number, district and caseworker are followed as its events go by, so a
row names the district and caseworker the case had when the event was
recorded, and filters on them need no second pass.  Memory grows with the
number of cases (four short strings each), not with the number of events.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.utils import resolve_topic

from application.projections import case_topics
from application.projections.case_list import masked_id, masked_mobile
from domain.values import BUREAU_TZ

if TYPE_CHECKING:
    from eventsourcing.persistence import Mapper, Notification

    from application.cases import Cases
    from application.exports import ExportFilter

BATCH = 2_000
#: An event's own fields are everything but these (they have their own columns).
METADATA = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp",
                      "actor", "actor_role", "request_id", "occurred_on", "chain",
                      "class_version"})
PERSONAL = ("id_number", "mobile")


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


@cache
def _upcasts(topic: str) -> bool:
    return int(getattr(resolve_topic(topic), "class_version", 1) or 1) > 1


#: The library's typed JSON values, and their plain text (what ``plain`` makes of them).
_TYPED: dict[str, Callable[[Any], Any]] = {
    "datetime_iso": str, "date_iso": str, "decimal_str": str,
    "uuid_hex": lambda data: str(UUID(data)),
}


class Decoder:
    """Stored events as plain JSON values, fast: the state is decrypted with one reused AES-GCM
    key schedule and parsed without the transcoder's per-object hook.

    Anything unusual (an upcast class, another cipher, an unknown typed value) takes the
    library's own way.
    """

    def __init__(self, mapper: Mapper) -> None:
        self.mapper = mapper
        self.aes = None
        cipher = mapper.cipher
        if type(cipher).__module__ == "eventsourcing.cryptography" and hasattr(cipher, "key"):
            self.aes = AESGCM(cipher.key)

    def __call__(self, notification: Notification) -> dict[str, Any]:
        """The event's fields: JSON values, with the timestamp as ISO 8601 text."""
        if _upcasts(notification.topic):
            return {k: plain(v) for k, v in vars(self.mapper.to_domain_event(notification))
                    .items()}
        state = self._decrypt(notification.state)
        if self.mapper.compressor:
            state = self.mapper.compressor.decompress(state)
        fields: dict[str, Any] = json.loads(state)
        try:
            for key, value in fields.items():
                if value.__class__ is dict or value.__class__ is list:
                    fields[key] = _untyped(value)
        except KeyError:  # a typed value this module does not know
            fields = {k: plain(v) for k, v in self.mapper.transcoder.decode(state).items()}
        return fields

    def _decrypt(self, state: bytes) -> bytes:
        if self.aes is not None:  # the library's layout: nonce (12), tag (16), ciphertext
            return bytes(self.aes.decrypt(state[:12], state[28:] + state[12:28], None))
        return self.mapper.cipher.decrypt(state) if self.mapper.cipher else state


def _untyped(value: Any) -> Any:
    if value.__class__ is dict:
        kind = value.get("_type_")
        if kind is not None and len(value) == 2 and "_data_" in value:
            return _TYPED[kind](value["_data_"])
        return {k: _untyped(v) for k, v in value.items()}
    if value.__class__ is list:
        return [_untyped(v) for v in value]
    return value


def position_time(cases: Cases, position: int) -> datetime | None:
    """When the event at ``position`` (or the last one before it) was recorded."""
    low = position
    while low > 0:
        low = max(0, low - 1_000)
        found = cases.recorder.select_notifications(start=low, limit=1_000, stop=position,
                                                    inclusive_of_start=False)
        if found:
            return datetime.fromisoformat(Decoder(cases.mapper)(found[-1])["timestamp"])
    return None


def _masked(name: str, fields: dict[str, Any], id_type: str | None) -> dict[str, Any]:
    """The fields with ID numbers and phones masked (corrections of them too)."""
    if fields.get("id_number"):
        fields["id_number"] = masked_id(str(fields.get("id_type") or id_type or ""),
                                        str(fields["id_number"]))
    if "mobile" in fields:
        fields["mobile"] = masked_mobile(fields["mobile"])
    if name == "RecordCorrected" and fields.get("field") in PERSONAL:
        for key in ("old_value", "new_value"):
            if fields.get(key):
                fields[key] = (masked_id(str(id_type or ""), str(fields[key]))
                               if fields["field"] == "id_number"
                               else masked_mobile(str(fields[key])))
    return fields


def _follow(known: dict[UUID, list[Any]], case_id: UUID, name: str,
            fields: dict[str, Any]) -> list[Any]:
    """The case's [number, ID type, district, caseworker] once this event is applied."""
    case = known.get(case_id)
    if name == "Enrolled" or case is None:
        case = known[case_id] = [fields.get("case_no"), fields.get("id_type"),
                                 fields.get("owning_district"), fields.get("caseworker_id")]
    elif name == "CaseTransferred":
        case[2], case[3] = fields["to_district"], fields["to_caseworker_id"]
    elif name == "CaseReassigned":
        case[3] = fields["to_caseworker_id"]
    return case


def event_rows(cases: Cases, filters: ExportFilter, position: int, reveal: bool,
               progress: Callable[[int, int], None] | None = None,
               ) -> Iterator[tuple[Any, ...]]:
    """Every case event up to ``position`` that the filters accept, oldest first."""
    from application.exports import ExportError

    topics, decode, known = case_topics(), Decoder(cases.mapper), dict[UUID, list[Any]]()
    local, start = BUREAU_TZ, 0
    while start < position and (batch := cases.recorder.select_notifications(
            start=start, limit=BATCH, stop=position, topics=topics, inclusive_of_start=False)):
        for notification in batch:
            try:
                fields = decode(notification)
            except Exception as error:
                raise ExportError("undecodable", f"event {notification.id}: {error}",
                                  position=notification.id) from None
            name = notification.topic.rpartition(".")[2]
            case_id = notification.originator_id
            case = _follow(known, case_id, name, fields)
            recorded = datetime.fromisoformat(fields["timestamp"]).astimezone(local)
            if not filters.accepts(case[2], case[3], recorded.date()):
                continue
            own = {k: v for k, v in fields.items() if k not in METADATA}
            if not reveal:
                own = _masked(name, own, case[1])
            yield (notification.id, str(case_id), case[0], notification.originator_version,
                   name, notification.topic, recorded.isoformat(), fields["occurred_on"],
                   fields["actor"], fields["actor_role"], fields["request_id"], case[2],
                   case[3], fields["chain"], own)
        start = batch[-1].id
        if progress:
            progress(start, position)


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def fields_json(fields: dict[str, Any]) -> str:
    """An event's own fields as one JSON text (for a spreadsheet cell)."""
    return _encode(fields)
