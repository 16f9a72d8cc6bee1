"""A ledger check's stream: started once at a time, advanced, then checked, refused or failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import StateConflictError
from domain.ledger_checks import LedgerCheck
from domain.recording import Role, recording_as

SHA = "cd" * 32


def started(now: datetime) -> LedgerCheck:
    check = LedgerCheck.register("cases", SHA, "", "ef" * 16)
    check.start(file_name="台账.xlsx", started_by="sup.li", now=now, stale_after_seconds=90)
    return check


def test_a_check_under_way_refuses_a_second_start_until_it_is_stale() -> None:
    with recording_as("sup.li", Role.SUPERVISOR, "req-1"):
        check = started(datetime.now(UTC))
        check.advance(50, 200)

        with pytest.raises(StateConflictError) as refused:
            check.start(file_name="台账.xlsx", started_by="sup.li", now=datetime.now(UTC),
                        stale_after_seconds=90)
        later = datetime.now(UTC) + timedelta(seconds=91)
        check.start(file_name="台账.xlsx", started_by="sup.li", now=later,
                    stale_after_seconds=90)

    assert refused.value.code == "check_running"
    assert (check.status, check.done) == ("RUNNING", 0)
    assert not check.is_running(later + timedelta(seconds=91), 90)


def test_a_check_keeps_what_it_found_and_a_new_one_forgets_it_on_replay() -> None:
    with recording_as("sup.li", Role.SUPERVISOR, "req-1"):
        check = started(datetime.now(UTC))
        check.check(sheet_name="Sheet1", header_row=2, columns=[("姓名", "name"), ("备注", None)],
                    counts={"ready": 9, "refused": 1},
                    rows=[{"row": 4, "status": "refused", "same_as_row": None,
                           "case_no": None, "errors": []}])
        checked = (check.status, check.sheet_name, check.header_row, check.columns, check.counts)
        check.start(file_name="台账.xlsx", started_by="sup.li", now=datetime.now(UTC),
                    stale_after_seconds=90)
        check.refuse("missing_columns", {"fields": ["id_number"]}, [("姓名", "name")])
    events = check.collect_events()

    copy = None
    for event in events:
        copy = event.mutate(copy)

    assert checked == ("CHECKED", "Sheet1", 2, (("姓名", "name"), ("备注", None)),
                       {"ready": 9, "refused": 1})
    assert [type(e).__name__ for e in events] == [
        "Registered", "Started", "Checked", "Started", "Refused"]
    assert isinstance(copy, LedgerCheck)
    assert (copy.status, copy.reason, copy.params, copy.counts, copy.rows, copy.columns) == (
        "REFUSED", "missing_columns", {"fields": ["id_number"]}, {}, (), (("姓名", "name"),))
