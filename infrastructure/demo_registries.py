"""Demo registries filled from the seeds' cities: Zibo, Huai'an, Dongying and Zhangye.

Zibo's 5+3 training and its incubation base (K0), Huai'an's mentor group with
the 1+N model, its 微创园 and 创业一条街 and its 富民创业贷款 (K1), Dongying's
training providers, one of which lost its filing for falsified records (K3),
Zhangye's returnee mentor service team with national and provincial mentors
and its guarantee-fee subsidy (K4), and the national loan policy whose numbers
are in rule set CN@4.  Keys are fixed, so loading twice adds nothing.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from application.cases import Cases
from application.registries import EntryNotFoundError
from domain.codes import uscc_check_character
from domain.recording import Role, recording_as
from domain.values import today

#: Per city: its code, the prefix of its class approval numbers, its counties in the demo.
CITIES = {
    "370300": ("淄", ("370303", "370302")),
    "320800": ("淮", ("320830", "320826")),
    "370500": ("东", ("370502",)),
    "620700": ("张", ("620702",)),
}
CITY_NAMES = {"370300": "淄博市", "320800": "淮安市", "370500": "东营市", "620700": "张掖市"}
COURSES = ("GYB", "SYB", "ONLINE_BUSINESS")
HOURS = {"GYB": 30, "SYB": 80, "ONLINE_BUSINESS": 40}
MENTORS = (  # name, level, specialties, industries, capacity, organisation
    ("王建国", "NATIONAL", ["MARKETING", "FINANCE_INFO"], ["电商", "农产品"], 8, "国家级创业导师"),
    ("李秀英", "PROVINCIAL", ["OPENING_GUIDANCE", "POLICY"], ["餐饮"], 6, "省创业指导专家"),
    ("张伟", "CITY", ["RECRUITMENT", "MARKETING"], ["家政", "民宿"], 5, "返乡创业代表"),
    ("陈静", "CITY", ["FINANCE_INFO", "PREMISES"], ["养殖"], 4, "农商银行信贷部"),
    ("刘洋", "COUNTY", ["TRAINING", "MARKETING"], ["直播电商"], 3, "县就业服务中心"),
)
ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class DemoResources:
    """The keys the demo histories pick from, by county; classes are opened when first used."""

    cases: Cases
    seed: int
    providers: dict[str, list[tuple[date, str]]] = field(default_factory=lambda: defaultdict(list))
    mentors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    incubators: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    revoke: list[tuple[str, str]] = field(default_factory=list)
    #: Each mentor's places, and how many the histories made so far hold.
    capacity: dict[str, int] = field(default_factory=dict)
    places_taken: Counter[str] = field(default_factory=Counter)

    def free_mentors(self, county: str) -> list[str]:
        """The county's mentors with a place free (pairing beyond it is refused)."""
        return [key for key in self.mentors[county]
                if self.places_taken[key] < self.capacity.get(key, 0)]

    def provider(self, county: str, on: date) -> str:
        """The provider that ran the county's classes on ``on``."""
        return [uscc for since, uscc in self.providers[county] if since <= on][-1]

    def a_class(self, county: str, on: date, course: str) -> str:
        """The class of that course that the county's provider ran in the quarter of ``on``."""
        uscc, quarter = self.provider(county, on), (on.month - 1) // 3
        prefix = next(p for p, counties in CITIES.values() if county in counties)
        which = [u for _, u in self.providers[county]].index(uscc)
        number = (f"{prefix}人社培〔{on.year}〕{county[-2:]}{quarter + 1}"
                  f"{COURSES.index(course) + 1}{which}号")
        start = date(on.year, quarter * 3 + 1, 5)
        with recording_as("demo", Role.SYSTEM, f"demo-{self.seed}-class-{number}"):
            _once(self.cases, "TRAINING_CLASS", number, approval_no=number, course=course,
                  provider_uscc=uscc, district=county, start_on=start,
                  end_on=start + timedelta(days=12), planned_hours=HOURS[course])
        return number

    def finish(self, end: date) -> None:
        """What happens after the histories: a provider caught falsifying loses its filing."""
        with recording_as("demo", Role.SYSTEM, f"demo-{self.seed}-revocations"):
            for uscc, reason in self.revoke:
                entry = self.cases.find_entry("PROVIDER", uscc)
                if entry.status == "ACTIVE":
                    self.cases.revoke_filing(entry.entry_id, entry.version, occurred_on=end,
                                             reason=reason)


def a_provider_uscc(rng: random.Random, district: str) -> str:
    body = "".join(rng.choice(ORG) for _ in range(9))
    first17 = f"52{district}{body}"
    return first17 + uscc_check_character(first17)


def load_demo_registries(cases: Cases, end: date, seed: int = 2260) -> DemoResources:
    """Register the demo entries (once) and return the keys the histories use."""
    rng, found = random.Random(seed + 7), DemoResources(cases, seed)
    with recording_as("demo", Role.SYSTEM, f"demo-{seed}-registries"):
        for city, (prefix, counties) in CITIES.items():
            _city(cases, rng, found, city, prefix, counties)
        for policy in _policies():
            _once(cases, "POLICY", policy.pop("key"), **policy)
    return found


