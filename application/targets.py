"""The target commands of ``Cases``: a district's yearly figures, set by an administrator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.errors import StateConflictError
from domain.targets import Targets, check_district, check_year

if TYPE_CHECKING:
    from application.cases import Cases

#: How often a target is set again when another writer saved the same stream first.
ATTEMPTS = 3


class TargetCommands:
    """Targets per district and year (任务目标)."""

    def set_target(self: Cases, district: str, year: int, kpi: str, value: int) -> None:
        """Set one indicator's target of a county or city for a year."""
        district, year = check_district(district), check_year(year)
        for _ in range(ATTEMPTS):
            targets = self._targets(district, year)
            targets.set_target(kpi, value)
            try:
                self.save(targets)
            except IntegrityError:
                continue  # someone else set a target of this year meanwhile: apply ours after
            return
        raise StateConflictError("kpi", "busy", "the targets are being changed; retry")

    def _targets(self: Cases, district: str, year: int) -> Targets:
        try:
            found = self.repository.get(Targets.create_id(district, year))
        except AggregateNotFoundError:
            return Targets.register(district, year)
        assert isinstance(found, Targets)
        return found
