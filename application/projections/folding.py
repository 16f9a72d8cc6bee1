"""Case state as of each event, for projections that need more than the event.

Events arrive in log order, so folding them one by one rebuilds every case
without reading its stream again; a case whose earlier events were not seen
(a live runner that starts mid-log) is loaded once at the version before.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.case import Case

if TYPE_CHECKING:
    from application.cases import Cases


class CaseFolder:
    """Keeps the recently folded cases, least recently used first out."""

    def __init__(self, cases: Cases, size: int = 5_000) -> None:
        self.cases, self.size = cases, size
        self._states: OrderedDict[UUID, Case] = OrderedDict()

    def after(self, event: Any) -> Case:
        """The case with ``event`` applied."""
        case_id, version = event.originator_id, event.originator_version
        case = self._states.pop(case_id, None)
        if case is not None and case.version != version - 1:
            case = None
        if case is None and version > 1:
            case = self.cases._get(case_id, version - 1)
        case = event.mutate(case)
        self._states[case_id] = case
        if len(self._states) > self.size:
            self._states.popitem(last=False)
        return case

    def final(self, case_id: UUID, version: int) -> Case | None:
        """The kept case if it stands at ``version``, else None."""
        case = self._states.get(case_id)
        return case if case is not None and case.version == version else None

    def forget(self) -> None:
        """Drop every folded case (after a failed batch, whose events will come again)."""
        self._states.clear()


class SharedFolder(CaseFolder):
    """One folder for the projections of a rebuild's single pass over the log.

    The projections take each batch in turn, so when the second one folds an
    event, the first has folded the whole batch already: the case kept is then
    at a later version, and it is what a batch needs (a folding projection
    makes its row from the case's last state at the batch's end, and one that
    recomputes a case from its stream can start from that state).  Only for
    batches: a live projection needs the case as of each event.
    """

    def after(self, event: Any) -> Case:
        case = self._states.get(event.originator_id)
        if case is not None and case.version >= event.originator_version:
            self._states.move_to_end(event.originator_id)
            return case
        return super().after(event)
