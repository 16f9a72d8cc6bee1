"""The store's own reader of the log's rows gives what the library's notifications hold."""

from __future__ import annotations

from uuid import UUID

from application.cases import Cases
from application.event_export import notification_rows
from application.projections import case_topics
from domain.recording import Recorder
from infrastructure.log_rows import log_rows
from tests.builders import days_ago, enrolment


def as_library(row: tuple[object, ...]) -> tuple[object, ...]:
    stream = row[1] if isinstance(row[1], UUID) else UUID(str(row[1]))
    return (row[0], stream, row[2], row[3], bytes(row[4]))  # type: ignore[arg-type]


def test_the_stores_reader_gives_the_librarys_rows(cases: Cases, caseworker: Recorder) -> None:
    for name in ("赵六", "钱七", "孙八"):
        saved = cases.enrol_case(**enrolment(name=name))
        cases.record_follow_up(saved.case_id, 1, occurred_on=days_ago(3), method="PHONE",
                               reached=True, summary="回访")
    head = cases.recorder.max_notification_id()
    fast, library = log_rows(cases.recorder), notification_rows(cases.recorder)

    for start, stop, topics, limit in ((0, head, (), 100), (0, head, case_topics(), 100),
                                       (2, head - 1, case_topics(), 3), (head, head, (), 5)):
        rows = [as_library(r) for r in fast(start, stop, topics, limit)]

        assert rows == list(library(start, stop, topics, limit)), (start, stop, topics, limit)
    assert len(fast(0, head, case_topics(), 100)) == 6  # three enrolments, three follow-ups
