"""Follow-up timeliness and 12-month survival on both stores, as of several report dates.

Two scripted histories, each figure below worked out by hand from them:

Follow-up timeliness (the needs assessment F1 of a case enrolled on day E is
due on E + 7 and in time up to E + 14, the end of its 7-day grace window):

======  ==========  ==========  ===============================================
case    district    F1 due      what happens
======  ==========  ==========  ===============================================
A       370303      2024-03-08  assessed 03-05: in time
B       370303      2024-03-17  assessed 03-30: done late
C       370303      2024-04-08  never assessed: late
D       370303      2024-04-12  case closed 04-08: cancelled within the window
H       370303      2024-01-17  case closed 02-01: cancelled after the window
E       370302      2024-06-27  never assessed (inside its window on 06-30)
F       370302      2024-07-02  assessed 06-26, before it was due
G       370302      2024-05-08  assessed 05-15, the last day of its window
I       370302      2024-06-08  assessed 07-10: done late, after 06-30
======  ==========  ==========  ===============================================

12-month survival (张掖: 620702 甘州区, 620722 民乐县):

======  ======  ==========  ==========================================
biz     county  registered  what happens
======  ======  ==========  ==========================================
S1      620702  2023-03-15  still operating
S2      620702  2023-02-10  deregistered 2023-11-20, before 12 months
S3      620702  2023-06-30  still operating (12 months on 2024-06-30)
S4      620702  2023-07-01  still operating (12 months on 2024-07-01)
S5      620722  2023-01-20  deregistered 2024-02-01, after 12 months
S6      620722  2023-04-10  suspended 2024-04-10, on its anniversary
S7      620722  2023-05-05  its case closed (moved away) 2024-01-15
S8      620722  2022-03-01  still operating
======  ======  ==========  ==========================================
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from application.projections import Share
from application.projections.report_time import survival, timeliness, total
from domain.followups import due_items
from domain.recording import Role, recording_as
from infrastructure.bootstrap import Services
from infrastructure.demo import load_demo
from tests.builders import a_uscc, enrolment

ZHANGDIAN, ZICHUAN, ZIBO = "370303", "370302", "370300"
GANZHOU, MINLE, ZHANGYE = "620702", "620722", "620700"
R = date(2024, 6, 30)
YEAR_2024 = {"date_from": date(2024, 1, 1), "date_to": date(2024, 12, 31)}


def a_case(cases: Any, district: str, enrolled: date) -> tuple[Any, int]:
    saved = cases.enrol_case(**enrolment(
        hukou_division=district, owning_district=district,
        residence_division=f"{district}100201", returned_on=date(2022, 1, 1),
        occurred_on=enrolled, caseworker_id=f"cw-{district}-01"))
    return saved.case_id, saved.version


def assessed(cases: Any, case: tuple[Any, int], on: date) -> None:
    cases.assess_needs(case[0], case[1], occurred_on=on, stage="IDEA", needs=["TRAINING"])


def closed(cases: Any, case: tuple[Any, int], on: date, reason: str = "OPTED_OUT") -> None:
    cases.close_case(case[0], case[1], occurred_on=on, reason=reason)


@pytest.fixture
def follow_ups(services: Services) -> Services:
    cases = services.cases
    with recording_as("cw-1", Role.CASEWORKER):
        assessed(cases, a_case(cases, ZHANGDIAN, date(2024, 3, 1)), date(2024, 3, 5))  # A
        assessed(cases, a_case(cases, ZHANGDIAN, date(2024, 3, 10)), date(2024, 3, 30))  # B
        a_case(cases, ZHANGDIAN, date(2024, 4, 1))  # C
        closed(cases, a_case(cases, ZHANGDIAN, date(2024, 4, 5)), date(2024, 4, 8))  # D
        closed(cases, a_case(cases, ZHANGDIAN, date(2024, 1, 10)), date(2024, 2, 1))  # H
        a_case(cases, ZICHUAN, date(2024, 6, 20))  # E
        assessed(cases, a_case(cases, ZICHUAN, date(2024, 6, 25)), date(2024, 6, 26))  # F
        assessed(cases, a_case(cases, ZICHUAN, date(2024, 5, 1)), date(2024, 5, 15))  # G
        assessed(cases, a_case(cases, ZICHUAN, date(2024, 6, 1)), date(2024, 7, 10))  # I
    services.views.catch_up("work_queue")
    return services


def shares(found: dict[str, Share]) -> dict[str, tuple[int, int]]:
    return {district: (share.part, share.whole) for district, share in found.items()}


def test_follow_up_timeliness_counts_items_due_whose_outcome_is_known_on_the_report_date(
    follow_ups: Services,
) -> None:
    queue = follow_ups.views["work_queue"]

    # 张店: A in time; B and C late; H missed before its case closed; D was cancelled in time.
    # 淄川: G in time (last day); I late (overdue on 30 June); E inside its window; F not yet due.
    assert shares(timeliness(queue, R)) == {ZICHUAN: (1, 2), ZHANGDIAN: (1, 4)}
    assert shares(timeliness(queue, R, **YEAR_2024, districts=(ZIBO,))) == {
        ZICHUAN: (1, 2), ZHANGDIAN: (1, 4)}
    assert total(timeliness(queue, R, districts=(ZIBO,)).values()).rate == 2 / 6
    march = timeliness(queue, R, date_from=date(2024, 3, 1), date_to=date(2024, 3, 31))
    assert shares(march) == {ZHANGDIAN: (1, 2)}  # A and B were due in March
    assert shares(timeliness(queue, R, districts=(ZICHUAN,))) == {ZICHUAN: (1, 2)}


@pytest.mark.parametrize(("on", "expected"), [
    # H late; A in time; B due but inside its window (assessed only on 30 March).
    (date(2024, 3, 20), {ZHANGDIAN: (1, 2)}),
    # E now late, F due and done early, G in time, I late.
    (date(2024, 7, 15), {ZICHUAN: (2, 4), ZHANGDIAN: (1, 4)}),
    (date(2024, 1, 1), {}),  # nothing due yet
])
def test_the_same_items_count_differently_as_the_report_date_moves(
    follow_ups: Services, on: date, expected: dict[str, tuple[int, int]],
) -> None:
    assert shares(timeliness(follow_ups.views["work_queue"], on)) == expected


def test_the_view_gives_what_the_rule_gives_item_by_item_on_demo_data(services: Services) -> None:
    load_demo(services.cases, 60, seed=5)
    services.views.catch_up("work_queue")
    queue, cases = services.views["work_queue"], services.cases
    items = [item for case_id in cases.recorder.select_notifications(
                 start=1, limit=10**6, topics=["domain.case:Case.Enrolled"])
             for item in due_items(list(cases.events.get(case_id.originator_id)), cases.rules)]
    days = sorted({i.due_on for i in items})

    for on in (days[len(days) // 4], days[len(days) // 2], days[-1] + timedelta(days=30)):
        expected: dict[str, Share] = {}
        for item in items:
            timely = item.timely_on(on)
            if timely is not None:
                expected[item.district] = expected.get(item.district, Share()) + Share(
                    int(timely), 1)
        assert timeliness(queue, on) == expected, on
    assert any(i.timely_on(days[-1]) is False for i in items)
    assert any(i.timely_on(days[-1]) is True for i in items)


@pytest.fixture
def businesses(services: Services) -> Services:
    cases = services.cases
    with recording_as("cw-1", Role.CASEWORKER):
        for district, registered, closure in [
            (GANZHOU, date(2023, 3, 15), None),  # S1
            (GANZHOU, date(2023, 2, 10), ("DEREGISTERED", date(2023, 11, 20))),  # S2
            (GANZHOU, date(2023, 6, 30), None),  # S3
            (GANZHOU, date(2023, 7, 1), None),  # S4
            (MINLE, date(2023, 1, 20), ("DEREGISTERED", date(2024, 2, 1))),  # S5
            (MINLE, date(2023, 4, 10), ("SUSPENDED", date(2024, 4, 10))),  # S6
            (MINLE, date(2023, 5, 5), ("MOVED_AWAY", date(2024, 1, 15))),  # S7
            (MINLE, date(2022, 3, 1), None),  # S8
        ]:
            case_id, version = a_case(cases, district, date(2023, 1, 5))
            saved = cases.register_business(
                case_id, version, occurred_on=registered, uscc=a_uscc("92", district),
                entity_type="INDIVIDUAL_BUSINESS", name="农家乐", first_time_founder=True,
                premises="RENTED")
            if closure is None:
                continue
            kind, on = closure
            if kind == "MOVED_AWAY":
                closed(cases, (case_id, saved.version), on, reason=kind)
            else:
                cases.close_business(case_id, saved.version, occurred_on=on,
                                     business_ref=saved.ref, kind=kind, reason="经营不善")
    services.views.catch_up("indicators")
    return services


def test_survival_counts_the_businesses_12_months_old_on_the_report_date(
    businesses: Services,
) -> None:
    view = businesses.views["indicators"]

    # 甘州: S1 and S3 (12 months exactly on 30 June) survived, S2 did not; S4 is too young.
    # 民乐: S5 (closed after 12 months) and S8 survived, S6 (suspended on the day) did not;
    # S7's case stopped following it.
    assert shares(survival(view, R)) == {GANZHOU: (2, 3), MINLE: (2, 3)}
    assert total(survival(view, R, districts=(ZHANGYE,)).values()) == Share(4, 6)
    assert shares(survival(view, R, **YEAR_2024)) == {GANZHOU: (2, 3), MINLE: (1, 2)}
    assert shares(survival(view, R, date_from=date(2024, 6, 1), date_to=date(2024, 6, 30))) \
        == {GANZHOU: (1, 1)}
    assert shares(survival(view, R, districts=(MINLE,))) == {MINLE: (2, 3)}


@pytest.mark.parametrize(("on", "expected"), [
    (date(2024, 7, 1), {GANZHOU: (3, 4), MINLE: (2, 3)}),  # S4 reaches 12 months
    (date(2024, 3, 14), {GANZHOU: (0, 1), MINLE: (2, 2)}),  # before S1's and S6's anniversaries
    (date(2023, 2, 28), {}),  # S8's anniversary is 1 March 2023
])
def test_survival_as_of_other_report_dates(
    businesses: Services, on: date, expected: dict[str, tuple[int, int]],
) -> None:
    assert shares(survival(businesses.views["indicators"], on)) == expected
