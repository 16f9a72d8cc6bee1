"""How one follow-up item counts toward 跟踪服务及时率 on a report date (``timely``)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.followups import DueItem, ItemStatus, timely

DONE, PENDING, CANCELLED = ItemStatus.DONE, ItemStatus.PENDING, ItemStatus.CANCELLED
DUE = date(2024, 3, 1)  # with a 7-day window: in time up to 8 March, overdue from 9 March


@pytest.mark.parametrize(("status", "closed_on", "on", "expected"), [
    (DONE, date(2024, 3, 5), date(2024, 3, 20), True),
    (DONE, date(2024, 2, 20), date(2024, 3, 20), True),  # done before it was due
    (DONE, date(2024, 3, 8), date(2024, 3, 20), True),  # the last day of the window
    (DONE, date(2024, 3, 9), date(2024, 3, 20), False),  # a day late
    (DONE, date(2024, 3, 25), date(2024, 3, 20), False),  # overdue on the day, done later
    (PENDING, None, date(2024, 3, 20), False),
    (CANCELLED, date(2024, 3, 8), date(2024, 3, 20), None),  # no longer due, in time
    (CANCELLED, date(2024, 3, 9), date(2024, 3, 20), False),  # cancelled when already missed
    (CANCELLED, date(2024, 3, 25), date(2024, 3, 20), False),  # overdue on the day
    (PENDING, None, date(2024, 3, 5), None),  # inside its window
    (PENDING, None, date(2024, 3, 8), None),  # the last day of the window: still in time
    (PENDING, None, date(2024, 3, 9), False),
    (DONE, date(2024, 3, 4), date(2024, 3, 5), True),  # done within the window by the day
    (DONE, date(2024, 3, 6), date(2024, 3, 5), None),  # done after the day, in time
    (DONE, date(2024, 2, 20), date(2024, 2, 28), None),  # not yet due, though done
    (PENDING, None, date(2024, 2, 28), None),
])
def test_an_item_counts_once_its_outcome_is_known_and_is_in_time_if_done_by_its_windows_end(
    status: ItemStatus, closed_on: date | None, on: date, expected: bool | None,
) -> None:
    assert timely(status, DUE, 7, closed_on, on) is expected


@pytest.mark.parametrize(("rule_id", "expected"), [
    ("F1", False), ("F6", False), ("F14", False), ("F10", None), ("F15", None), ("F16", None)])
def test_only_the_service_rules_count(rule_id: str, expected: bool | None) -> None:
    item = DueItem(case_id=UUID(int=1), rule_id=rule_id, rule_set="CN@1", trigger_version=1,
                   trigger_event="Enrolled", subject_ref=None, seq=1, due_on=DUE,
                   window_days=7, assignee="cw-1", district="370303", status=PENDING,
                   closed_version=None, closed_on=None)

    assert item.timely_on(date(2024, 4, 1)) is expected
