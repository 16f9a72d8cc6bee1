"""The column mapping a district saved for a kind of ledger, read and saved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.ledger.kinds import Kind
from domain.errors import DuplicateError
from domain.ledger_mapping import LedgerMapping

if TYPE_CHECKING:
    from application.cases import Cases

ATTEMPTS = 3


def saved_mapping(cases: Cases, district: str, kind: Kind) -> dict[str, str | None]:
    """Header → field (None: left out) as the district saved it; empty if it never did."""
    found = _get(cases, district, kind)
    return dict(found.columns) if found is not None else {}


def save_mapping(cases: Cases, district: str, kind: Kind,
                 columns: Mapping[str, str | None]) -> None:
    """Keep ``columns`` as the district's mapping for this kind of ledger."""
    fields = frozenset(f.name for f in kind.fields)
    for _ in range(ATTEMPTS):
        mapping = _get(cases, district, kind) or LedgerMapping.register(district, kind.name)
        mapping.save_columns(columns, fields)
        try:
            cases.save(mapping)
        except IntegrityError:  # saved by someone else meanwhile: save over theirs
            continue
        return
    raise DuplicateError("columns", "busy", "is being saved by someone else; retry")


def _get(cases: Cases, district: str, kind: Kind) -> LedgerMapping | None:
    try:
        found = cases.repository.get(LedgerMapping.create_id(district, kind.name))
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, LedgerMapping) else None
