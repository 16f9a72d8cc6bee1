"""The record of an export: what it names, and what it refuses."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValueError
from domain.export_log import Export
from domain.recording import Role, recording_as


def test_an_export_is_recorded_with_its_actor_file_and_position() -> None:
    with recording_as("sup-1", Role.SUPERVISOR, "req-1"):
        export = Export.deliver("dashboard", "overdue", "csv", "district=370303", 12, 4, "a" * 64)

    (delivered,) = export.collect_events()
    assert type(delivered).__name__ == "Delivered"
    assert (delivered.actor, delivered.actor_role, delivered.request_id) == (
        "sup-1", "supervisor", "req-1")
    assert (export.kind, export.position, export.rows, export.sha256) == (
        "overdue", 12, 4, "a" * 64)


@pytest.mark.parametrize(("changes", "field"), [
    ({"source": "mail"}, "source"),
    ({"position": -1}, "position"),
    ({"rows": True}, "rows"),
    ({"sha256": "A" * 64}, "sha256"),
    ({"sha256": "a" * 63}, "sha256"),
    ({"filters": "x" * 501}, "filters"),
])
def test_a_malformed_record_is_refused(changes: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"source": "cli", "kind": "cases", "file_format": "csv",
                                 "filters": "", "position": 1, "rows": 0, "sha256": "0" * 64}

    with recording_as("shell:wu", Role.SYSTEM), pytest.raises(InvalidValueError) as refused:
        Export.deliver(**{**values, **changes})  # type: ignore[arg-type]

    assert refused.value.field == field
