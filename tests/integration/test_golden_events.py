"""Events as earlier versions stored them must always decode, replay and verify."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from application.integrity import ChainedRecord, verify_stream
from domain.activities import Activity
from domain.case import Case
from domain.export_log import Export
from domain.import_runs import ImportRun
from domain.ledger_checks import LedgerCheck
from domain.ledger_mapping import LedgerMapping
from domain.mentor_places import MentorPlaces
from domain.recording import AuditedAggregate
from domain.reveals import Disclosure, ExportDisclosure
from domain.targets import Targets
from domain.uniqueness import UniqueKey
from tests.fixtures.make_golden import golden_mapper

GOLDEN = sorted((Path(__file__).parent.parent / "fixtures" / "golden").glob("*.jsonl"))


def stored_events(path: Path) -> list[StoredEvent]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return [StoredEvent(UUID(r["originator_id"]), r["originator_version"], r["topic"],
                        r["state"].encode("utf-8")) for r in rows]


def event_topics(aggregate: type[AuditedAggregate]) -> set[str]:
    return {
        f"{value.__module__}:{value.__qualname__}"
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, AuditedAggregate.Event)
        and name not in ("Event", "Created")
    }


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_events_decode_replay_and_verify(path: Path) -> None:
    mapper, streams = golden_mapper(), defaultdict(list)

    for stored in stored_events(path):
        streams[stored.originator_id].append((stored, mapper.to_domain_event(stored)))

    for records in streams.values():
        aggregate: Any = None
        for _, domain_event in records:
            aggregate = domain_event.mutate(aggregate)
        chained = [ChainedRecord(s.originator_id, s.originator_version, s.topic,
                                 mapper.transcoder.decode(s.state)) for s, _ in records]
        assert verify_stream(chained) is None
        assert aggregate.version == len(records)


def test_the_first_golden_case_replays_to_its_known_state() -> None:
    mapper = golden_mapper()
    case: Any = None

    for stored in stored_events(GOLDEN[0]):
        if stored.topic.startswith("domain.case:"):
            case = mapper.to_domain_event(stored).mutate(case)

    assert isinstance(case, Case)
    assert (case.name, case.owning_district, case.caseworker_id) == (
        "李四", "370302", "cw-370302-03")
    assert case.returned_on.isoformat() == "2024-01-09"
    assert case.id_number == "11010519491231002X"
    assert case.is_open and case.closed_reason is None


def test_every_event_type_has_a_golden_example() -> None:
    topics = {s.topic for path in GOLDEN for s in stored_events(path)}

    aggregates = (Case, UniqueKey, Targets, Disclosure, ExportDisclosure, Export, Activity,
                  LedgerMapping, ImportRun, LedgerCheck, MentorPlaces)
    missing = set().union(*(event_topics(a) for a in aggregates)) - topics

    assert not missing, f"add these to a new golden fixture file: {sorted(missing)}"
