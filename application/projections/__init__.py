"""Read models built from the case streams.

Each read model is a ``Projection`` (which events it reads and what it does
with them) over a view interface declared here, a ``TrackingRecorder`` whose
command methods write the view's rows together with the tracking position,
so that a view is a deterministic function of the event log.  The SQL of
each view lives in ``infrastructure/views``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from eventsourcing.persistence import TrackingRecorder
from eventsourcing.utils import get_topic

from application.decoding import Decoder
from domain.case import Case
from domain.recording import AuditedAggregate

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and how many there are in all."""

    rows: tuple[T, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)


@dataclass(frozen=True)
class Share:
    """A part of a whole, as a report-time rate counts it: items in time of items due."""

    part: int = 0
    whole: int = 0

    @property
    def rate(self) -> float | None:
        """part ÷ whole (a fraction), None when nothing counted."""
        return self.part / self.whole if self.whole else None

    def __add__(self, other: Share) -> Share:
        return Share(self.part + other.part, self.whole + other.whole)


class View(TrackingRecorder, ABC):
    """What every view offers besides its own commands and queries."""

    #: The view's name, as used on the command line (``case_list``).
    name: str

    @abstractmethod
    def batch(self) -> AbstractContextManager[None]:
        """Group the commands inside into one transaction with one tracking position."""

    @abstractmethod
    def checksum(self) -> str:
        """A hash of the view's content, equal for equal content."""

    @abstractmethod
    def row_count(self) -> int:
        """How many rows the view holds."""


class RecomputesCases:
    """For projections that recompute a case's rows from its whole stream.

    Live, each event recomputes its case at once.  In a batch (catch-up and
    rebuild) each event only advances the position and marks its case, and
    every marked case is recomputed once when the batch ends, in the same
    transaction: a case with many events in one batch is computed once.
    """

    _batching = False
    _marked: dict[Any, Any]
    cases: Any
    size = 2_000
    #: A rebuild's shared folder (:class:`~application.projections.folding.SharedFolder`):
    #: at a batch's end it may hold a case as its whole stream leaves it.
    folder: Any = None

    def __init__(self, view: Any, cases: Any) -> None:
        super().__init__(view)  # type: ignore[call-arg]
        self.cases = cases
        self.streams: OrderedDict[Any, list[Any]] = OrderedDict()
        self.decode = Decoder(cases.mapper).event

    def begin_batch(self) -> None:
        self._batching, self._marked = True, {}

    def end_batch(self) -> None:
        try:
            for case_id, last_event in self._marked.items():
                self.recompute(case_id, last_event, None)
        finally:
            self.abort_batch()

    def abort_batch(self) -> None:
        """Leave batch mode without writing (the batch's transaction is rolled back)."""
        self._batching, self._marked = False, {}

    def case_event(self, event: Any, tracking: Any) -> None:
        """Recompute now, or mark the case and just advance the position."""
        if not self._batching:
            self.recompute(event.originator_id, event, tracking)
            return
        self.stream_until(event)  # keeps the cached stream in step with the log
        self._marked[event.originator_id] = event
        self.view.advance(tracking)  # type: ignore[attr-defined]

    def recompute(self, case_id: Any, last_event: Any, tracking: Any) -> None:
        """Write the case's rows as its stream up to ``last_event`` makes them."""
        events = self.stream_until(last_event) if tracking is not None else \
            self.streams.get(case_id) or self.read(case_id, last_event.originator_version)
        self.write(case_id, events, tracking)

    def read(self, case_id: Any, upto: int) -> list[Any]:
        """A case's events up to version ``upto``, from the store (none before the first)."""
        if upto < 1:
            return []
        return list(map(self.decode, self.cases.recorder.select_events(case_id, lte=upto)))

    def write(self, case_id: Any, events: list[Any], tracking: Any) -> None:
        raise NotImplementedError

    def folded(self, events: list[Any]) -> Any:
        """The case as its whole stream ``events`` leaves it, if a rebuild's shared folder
        holds it (else None: the caller folds the stream itself)."""
        if self.folder is None or not events or events[0].originator_version != 1:
            return None
        last = events[-1]
        return self.folder.final(last.originator_id, last.originator_version)

    def stream_until(self, event: Any) -> list[Any]:
        """The case's events up to and including ``event`` (recent streams are kept)."""
        case_id, version = event.originator_id, event.originator_version
        events = self.streams.pop(case_id, None)
        if events is None or len(events) != version - 1:
            events = self.read(case_id, version - 1)
        events.append(event)
        self.streams[case_id] = events
        if len(self.streams) > self.size:
            self.streams.popitem(last=False)
        return events

    def forget(self) -> None:
        """Drop the kept streams (after a failed batch, whose events will come again)."""
        self.streams.clear()


class FoldsCases:
    """For projections that write one row per case from its state after its latest event.

    Live, each event writes its case's row at once.  In a batch (catch-up and
    rebuild) each event is folded into its case and advances the position, and
    each case's row is made once, from its last state, when the batch ends, in
    the same transaction.  ``self.folder`` is a
    :class:`~application.projections.folding.CaseFolder`.
    """

    _batching = False
    _latest: dict[Any, Any]
    folder: Any
    view: Any

    def begin_batch(self) -> None:
        self._batching, self._latest = True, {}

    def end_batch(self) -> None:
        try:
            for case in self._latest.values():
                self.write_case(case, None)
        finally:
            self.abort_batch()

    def abort_batch(self) -> None:
        """Leave batch mode without writing (the batch's transaction is rolled back)."""
        self._batching, self._latest = False, {}

    def case_event(self, event: Any, tracking: Any) -> None:
        """Fold the event; write the case's row now, or mark it for the batch's end."""
        case = self.folder.after(event)
        if not self._batching:
            self.write_case(case, tracking)
            return
        self._latest[case.id] = case  # folded on in place by later events of the batch
        self.view.advance(tracking)

    def write_case(self, case: Any, tracking: Any) -> None:
        raise NotImplementedError

    def forget(self) -> None:
        """Drop the folded cases (after a failed batch, whose events will come again)."""
        self.folder.forget()


def case_topics() -> tuple[str, ...]:
    """The topics of every event of a case stream."""
    return tuple(sorted(
        get_topic(value) for name, value in vars(Case).items()
        if isinstance(value, type) and issubclass(value, AuditedAggregate.Event)
        and name not in ("Event", "Created")
    ))
