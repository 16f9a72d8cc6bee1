"""How the API writes rows and cases as JSON: ISO dates, masked personal data."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from application.projections.case_list import masked_id, masked_mobile
from application.queries import CaseState


def plain(value: Any) -> Any:
    """Dataclasses, dates, enums and UUIDs as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def case_json(state: CaseState) -> dict[str, Any]:
    """A case with its ID number and phone masked (revealing is a separate, logged call)."""
    data = plain(state)
    data["id_number"] = masked_id(state.id_type, state.id_number)
    data["mobile"] = masked_mobile(state.mobile)
    data.pop("chain_head", None)
    return data


_ID = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def mask_text(value: str | None) -> str | None:
    """Any ID number or mobile number inside a text, masked."""
    if not value:
        return value
    return _MOBILE.sub(r"\1****\2", _ID.sub(lambda m: m[1] + "*" * 10 + m[2], value))


def masked_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A history entry with every ID number and phone in its changes masked.

    Corrections carry old and new values as text, so values are masked by shape.
    """
    for change in entry["changes"]:
        change["before"] = mask_text(change["before"])
        change["after"] = mask_text(change["after"])
    return entry
