"""The store's own readers of the log and of a stream give the library's rows."""

from __future__ import annotations

from uuid import UUID

from application.cases import Cases
from application.decoding import case_events, event_rows_of
from application.event_export import notification_rows
from application.projections import case_topics
from domain.recording import Recorder
from infrastructure.log_rows import log_rows, stream_rows
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


def test_the_stores_reader_gives_a_streams_rows_as_the_library_does(
    cases: Cases, caseworker: Recorder,
) -> None:
    saved = cases.enrol_case(**enrolment(name="赵六"))
    for version in range(1, 4):
        cases.record_follow_up(saved.case_id, version, occurred_on=days_ago(3), method="PHONE",
                               reached=True, summary=f"第{version}次回访")
    cases.enrol_case(**enrolment(name="钱七"))  # another stream beside it
    fast, library = stream_rows(cases.recorder), event_rows_of(cases.recorder)

    for upto in (None, 1, 3, 4, 9):
        rows = [(r[0], r[1], bytes(r[2])) for r in fast(saved.case_id, upto)]

        assert rows == list(library(saved.case_id, upto)), upto
    assert [r[0] for r in fast(saved.case_id)] == [1, 2, 3, 4]
    assert list(case_events(cases, saved.case_id, 3, fast)) == \
        list(cases.events.get(saved.case_id, lte=3))
