"""Demo group activities: salons, roadshows, volunteer days … in each demo district.

Each district gets activities over the last two years, in proportion to its
cases, with attendance recorded from its own cases as a caseworker would (a
case enrolled after the day refuses, and says so), one activity planned for
next month, and one called off.  The same seed gives the same activities.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from eventsourcing.utils import get_topic

from application.cases import Cases
from domain.case import Case
from domain.divisions import divisions
from domain.recording import Role, recording_as
from domain.values import today

#: (kind, titles) of the activities the seeds describe (K0: 公益志愿服务活动, 路演, 大赛 …).
KINDS = (
    ("VOLUNTEER_SERVICE", ("“创培在身边”公益志愿服务", "返乡创业公益服务日")),
    ("TRAINING_SESSION", ("创业政策解读讲座", "电商直播带货讲座", "创业担保贷款政策宣讲")),
    ("ROADSHOW", ("返乡创业项目路演", "乡村振兴项目路演")),
    ("COMPETITION", ("返乡入乡创业大赛", "农村电商创业大赛")),
    ("SALON", ("返乡创业沙龙", "创业导师沙龙")),
)
#: Cases per activity held, and the most activities a district holds in the demo.
CASES_PER_ACTIVITY, MOST_ACTIVITIES = 8, 12


@dataclass(frozen=True)
class DemoCase:
    case_no: str
    district: str
    returned_on: date


@dataclass(frozen=True)
class DemoActivities:
    """What the loader recorded: activities held, planned and cancelled, and attendances."""

    held: int
    planned: int
    cancelled: int
    attendances: int
    refused: int


def enrolled_cases(cases: Cases, batch: int = 2_000) -> dict[str, list[DemoCase]]:
    """Every case of the store by its district at enrolment, read from the log."""
    found: dict[str, list[DemoCase]] = defaultdict(list)
    start, topic = 0, get_topic(Case.Enrolled)
    while notifications := cases.recorder.select_notifications(
            start=start, limit=batch, topics=[topic], inclusive_of_start=False):
        for notification in notifications:
            event = cases.mapper.to_domain_event(notification)
            found[event.owning_district].append(
                DemoCase(event.case_no, event.owning_district, event.returned_on))
        start = notifications[-1].id
    return found


def load_demo_activities(cases: Cases, seed: int = 2260) -> DemoActivities:
    """Plan and hold the demo activities of every district that has cases."""
    rng, end = random.Random(seed + 2), today()
    held = planned = cancelled = attendances = refused = 0
    for district, people in sorted(enrolled_cases(cases).items()):
        name = divisions().get(district).name if divisions().get(district) else district
        worker = f"cw-{district}-01"
        count = min(MOST_ACTIVITIES, max(2, len(people) // CASES_PER_ACTIVITY))
        for n in range(count + 2):
            kind, titles = rng.choice(KINDS)
            held_on = end - timedelta(days=rng.randint(3, 720))
            if n == count:  # next month's
                held_on = end + timedelta(days=rng.randint(20, 40))
            with recording_as(worker, Role.CASEWORKER, f"demo-{seed}-activity-{district}-{n}"):
                saved = cases.plan_activity(
                    kind=kind, title=rng.choice(titles), held_on=held_on,
                    place=rng.choice((f"{name}创业孵化基地", f"{name}人社局报告厅",
                                      f"{name}返乡创业服务站")),
                    organiser=rng.choice((f"{name}就业服务中心", f"{name}人力资源和社会保障局")),
                    district=district)
                if n == count:
                    planned += 1
                    continue
                if n == count + 1:
                    cases.cancel_activity(saved.activity_id, saved.version,
                                          reason="场地临时调整，活动取消")
                    cancelled += 1
                    continue
                came = rng.sample(people, min(len(people), rng.randint(5, 20)))
                result = cases.record_attendance(saved.activity_id,
                                                 [p.case_no for p in came])
            held += 1
            attendances += result.count("SAVED")
            refused += result.count("REFUSED")
    return DemoActivities(held, planned, cancelled, attendances, refused)
