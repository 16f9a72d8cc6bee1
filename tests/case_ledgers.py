"""Training and loan ledgers (培训台账, 创业担保贷款台账) for people whose cases exist.

The people are enrolled through ``Cases`` first (a returnee ledger's import
would do the same); each ledger then has a title row merged over the sheet,
Chinese headers (a unit in brackets: 贷款金额（万元）), dates in several
forms, good rows, bad rows (each with the field the report must name), a row
whose ID number no case has, a row repeated, and rows the cases hold already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

from application.cases import Cases
from domain.recording import Role, recording_as
from tests.builders import a_uscc, an_id_number, days_ago, enrolment
from tests.registries import register

SUPERVISOR = ("sup.li", Role.SUPERVISOR)
PROVIDER = "52370300MJD000011D"
REVOKED_PROVIDER = "52370300MJD00002X5"
SYB_CLASS, GYB_CLASS, REVOKED_CLASS = "ZB-SYB-2026-101", "ZB-GYB-2026-102", "ZB-IYB-2026-109"
NAMES = "王芳 李强 张伟 刘洋 陈静 杨磊 黄敏 赵军 吴娟 周涛 徐明 孙超 马丽 朱平 胡刚".split()
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class Person:
    id_number: str
    name: str
    case_no: str
    case_id: Any


@dataclass
class CaseLedger:
    """A ledger made for a test, and what a correct import of it does."""

    path: Path
    #: Sheet row numbers of the rows that must be imported.
    good: list[int] = field(default_factory=list)
    #: Row number → the field the row is refused for.
    bad: dict[int, str] = field(default_factory=dict)
    #: Row number → the earlier row it repeats.
    repeats: dict[int, int] = field(default_factory=dict)
    #: Row number → the case that holds what the row records already.
    on_case: dict[int, str] = field(default_factory=dict)
    #: Row number → the person of the row.
    people: dict[int, Person] = field(default_factory=dict)


def people(cases: Cases, count: int, district: str = "370303",
           caseworker: str = "cw.zhang") -> list[Person]:
    """``count`` open cases, returned home 400 days ago, of people with fresh ID numbers."""
    found = []
    with recording_as("cw.zhang", Role.CASEWORKER, "people"):
        for n in range(count):
            fields = enrolment(id_number=an_id_number(district), name=NAMES[n % len(NAMES)],
                               owning_district=district, hukou_division=district,
                               caseworker_id=caseworker, residence_division=None)
            saved = cases.enrol_case(**fields)
            found.append(Person(fields["id_number"], fields["name"], saved.case_no,
                                saved.case_id))
    return found


def training_registry(cases: Cases) -> None:
    """The classes the training ledger names; the IYB class's provider has lost its filing."""
    for uscc, name in ((PROVIDER, "淄博市创业培训学校"), (REVOKED_PROVIDER, "张店区某培训中心")):
        register(cases, "PROVIDER", uscc=uscc, name=name, district="370300",
                 courses=["GYB", "SYB", "IYB"], filing_no="鲁培备〔2015〕3号")
    for number, course, provider, start, hours in (
            (SYB_CLASS, "SYB", PROVIDER, 200, 80), (GYB_CLASS, "GYB", PROVIDER, 160, 24),
            (REVOKED_CLASS, "IYB", REVOKED_PROVIDER, 150, 80)):
        register(cases, "TRAINING_CLASS", approval_no=number, course=course,
                 provider_uscc=provider, district="370303", start_on=days_ago(start),
                 end_on=days_ago(start - 10), planned_hours=hours)
    entry = cases.find_entry("PROVIDER", REVOKED_PROVIDER)
    with recording_as(*SUPERVISOR):
        cases.revoke_filing(entry.entry_id, entry.version, reason="培训质量不达标")


def _date(day: date, n: int) -> Any:
    form = n % 5
    if form == 0:
        return day.isoformat()
    if form == 1:
        return f"{day.year}年{day.month}月{day.day}日"
    if form == 2:
        return datetime(day.year, day.month, day.day)
    if form == 3:
        return (day - EXCEL_EPOCH).days
    return f"{day.year}/{day.month}/{day.day}"


