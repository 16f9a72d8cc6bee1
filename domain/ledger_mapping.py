"""How a district reads its ledgers of one kind: which field each of its headers holds.

Bureaus keep their ledgers in their own words for years; once a supervisor has
said that ``证件编码`` is the ID number and ``联系方式`` is to be left out, every
later import in that district reads the columns so.  One stream per district
and kind of ledger, its id derived from both, so the first two savers at once
write the same stream version and the store keeps one; each later save records
the whole mapping, who saved it and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.errors import InvalidValueError
from domain.recording import AuditedAggregate
from domain.values import text, today

#: Headers one mapping may name (a ledger has a few dozen columns at most).
MAX_COLUMNS = 200


class LedgerMapping(AuditedAggregate):
    """The headers of one district's ledgers of one kind, each with its field or none."""

    @staticmethod
    def create_id(district: str, kind: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/homeward/ledger-mappings/{district}/{kind}")

    @classmethod
    def register(cls, district: str, kind: str) -> LedgerMapping:
        """A district's mapping for one kind of ledger, with nothing mapped yet."""
        return cls(district=text(district, "district", max_len=6),
                   kind=text(kind, "kind", max_len=20), occurred_on=today())

    @event("Registered")
    def __init__(self, district: str, kind: str, occurred_on: date) -> None:
        self.district, self.kind = district, kind
        self.columns: dict[str, str | None] = {}

    def save_columns(self, columns: Mapping[str, str | None], fields: frozenset[str]) -> None:
        """Replace the mapping: header → one of ``fields``, or None to leave it out."""
        if len(columns) > MAX_COLUMNS:
            raise InvalidValueError("columns", "too_many", f"at most {MAX_COLUMNS} columns",
                                    max=MAX_COLUMNS)
        checked: dict[str, str | None] = {}
        for header, field in columns.items():
            name = text(header, "columns", max_len=100)
            if field is not None and field not in fields:
                raise InvalidValueError("columns", "choice", f"{field} is not a field",
                                        allowed=sorted(fields))
            checked[name] = field
        self._save_columns(occurred_on=today(), columns=checked)

    @event("ColumnsSaved")
    def _save_columns(self, occurred_on: date, columns: dict[str, str | None]) -> None:
        self.columns = dict(columns)
