"""The events of every case, read from the log in batches up to a position, as flat rows.

Each stored event is decrypted and decoded once (no aggregate is rebuilt); a
case's number, district and caseworker are followed as its events go by, so a
row names the district and caseworker the case had when the event was
recorded, and filters on them need no second pass.  Memory grows with the
number of cases (four short strings each), not with the number of events.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from application.decoding import Decoder
from application.projections import case_topics
from application.projections.case_list import masked_id, masked_mobile
from domain.values import BUREAU_TZ

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder

    from application.cases import Cases
    from application.exports import ExportFilter

BATCH = 2_000
#: An event's own fields are everything but these (they have their own columns).
METADATA = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp",
                      "actor", "actor_role", "request_id", "occurred_on", "chain",
                      "class_version"})
PERSONAL = ("id_number", "mobile")


def position_time(cases: Cases, position: int) -> datetime | None:
    """When the event at ``position`` (or the last one before it) was recorded."""
    low = position
    while low > 0:
        low = max(0, low - 1_000)
        found = cases.recorder.select_notifications(start=low, limit=1_000, stop=position,
                                                    inclusive_of_start=False)
        if found:
            last = found[-1]
            row = (last.id, last.originator_id, last.originator_version, last.topic, last.state)
            return datetime.fromisoformat(_decoded(Decoder(cases.mapper), row)["timestamp"])
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


_FOLLOWED = frozenset({"Enrolled", "CaseTransferred", "CaseReassigned"})


def _follow(known: dict[Any, list[Any]], stream: Any, name: str,
            fields: dict[str, Any]) -> list[Any]:
    """The case's [number, ID type, district, caseworker] once this event is applied.

    Every case is kept until the end, so the values many cases share are kept once.
    """
    case = known.get(stream)
    if name == "Enrolled" or case is None:
        case = known[stream] = [fields.get("case_no"), _shared(fields.get("id_type")),
                                _shared(fields.get("owning_district")),
                                _shared(fields.get("caseworker_id"))]
    elif name == "CaseTransferred":
        case[2], case[3] = _shared(fields["to_district"]), _shared(fields["to_caseworker_id"])
    elif name == "CaseReassigned":
        case[3] = _shared(fields["to_caseworker_id"])
    return case


def _shared(value: Any) -> Any:
    return sys.intern(value) if value.__class__ is str else value


_HEX = re.compile("[0-9a-f]{32}")


def _id_text(stream: Any) -> str:
    """A stream id as ``str(UUID)`` writes it (from the hex text SQLite holds, directly)."""
    if stream.__class__ is str and _HEX.fullmatch(stream):
        return f"{stream[:8]}-{stream[8:12]}-{stream[12:16]}-{stream[16:20]}-{stream[20:]}"
    return str(stream if isinstance(stream, UUID) else UUID(stream))


#: A stored event as the store gives it: position, stream id, version, topic, state.
LogRow = tuple[int, Any, int, str, bytes]


class LogRows(Protocol):
    """Reads the log's rows after ``start`` up to ``stop`` of these topics, at most ``limit``."""

    def __call__(self, start: int, stop: int, topics: Sequence[str],
                 limit: int) -> Sequence[LogRow]: ...


def notification_rows(recorder: ApplicationRecorder) -> LogRows:
    """Any store's rows, through the recorder's notifications (slower than a store's own)."""

    def read(start: int, stop: int, topics: Sequence[str], limit: int) -> Sequence[LogRow]:
        return [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in recorder.select_notifications(start=start, limit=limit, stop=stop,
                                                       topics=topics, inclusive_of_start=False)]

    return read


def _rows(read: LogRows, start: int, stop: int, topics: Sequence[str],
          progress: Callable[[int, int], None] | None = None) -> Iterator[LogRow]:
    """The rows after ``start`` up to ``stop`` of these topics, a batch at a time."""
    while start < stop and (batch := read(start, stop, topics, BATCH)):
        yield from batch
        start = batch[-1][0]
        if progress:
            progress(start, stop)