def _workbook(path: Path, title: str, header: list[str], rows: list[list[Any]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append([title] + [None] * (len(header) - 1))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


TRAINING_HEADER = ["序号", "姓名", "身份证号码", "培训类型", "开班批准号", "开班时间",
                   "结业时间", "培训结果", "实际课时", "证书编号", "创业计划书评定", "培训机构",
                   "备注"]


def training_ledger(cases: Cases, path: Path, count: int) -> CaseLedger:
    """A training ledger of ``count`` people's rows and a dozen special ones (row 3 on)."""
    training_registry(cases)
    folks = people(cases, count + 8)
    ledger = CaseLedger(path)
    rows: list[list[Any]] = []

    def add(person: Person | None, cells: list[Any], *, good: bool = True) -> int:
        number = 3 + len(rows)
        rows.append([len(rows) + 1, person.name if person else "赵六",
                     person.id_number if person else an_id_number(), *cells])
        if person is not None:
            ledger.people[number] = person
        if good:
            ledger.good.append(number)
        return number

    syb_end, gyb_end = days_ago(188), days_ago(150)
    for n, person in enumerate(folks[:count]):
        if n % 4 in (0, 3):
            add(person, ["SYB创业培训", SYB_CLASS, _date(days_ago(200), n), _date(syb_end, n),
                         "合格", 80, f"SYB2026{n:05d}", "优秀" if n % 4 else "合格",
                         "淄博市创业培训学校", None])
        elif n % 4 == 1:
            add(person, ["GYB", GYB_CLASS, None, None, None, None, None, None,
                         "淄博市创业培训学校", "报名"])
        else:
            add(person, ["创业意识培训", GYB_CLASS, None, _date(gyb_end, n), "不合格", 10,
                         None, None, "淄博市创业培训学校", None])
    special = folks[count:]
    syb = ["SYB", SYB_CLASS, None, syb_end.isoformat(), "合格", 80]
    # The same row pasted twice.
    first = ledger.good[0]
    rows.append([len(rows) + 1, *rows[first - 3][1:]])
    ledger.repeats[2 + len(rows)] = first
    # An ID number no case has; a name that is not the case's; a revoked provider's class.
    ledger.bad[add(None, [*syb, "SYB-X-1", "合格", None, None], good=False)] = "id_number"
    stranger = Person(special[0].id_number, "钱多多", special[0].case_no, special[0].case_id)
    ledger.bad[add(stranger, [*syb, "SYB-X-2", "合格", None, None], good=False)] = "name"
    ledger.bad[add(special[1], ["IYB", REVOKED_CLASS, None, None, None, None, None, None,
                                "张店区某培训中心", None], good=False)] = "provider_uscc"
    # A pass with too few hours; an end date that is no date; a pass without certificate.
    ledger.bad[add(special[2], ["SYB", SYB_CLASS, None, syb_end.isoformat(), "合格", 50,
                                "SYB-X-3", "合格", None, None], good=False)] = "hours_attended"
    ledger.bad[add(special[3], ["SYB", SYB_CLASS, None, "2026-02-30", "合格", 80,
                                "SYB-X-4", "合格", None, None], good=False)] = "ended_on"
    ledger.bad[add(special[4], [*syb, None, "合格", None, None], good=False)] = \
        "certificate_no"
    # Another person's certificate number.
    ledger.bad[add(special[5], [*syb, "SYB202600000", "合格", None, None], good=False)] = \
        "certificate_no"
    # A course the case holds open (its row ends it) and one it has ended already.
    with recording_as("cw.zhang", Role.CASEWORKER, "before-import"):
        for person in special[6:8]:
            saved = cases.enrol_in_training(person.case_id, 1, occurred_on=days_ago(160),
                                            class_approval_no=GYB_CLASS, subsidised=True)
        cases.complete_training(special[7].case_id, saved.version, occurred_on=gyb_end,
                                enrolment_ref=saved.ref, result="PASSED", hours_attended=24,
                                certificate_no="GYB2026-H7")
    add(special[6], ["GYB", GYB_CLASS, None, _date(gyb_end, 2), "合格", 24, "GYB2026-H6",
                     None, None, None])
    held = add(special[7], ["GYB", GYB_CLASS, None, gyb_end.isoformat(), "合格", 24,
                            "GYB2026-H7", None, None, None], good=False)
    ledger.on_case[held] = special[7].case_no
    _workbook(path, "张店区2026年创业培训台账", TRAINING_HEADER, rows)
    return ledger


LOAN_HEADER = ["序号", "借款人姓名", "身份证号码", "贷款类型", "贷款金额（万元）",
               "贷款期限（月）", "年利率（%）", "放款日期", "合同编号", "贷款银行", "担保方式",
               "统一社会信用代码", "经营主体名称", "注册日期", "经营场所", "是否首次创业",
               "结清日期"]
BANK = "中国农业银行淄博张店支行"


def loan_ledger(cases: Cases, path: Path, count: int) -> CaseLedger:
    """A loan ledger: a third of the cases hold their business, the rows bring the others'."""
    folks = people(cases, count + 7)
    ledger = CaseLedger(path)
    rows: list[list[Any]] = []

    def add(person: Person | None, cells: list[Any], *, good: bool = True) -> int:
        number = 3 + len(rows)
        rows.append([len(rows) + 1, person.name if person else "赵六",
                     person.id_number if person else an_id_number(), *cells])
        if person is not None:
            ledger.people[number] = person
        if good:
            ledger.good.append(number)
        return number

    def business(registered: int = 300) -> list[Any]:
        return [a_uscc("92"), "张店区农家小吃店", _date(days_ago(registered), registered),
                "租赁", "是"]

    def loan(n: int, amount: Any = "15", rate: Any = "3.45", term: Any = 24) -> list[Any]:
        return ["个人", amount, term, rate, _date(days_ago(100), n), f"ZDDB-2026-{n:04d}", BANK,
                "担保基金"]

    with recording_as("cw.zhang", Role.CASEWORKER, "before-import"):
        for n, person in enumerate(folks[:count]):
            if n % 3 == 0:
                cases.register_business(person.case_id, 1, occurred_on=days_ago(300),
                                        uscc=a_uscc("92"), entity_type="INDIVIDUAL_BUSINESS",
                                        name="张店区便民超市", first_time_founder=True,
                                        premises="RENTED")
                add(person, [*loan(n), None, None, None, None, None, None])
            elif n % 3 == 1:
                add(person, [*loan(n), *business(), None])
            else:
                add(person, [*loan(n, amount=15.5), *business(), _date(days_ago(20), n)])
    special = folks[count:]
    first = ledger.good[0]
    rows.append([len(rows) + 1, *rows[first - 3][1:]])
    ledger.repeats[2 + len(rows)] = first
    blank = [None] * 6
    ledger.bad[add(None, [*loan(9001), *business(), None], good=False)] = "id_number"
    ledger.bad[add(special[0], [*loan(9002), *blank], good=False)] = "uscc"
    ledger.bad[add(special[1], [*loan(9003, amount="50"), *business(), None],
                   good=False)] = "principal"
    ledger.bad[add(special[2], [*loan(9004), *business(registered=120), None],
                   good=False)] = "eligibility"
    ledger.bad[add(special[3], [*loan(9005, rate="9%"), *business(), None],
                   good=False)] = "annual_rate_bp"
    ledger.bad[add(special[4], [*loan(9006, term="两年"), *business(), None],
                   good=False)] = "term_months"
    ledger.bad[add(special[5], [*loan(9007)[:-1], "找亲戚担保", *business(), None],
                   good=False)] = "guarantor"
    _workbook(path, "张店区创业担保贷款发放台账", LOAN_HEADER, rows)
    return ledger
