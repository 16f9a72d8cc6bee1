"""The record of an export: what it names, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import InvalidValueError
from domain.export_log import Export
from domain.recording import Role, recording_as
from tests.fixtures.make_golden import golden_mapper


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
    ({"source": "cli", "size": "12"}, "size"),
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


def test_a_record_names_its_files_size_and_one_of_version_1_has_none() -> None:
    with recording_as("shell:wu", Role.SYSTEM, "req-2"):
        backup = Export.deliver("backup", "sqlite", "sqlite3", "file=/backup/hw.sqlite3", 40,
                                38, "b" * 64, 81_920)
    mapper = golden_mapper()
    golden = Path(__file__).parents[2] / "fixtures" / "golden" / "export-log-v1.jsonl"
    first = json.loads(golden.read_text("utf-8").splitlines()[0])

    (delivered,) = backup.collect_events()
    stored = mapper.to_stored_event(delivered)
    old = mapper.to_domain_event(StoredEvent(UUID(first["originator_id"]), 1, first["topic"],
                                             first["state"].encode("utf-8")))

    assert (backup.source, backup.size, type(delivered).class_version) == ("backup", 81_920, 2)
    assert mapper.to_domain_event(stored).size == 81_920
    assert (old.source, old.rows, old.size) == ("cli", 420, None)


def test_a_size_below_zero_is_refused() -> None:
    with recording_as("shell:wu", Role.SYSTEM), pytest.raises(InvalidValueError) as refused:
        Export.deliver("digest", "heads", "json", "", 1, 1, "0" * 64, -1)

    assert refused.value.field == "size"