def _decoded(decode: Decoder, row: LogRow) -> dict[str, Any]:
    from application.exports import ExportError

    try:
        return decode.row(row)
    except Exception as error:
        raise ExportError("undecodable", f"event {row[0]}: {error}", position=row[0]) from None


def cases_known_at(cases: Cases, position: int, read: LogRows | None = None,
                   ) -> dict[Any, list[Any]]:
    """What :func:`event_rows` knows of every case at ``position`` (its number, district…).

    Only enrolments, transfers and reassignments change it, so only those are read.
    """
    decode, known = Decoder(cases.mapper), dict[Any, list[Any]]()
    topics = [t for t in case_topics() if t.rpartition(".")[2] in _FOLLOWED]
    for row in _rows(read or notification_rows(cases.recorder), 0, position, topics):
        _follow(known, row[1], row[3].rpartition(".")[2], _decoded(decode, row))
    return known


def event_rows(cases: Cases, filters: ExportFilter, position: int, reveal: bool,
               progress: Callable[[int, int], None] | None = None, *, start: int = 0,
               known: dict[Any, list[Any]] | None = None,
               read: LogRows | None = None) -> Iterator[tuple[Any, ...]]:
    """Every case event after ``start`` up to ``position`` that the filters accept, in order.

    ``known`` is what :func:`cases_known_at` says of the cases at ``start``; ``read``
    reads the log's rows (by default through the recorder's notifications).
    """
    decode, known = Decoder(cases.mapper), {} if known is None else known
    read, names = read or notification_rows(cases.recorder), dict[str, str]()
    local, accepts = BUREAU_TZ, filters.accepts if filters.as_dict() else None
    for row in _rows(read, start, position, case_topics(), progress):
        fields = _decoded(decode, row)
        topic = row[3]
        name = names.get(topic) or names.setdefault(topic, topic.rpartition(".")[2])
        case = _follow(known, row[1], name, fields)
        recorded = datetime.fromisoformat(fields["timestamp"]).astimezone(local)
        if accepts is not None and not accepts(case[2], case[3], recorded.date()):
            continue
        own = {k: v for k, v in fields.items() if k not in METADATA}
        if not reveal:
            own = _masked(name, own, case[1])
        yield (row[0], _id_text(row[1]), case[0], row[2], name, topic, recorded.isoformat(),
               fields["occurred_on"], fields["actor"], fields["actor_role"],
               fields["request_id"], case[2], case[3], fields["chain"], own)


@dataclass(frozen=True)
class EventRange:
    """The rows of an events export after ``start`` up to ``stop``: one part of a file.

    A part made in another process opens the store anew from ``env`` (the
    ``Cases`` application's settings) and first reads what it needs to know of
    the cases recorded before ``start``, so its rows are those a single pass
    over the whole log gives.
    """

    filters: ExportFilter
    reveal: bool
    start: int
    stop: int
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: Makes the fastest reader of the log's rows for a recorder (a function of a
    #: module, so that another process can be given it).
    reader: Callable[[Any], LogRows] = notification_rows

    def rows(self, progress: Callable[[int, int], None] | None = None,
             cases: Cases | None = None) -> Iterator[tuple[Any, ...]]:
        """The part's rows, read through ``cases`` or through a store opened for them."""
        from application.cases import Cases

        own = cases is None
        if cases is None:  # no tables are created: the log exists
            cases = Cases(env={**self.env, "CREATE_TABLE": "n"})
        try:
            read = self.reader(cases.recorder)
            known = cases_known_at(cases, self.start, read) if self.start else {}
            yield from event_rows(cases, self.filters, self.stop, self.reveal, progress,
                                  start=self.start, known=known, read=read)
        finally:
            if own:
                cases.close()


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def fields_json(fields: dict[str, Any]) -> str:
    """An event's own fields as one JSON text (for a spreadsheet cell)."""
    return _encode(fields)