def _city(cases: Cases, rng: random.Random, found: DemoResources, city: str, prefix: str,
          counties: tuple[str, ...]) -> None:
    name = CITY_NAMES[city]
    for n, county in enumerate(counties):
        uscc = a_provider_uscc(rng, county)
        _once(cases, "PROVIDER", uscc, uscc=uscc, name=f"{name}第{n + 1}创业培训学校",
              district=county, courses=list(COURSES), filing_no=f"{prefix}培备〔2018〕{n + 1}号")
        found.providers[county].append((date(2000, 1, 1), uscc))
    if city == "370500":  # K3: a provider caught falsifying records loses its filing
        county = counties[0]
        found.revoke.append((found.providers[county][0][1], "培训台账与考勤记录造假，依规撤销备案"))
        uscc = a_provider_uscc(rng, county)
        _once(cases, "PROVIDER", uscc, uscc=uscc, name="东营市渤海创业培训中心",
              district=county, courses=list(COURSES), filing_no="东培备〔2023〕7号")
        found.providers[county].append((date(2023, 1, 1), uscc))
    for n, (person, level, specialties, industries, capacity, organisation) in \
            enumerate(MENTORS):
        key = f"M{city}-D{n + 1:04d}"
        _once(cases, "MENTOR", key, name=person, level=level, district=city,
              specialties=specialties, industries=industries, capacity=capacity,
              organisation=f"{name}{organisation}")
        found.capacity[key] = capacity
        for county in counties:
            found.mentors[county].append(key)
    for n, (title, kind) in enumerate(_incubators(city)):
        county = counties[n % len(counties)]
        key = f"I{county}-D{n + 1:04d}"
        _once(cases, "INCUBATOR", key, name=title, incubator_kind=kind,
              level="CITY" if n == 0 else "COUNTY", district=county,
              address=f"{name}{title}管理服务中心", capacity=rng.choice([20, 30, 60]),
              services=["PREMISES", "OPENING_GUIDANCE", "FINANCE_INFO"])
        found.incubators[county].append(key)
    _once(cases, "FINANCING", f"F{city}-D0001", name=f"{name}创业担保贷款",
          financing_kind="GUARANTEED_LOAN", bank="农村商业银行", guarantor="FUND",
          max_amount=30_000_000, max_term_months=36, borrower_kinds=["INDIVIDUAL", "PARTNERSHIP"],
          loan_groups=["RETURNING_MIGRANT_WORKER", "GRADUATE", "VETERAN"], district=city,
          effective_from=date(2023, 10, 1))
    if city == "320800":
        _once(cases, "FINANCING", "F320800-D0002", name="富民创业贷款",
              financing_kind="BANK_LOAN", bank="淮安农商银行", max_amount=50_000_000,
              max_term_months=36, borrower_kinds=["INDIVIDUAL"], district=city,
              effective_from=date(2022, 1, 1))


def _incubators(city: str) -> list[tuple[str, str]]:
    return {
        "370300": [("淄博市创业孵化基地", "INCUBATION_BASE"), ("张店区大学生创业园", "MICRO_PARK")],
        "320800": [("盱眙县龙虾产业微创园", "MICRO_PARK"), ("涟水县创业一条街", "STARTUP_STREET")],
        "370500": [("东营市返乡创业孵化基地", "INCUBATION_BASE")],
        "620700": [("甘州区返乡入乡创业示范基地", "INCUBATION_BASE")],
    }[city]


def _policies() -> list[dict[str, Any]]:
    return [
        dict(key="P000000-D0001", title="创业担保贷款额度提高至个人30万元、小微企业400万元",
             document_no="财金〔2023〕75号", issuer="财政部 人力资源社会保障部 中国人民银行",
             topics=["LOAN"], district="370000", effective_from=date(2023, 10, 1),
             summary="个人创业担保贷款最高30万元，小微企业最高400万元；贴息为实际利率的50%。",
             rule_set="CN@4", rule_paths=["loan.individual_cap_fen", "loan.small_micro_cap_fen"]),
        dict(key="P000000-D0002", title="返乡入乡创业人员一次性创业补贴",
             document_no="人社部发〔2019〕129号", issuer="人力资源社会保障部等",
             topics=["SUBSIDY"], district="370000", effective_from=date(2019, 12, 1),
             summary="首次创办小微企业或从事个体经营且正常运营1年以上的，可给予一次性创业补贴。",
             rule_set="CN@1", rule_paths=["subsidy.one_time_startup_months"]),
        dict(key="P620700-D0001", title="张掖市创业担保贷款担保费补贴",
             issuer="张掖市人力资源和社会保障局", topics=["LOAN", "SUBSIDY"],
             district="620700", effective_from=date(2025, 1, 1),
             summary="争取财政专项资金100万元，对创业担保贷款的担保费给予补贴，降低融资成本。"),
        dict(key="P320800-D0001", title="淮安市“六大行动计划”创业扶持政策",
             issuer="淮安市人力资源和社会保障局", topics=["TRAINING", "PREMISES", "LOAN"],
             district="320800", effective_from=date(2023, 6, 1),
             summary="创业培训合格率85%以上；首批遴选命名30个“微创园”“创业一条街”；"
                     "推行创业导师“1+N”结对模式。"),
    ]


def _once(cases: Cases, kind: str, key: str, **fields: Any) -> None:
    """Register an entry unless its key is there already."""
    try:
        cases.find_entry(kind, key)
    except EntryNotFoundError:
        if kind not in ("PROVIDER", "TRAINING_CLASS"):
            fields["key"] = key
        start = fields.get("effective_from") or fields.get("start_on")
        registered = min(today(), start - timedelta(days=30)) if start else date(2018, 1, 1)
        cases.register_entry(kind, occurred_on=registered, **fields)
