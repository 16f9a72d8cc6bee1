"""Realistic demo cases: valid codes, real divisions of the seeds' cities, plausible years.

The same seed gives the same people and histories, so a demo or a benchmark
can be reproduced.  Effective dates run over the last few years up to today.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from application.cases import Cases
from domain.codes import id_check_character, uscc_check_character
from domain.money import lpr_bp
from domain.recording import Role, recording_as
from domain.values import today
from infrastructure.demo_registries import DemoResources, load_demo_registries

#: Counties of the seeds' cities: Zibo, Huai'an, Dongying, Zhangye.
DISTRICTS = ("370303", "370302", "320830", "320826", "370502", "620702")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅海燕志强春兰晓东玉兰"
BUSINESSES = ("家庭农场", "电商服务部", "农产品合作社", "小吃店", "汽修店", "民宿", "养殖场")
FOLLOW_UP_NOTES = (
    "经营正常，计划扩大规模", "正在选址", "资金周转困难，需要贷款信息", "已招聘两名员工",
)
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: The 1+N mentoring groups of the demo (a mentor and the mentees of one trade).
MENTOR_GROUPS = ("电商组", "农业组", "餐饮组")


@dataclass(frozen=True)
class DemoPerson:
    name: str
    id_number: str
    mobile: str
    district: str
    returned_on: date


def a_person(rng: random.Random, district: str, returned_on: date) -> DemoPerson:
    """A person with a valid ID number born in the district 20–55 years ago."""
    born = returned_on - timedelta(days=rng.randint(20 * 365, 55 * 365))
    first17 = f"{district}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    mobile = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
    return DemoPerson(name, first17 + id_check_character(first17), mobile, district, returned_on)


def a_uscc(rng: random.Random, prefix: str, district: str) -> str:
    """A USCC with a correct check character."""
    body = "".join(rng.choice(ORG_ALPHABET) for _ in range(9))
    first17 = f"{prefix}{district}{body}"
    return first17 + uscc_check_character(first17)


def load_demo(cases: Cases, count: int = 200, seed: int = 2260,
              progress: Callable[[int], None] | None = None) -> int:
    """Enrol ``count`` demo cases with histories; returns the number of events.

    The registries are filled first (from the seeds' cities): the histories choose
    their providers, classes, mentors and incubators from them.
    """
    rng, end, events = random.Random(seed), today(), 0
    resources = load_demo_registries(cases, end, seed)
    for i, steps in enumerate(demo_histories(rng, count, end, resources)):
        case_id, version = None, 0
        for actor, role, command, fields in steps:
            with recording_as(actor, role, f"demo-{seed}-{i}-{version}"):
                if case_id is None:
                    saved = cases.enrol_case(**fields)
                else:
                    saved = getattr(cases, command)(case_id, version, **fields)
            case_id, version, events = saved.case_id, saved.version, events + 1
        if progress:
            progress(i + 1)
    resources.finish(end)
    return events


Step = tuple[str, Role, str, dict[str, Any]]


def demo_histories(rng: random.Random, count: int, end: date,
                   resources: DemoResources | None = None,
                   caseworkers: int = 4) -> Iterator[list[Step]]:
    """The commands that make each demo case's history, in order (with ``resources``, the
    histories also pair mentors and house businesses in incubators); each district's cases
    are shared among its ``caseworkers``."""
    for _ in range(count):
        district = rng.choice(DISTRICTS)
        worker = f"cw-{district}-{rng.randint(1, caseworkers):02d}"
        returned = end - timedelta(days=rng.randint(30, 5 * 365))
        person = a_person(rng, district, returned)
        day = returned + timedelta(days=rng.randint(1, 25))
        day = min(day, end)
        town = f"{district}{rng.randint(100, 110):03d}{rng.randint(200, 230):03d}"
        steps: list[Step] = [(worker, Role.CASEWORKER, "enrol_case", dict(
            name=person.name, id_type="RESIDENT_ID", id_number=person.id_number,
            mobile=person.mobile, hukou_division=district, owning_district=district,
            residence_division=town, caseworker_id=worker,
            returnee_type=rng.choices(["MIGRANT_WORKER", "GRADUATE", "VETERAN", "OTHER"],
                                      [60, 25, 10, 5])[0],
            loan_groups=["RETURNING_MIGRANT_WORKER"], returned_on=returned,
            occurred_on=day))]
        steps += list(_later_steps(rng, worker, district, day, end, resources))
        yield steps


def _a_loan(rng: random.Random, worker: str, district: str, applied: date,
            end: date) -> Iterator[Step]:
    """An individual guaranteed loan: applied, certified, granted, sometimes repaid."""
    ref, granted = f"l{rng.randint(0, 10**9)}", applied + timedelta(days=rng.randint(10, 30))
    if granted > end:
        return
    amount = rng.choice([5_000_000, 10_000_000])
    yield worker, Role.CASEWORKER, "apply_for_loan", dict(
        occurred_on=applied, loan_ref=ref, borrower_kind="INDIVIDUAL", amount=amount,
        term_months=24, other_loans_declared=True)
    yield worker, Role.CASEWORKER, "certify_loan_eligibility", dict(
        occurred_on=applied + timedelta(days=5), loan_ref=ref, decision="APPROVED",
        group="RETURNING_MIGRANT_WORKER")
    yield worker, Role.CASEWORKER, "grant_loan", dict(
        occurred_on=granted, loan_ref=ref, contract_no=f"{district}-HT-{rng.randint(0, 10**9)}",
        bank=rng.choice(["农商银行", "邮储银行", "农业银行"]), guarantor="FUND",
        principal=amount, term_months=24, annual_rate_bp=lpr_bp(granted) + rng.randint(0, 100))
    repaid = granted + timedelta(days=rng.randint(200, 700))
    if repaid <= end and rng.random() < 0.5:
        yield worker, Role.CASEWORKER, "record_loan_repaid", dict(occurred_on=repaid,
                                                                 loan_ref=ref)


def _later_steps(rng: random.Random, worker: str, district: str, day: date,
                 end: date, resources: DemoResources | None = None) -> Iterator[Step]:
    def advance(lo: int, hi: int) -> date | None:
        nonlocal day
        day = day + timedelta(days=rng.randint(lo, hi))
        return day if day <= end else None

    if (when := advance(1, 10)) is None:
        return
    needs = rng.sample(["TRAINING", "FINANCE_INFO", "PREMISES", "MENTOR", "POLICY"], 2)
    yield worker, Role.CASEWORKER, "assess_needs", dict(
        occurred_on=when, stage=rng.choice(["IDEA", "PREPARING"]), needs=needs)
    if resources is not None and "MENTOR" in needs and rng.random() < 0.8:
        yield from _mentoring(rng, worker, resources, district, when, end)
    if rng.random() < 0.7 and (when := advance(5, 40)) is not None:
        course = rng.choice(["GYB", "SYB", "SYB", "ONLINE_BUSINESS"])
        ref = f"t{rng.randint(0, 10**9)}"
        provider = a_uscc(rng, "52", district)
        number = f"KB{when:%Y%m}{rng.randint(1, 99):02d}"
        if resources is not None:
            provider = resources.provider(district, when)
            number = resources.a_class(district, when, course)
        yield worker, Role.CASEWORKER, "enrol_in_training", dict(
            occurred_on=when, enrolment_ref=ref, course=course, provider_uscc=provider,
            start_on=when, planned_hours=80, subsidised=True, class_approval_no=number)
        if (when := advance(10, 30)) is None:
            return
        passed = rng.random() < 0.85
        yield worker, Role.CASEWORKER, "complete_training", dict(
            occurred_on=when, enrolment_ref=ref, result="PASSED" if passed else "FAILED",
            hours_attended=rng.randint(72, 80) if passed else rng.randint(10, 60),
            certificate_no=f"{course}{when:%Y}{rng.randint(0, 10**8):08d}" if passed else None,
            business_plan_grade=("PASS" if passed else "FAIL") if course == "SYB" else "NONE")
    if rng.random() < 0.55 and (when := advance(20, 200)) is not None:
        kind = rng.choice([("92", "INDIVIDUAL_BUSINESS"), ("91", "ENTERPRISE"),
                           ("93", "FARMER_COOPERATIVE")])
        ref = f"b{rng.randint(0, 10**9)}"
        premises: dict[str, Any] = {"premises": rng.choice(["OWN", "RENTED", "HOME"])}
        if resources is not None and resources.incubators[district] and rng.random() < 0.2:
            premises = {"premises": "INCUBATOR",
                        "incubator_id": rng.choice(resources.incubators[district])}
        yield worker, Role.CASEWORKER, "register_business", dict(
            occurred_on=when, business_ref=ref, uscc=a_uscc(rng, kind[0], district),
            entity_type=kind[1], name=rng.choice(SURNAMES) + "记" + rng.choice(BUSINESSES),
            first_time_founder=True, **premises)
        if (when := advance(60, 200)) is not None:
            staff = rng.randint(0, 12)
            yield worker, Role.CASEWORKER, "report_jobs", dict(
                occurred_on=when, business_ref=ref, employees_excl_founder=staff,
                insured_employees=rng.randint(0, staff), priority_group_hires_12m=0,
                contracts_ge_1y=rng.randint(0, staff), source="ROSTER", verified=True)
        if rng.random() < 0.4 and (when := advance(40, 90)) is not None:
            yield from _a_loan(rng, worker, district, when, end)
    for _ in range(rng.randint(0, 4)):
        if (when := advance(30, 150)) is None:
            return
        yield worker, Role.CASEWORKER, "record_follow_up", dict(
            occurred_on=when, method=rng.choice(["VISIT", "PHONE", "WECHAT"]),
            reached=rng.random() < 0.9, summary=rng.choice(FOLLOW_UP_NOTES))


def _mentoring(rng: random.Random, worker: str, resources: DemoResources, district: str,
               assigned: date, end: date) -> Iterator[Step]:
    """A pairing with a mentor of the district's pool who has a place free (a 1+N group),
    sessions, sometimes an end."""
    mentors = resources.free_mentors(district)
    if not mentors or (assigned := assigned + timedelta(days=rng.randint(3, 20))) > end:
        return
    ref, mentor = f"p{rng.randint(0, 10**9)}", rng.choice(mentors)
    resources.places_taken[mentor] += 1
    yield worker, Role.CASEWORKER, "assign_mentor", dict(
        occurred_on=assigned, pairing_ref=ref, mentor_id=mentor,
        group_ref=rng.choice(MENTOR_GROUPS))
    day = assigned
    for _ in range(rng.randint(0, 6)):
        day += timedelta(days=rng.randint(15, 50))
        if day > end:
            return
        yield worker, Role.CASEWORKER, "hold_mentoring_session", dict(
            occurred_on=day, pairing_ref=ref, mode=rng.choice(["VISIT", "PHONE", "ONLINE"]),
            minutes=rng.choice([20, 45, 60, 90]), topics=["MARKETING"])
    if rng.random() < 0.2 and (day := day + timedelta(days=30)) <= end:
        resources.places_taken[mentor] -= 1
        yield worker, Role.CASEWORKER, "release_mentor", dict(
            occurred_on=day, pairing_ref=ref, reason="COMPLETED")


# ------------------------------------------------------------ demo accounts
#: The password of every demo account (the README lists them; never use them elsewhere).
DEMO_PASSWORD = "homeward-demo"
#: (user name, display name, role, district): the caseworker holds demo cases of 张店区.
DEMO_ACCOUNTS = (
    ("cw-370303-01", "张店区经办人", "caseworker", "370303"),
    ("cw-370302-01", "淄川区经办人", "caseworker", "370302"),
    ("sup-370303", "张店区科长", "supervisor", "370303"),
    ("sup-370300", "淄博市主任", "supervisor", "370300"),
    ("inv-demo", "稽核员", "investigator", "370000"),
    ("admin", "系统管理员", "admin", "370000"),
)
#: Targets of the current year per demo district (分 for money).
DEMO_TARGETS = {"training_completions": 12, "training_passed": 10, "supported_start": 6,
                "jobs": 25, "loan_granted": 40_000_000}


def add_demo_accounts(accounts: Any) -> list[str]:
    """Open the demo accounts that do not exist yet; returns their user names."""
    added = []
    for username, name, role, district in DEMO_ACCOUNTS:
        if accounts.find(username) is None:
            accounts.add(username=username, password=DEMO_PASSWORD, role=role,
                         district=district, display_name=name, actor="demo")
            added.append(username)
    return added


def add_demo_work(cases: Cases, seed: int = 2260) -> int:
    """This year's targets, and fresh cases of the demo caseworker with work overdue and due."""
    rng, end = random.Random(seed + 1), today()
    with recording_as("demo", Role.SYSTEM, f"demo-{seed}-targets"):
        for district in DISTRICTS:
            for kpi, value in DEMO_TARGETS.items():
                cases.set_target(district, end.year, kpi, value)
    worker, district = DEMO_ACCOUNTS[0][0], DEMO_ACCOUNTS[0][3]
    # Enrolled 20, 7 and 3 days ago with no assessment yet: overdue, due today, this week.
    for n, days in enumerate((20, 7, 3)):
        day = end - timedelta(days=days)
        person = a_person(rng, district, day - timedelta(days=10))
        with recording_as(worker, Role.CASEWORKER, f"demo-{seed}-work-{n}"):
            cases.enrol_case(
                name=person.name, id_type="RESIDENT_ID", id_number=person.id_number,
                mobile=person.mobile, hukou_division=district, owning_district=district,
                residence_division=f"{district}001001", caseworker_id=worker,
                returnee_type="MIGRANT_WORKER", loan_groups=["RETURNING_MIGRANT_WORKER"],
                returned_on=person.returned_on, occurred_on=day)
    return 3
