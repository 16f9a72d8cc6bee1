"""Resource matching (资源对接): which registry entries fit a case, ranked, and why.

The caseworker's "一键查询、精准匹配" of the resource lists: from the case's
assessed needs, stage, district, intended industry and loan history, each
active entry of every registry either matches (with a score and the reasons
that earned it) or does not.  Each registry answers a need:

- mentors: a specialty that is one of the needs, a place free (the N of
  "1+N"), nearby (the county, its city or a neighbouring county, the
  province); the intended industry among the mentor's industries counts more;
- incubators and bases: the need of premises or a service that is a need,
  places free, nearby; an idea, a business in preparation or a new one fits
  incubation best;
- financing products (for the need of financing information): in force on
  the day, serving the county, the person in a group the product lends to,
  and for a guaranteed loan eligible under the rule set in force (a passed
  training if it asks for one, loans left, none overdue or still running),
  up to the lower of the product's and the rule set's cap;
- policies: in force, serving the county, a topic that answers a need;
- training classes and providers (for the need of training): the course
  of the person's stage (GYB for an idea, SYB in preparation, IYB and EYB
  once started), not yet taken, a class that has not started and has seats.

The ranking is a pure function: the same case, entries and rule set give the
same list, ordered by score, then registry, then title and key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.registry_fields import PolicyTopic, RegistryKind, in_force
from domain.rules import RuleSet
from domain.values import BorrowerKind, Course, MentorLevel, Need, Stage, TrainingResult

#: The order registries are listed in, and the tie-break between equal scores.
KIND_ORDER = (RegistryKind.MENTOR, RegistryKind.INCUBATOR, RegistryKind.FINANCING,
              RegistryKind.POLICY, RegistryKind.TRAINING_CLASS, RegistryKind.PROVIDER)

#: Points per reason (the reasons without points only explain).
NEED_POINTS = 20
PLACE_POINTS = {"same_county": 30, "serves_city": 20, "neighbour_county": 15,
                "serves_province": 10}
INDUSTRY_POINTS = 15
MENTOR_WANTED_POINTS = 10
STAGE_POINTS = 10
NUMBERS_POINTS = 5
LEVEL_POINTS = {MentorLevel.NATIONAL: 4, MentorLevel.PROVINCIAL: 3, MentorLevel.CITY: 2,
                MentorLevel.COUNTY: 1}
MAX_FREE_POINTS = 5

#: The courses that fit each stage (GYB: generate the idea; SYB: start; IYB/EYB: improve, expand).
STAGE_COURSES: dict[str | None, tuple[str, ...]] = {
    None: (Course.GYB, Course.SYB),
    Stage.IDEA: (Course.GYB, Course.SYB),
    Stage.PREPARING: (Course.SYB,),
    Stage.STARTED: (Course.IYB,),
    Stage.OPERATING: (Course.IYB, Course.EYB),
}
#: The stages incubation serves best (an operating business is housed less often).
INCUBATION_STAGES = (Stage.IDEA, Stage.PREPARING, Stage.STARTED)
#: The policy topics that answer each need (the need of policy takes every topic).
NEED_TOPICS: dict[str, tuple[str, ...]] = {
    Need.PREMISES: (PolicyTopic.PREMISES,),
    Need.FINANCE_INFO: (PolicyTopic.LOAN, PolicyTopic.SUBSIDY),
    Need.TRAINING: (PolicyTopic.TRAINING,),
    Need.RECRUITMENT: (PolicyTopic.SOCIAL_INSURANCE, PolicyTopic.SUBSIDY),
    Need.OPENING_GUIDANCE: (PolicyTopic.TAX,),
    Need.POLICY: tuple(PolicyTopic),
}
_LIVE_LOANS = frozenset({"APPLIED", "CERTIFIED", "GRANTED", "EXTENDED", "OVERDUE",
                         "COMPENSATED", "RECOVERED"})


@dataclass(frozen=True)
class Reason:
    """Why an entry matched: a code the pages translate, with the values it names."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **params: Any) -> Reason:
        return cls(code, tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                                      for k, v in params.items())))

    @property
    def values(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True)
class Candidate:
    """A registry entry as matching reads it, with how much of it is taken."""

    kind: str
    key: str
    title: str
    district: str
    status: str
    values: Mapping[str, Any]
    taken: int = 0  # a mentor's mentees, an incubator's tenants, a class's roster


@dataclass(frozen=True)
class Seeker:
    """What matching reads of a case."""

    district: str
    stage: str | None
    needs: tuple[str, ...]
    intended_industry: str | None = None
    loan_groups: tuple[str, ...] = ()
    passed_training: bool = False
    courses: frozenset[str] = frozenset()  # courses passed or under way
    loans_granted: int = 0
    ever_overdue: bool = False
    loan_running: bool = False  # an application open, or a loan not yet settled
    has_enterprise: bool = False  # an operating enterprise (for a 小微 loan)
    mentors: frozenset[str] = frozenset()  # mentors of the active pairings
    incubators: frozenset[str] = frozenset()  # incubators housing an operating business
    matched: Mapping[str, date] = field(default_factory=dict)  # "KIND:key" → last match

    @classmethod
    def of(cls, case: Any) -> Seeker:
        """The seeker a case is (a :class:`domain.case.Case` as it stands)."""
        trainings = list(case.trainings.values())
        loans = list(case.loans.values())
        operating = [b for b in case.businesses.values() if b.is_operating]
        return cls(
            district=case.owning_district, stage=case.stage, needs=tuple(case.needs),
            intended_industry=case.intended_industry, loan_groups=tuple(case.loan_groups),
            passed_training=any(t.result == TrainingResult.PASSED for t in trainings),
            courses=frozenset(t.course for t in trainings
                              if t.result in (None, TrainingResult.PASSED)),
            loans_granted=sum(1 for loan in loans if loan.disbursed_on is not None),
            ever_overdue=any(loan.ever_overdue for loan in loans),
            loan_running=any(loan.status in _LIVE_LOANS for loan in loans),
            has_enterprise=any(b.entity_type == "ENTERPRISE" for b in operating),
            mentors=frozenset(p.mentor_id for p in case.pairings.values() if p.is_active),
            incubators=frozenset(b.incubator_id for b in operating if b.incubator_id),
            matched=dict(getattr(case, "resources_matched", {})),
        )


@dataclass(frozen=True)
class Match:
    """An entry that fits the case: its score and the reasons, best first."""

    kind: str
    key: str
    title: str
    district: str
    score: int
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


def resource_ref(kind: str, key: str) -> str:
    """How a case names a matched resource: its registry and its key."""
    return f"{kind}:{key}"


def rank(seeker: Seeker, candidates: Iterable[Candidate], rule_set: RuleSet,
         on: date) -> list[Match]:
    """The candidates that match, best first (score, then registry, title and key)."""
    found = [m for c in candidates if (m := match(seeker, c, rule_set, on)) is not None]
    order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    return sorted(found, key=lambda m: (-m.score, order[RegistryKind(m.kind)], m.title, m.key))


def match(seeker: Seeker, candidate: Candidate, rule_set: RuleSet, on: date) -> Match | None:
    """How one candidate matches the seeker, or None when it does not."""
    if candidate.status != "ACTIVE":
        return None
    reasons = _MATCHERS[RegistryKind(candidate.kind)](seeker, candidate, rule_set, on)
    if reasons is None:
        return None
    before = seeker.matched.get(resource_ref(candidate.kind, candidate.key))
    if before is not None:
        reasons.append((0, Reason.of("matched_before", on=before.isoformat())))
    return Match(candidate.kind, candidate.key, candidate.title, candidate.district,
                 sum(points for points, _ in reasons), tuple(r for _, r in reasons))


Scored = list[tuple[int, Reason]]


def place(seeker_district: str, entry_district: str, *, nearby: bool) -> tuple[int, Reason] | None:
    """Where an entry is, seen from the case's county; None when it is too far (or, for what
    applies by jurisdiction, when it is another county's)."""
    county, city, province = seeker_district, seeker_district[:4] + "00", \
        seeker_district[:2] + "0000"
    if entry_district == county:
        code = "same_county"
    elif entry_district == city:
        code = "serves_city"
    elif entry_district == province:
        code = "serves_province"
    elif nearby and entry_district[:4] == county[:4]:
        code = "neighbour_county"
    else:
        return None
    return PLACE_POINTS[code], Reason.of(code, district=entry_district)


def _free(capacity: int, taken: int) -> tuple[int, Reason] | None:
    free = capacity - taken
    if free <= 0:
        return None
    return min(free, MAX_FREE_POINTS), Reason.of("places_free", free=free, capacity=capacity)


def _level(values: Mapping[str, Any]) -> tuple[int, Reason]:
    level = str(values["level"])
    return LEVEL_POINTS.get(MentorLevel(level), 0), Reason.of("level", level=level)


def _mentor(seeker: Seeker, c: Candidate, rule_set: RuleSet, on: date) -> Scored | None:
    fits = sorted(set(c.values.get("specialties") or ()) & set(seeker.needs))
    where = place(seeker.district, c.district, nearby=True)
    free = _free(int(c.values.get("capacity") or 0), c.taken)
    if not fits or where is None or free is None or c.key in seeker.mentors:
        return None
    reasons: Scored = [(NEED_POINTS * len(fits), Reason.of("specialty", needs=fits))]
    if Need.MENTOR in seeker.needs:
        reasons.append((MENTOR_WANTED_POINTS, Reason.of("mentor_wanted")))
    industry = _industry(seeker.intended_industry, c.values.get("industries") or ())
    if industry is not None:
        reasons.append((INDUSTRY_POINTS, Reason.of("industry", industry=industry)))
    return [*reasons, where, free, _level(c.values)]


def _industry(intended: str | None, industries: Iterable[str]) -> str | None:
    """The mentor's industry that is, or contains, or is part of the intended one."""
    wanted = (intended or "").strip().casefold()
    if not wanted:
        return None
    for industry in industries:
        known = industry.strip().casefold()
        if known and (known in wanted or wanted in known):
            return industry
    return None


def _incubator(seeker: Seeker, c: Candidate, rule_set: RuleSet, on: date) -> Scored | None:
    needs = set(seeker.needs)
    fits = sorted((set(c.values.get("services") or ()) | {Need.PREMISES}) & needs)
    where = place(seeker.district, c.district, nearby=True)
    free = _free(int(c.values.get("capacity") or 0), c.taken)
    if not fits or where is None or free is None or c.key in seeker.incubators:
        return None
    reasons: Scored = [(NEED_POINTS * len(fits), Reason.of("services", needs=fits))]
    if seeker.stage in INCUBATION_STAGES:
        reasons.append((STAGE_POINTS, Reason.of("stage_fits", stage=seeker.stage)))
    return [*reasons, where, free, _level(c.values)]


def _financing(seeker: Seeker, c: Candidate, rule_set: RuleSet, on: date) -> Scored | None:
    where = place(seeker.district, c.district, nearby=False)
    if Need.FINANCE_INFO not in seeker.needs or where is None or not in_force(c.values, on):
        return None
    reasons: Scored = [(NEED_POINTS, Reason.of("finance_need"))]
    if c.values.get("effective_to"):
        reasons.append((0, Reason.of("in_force_until", until=c.values["effective_to"])))
    groups = list(c.values.get("loan_groups") or ())
    allowed = sorted(set(seeker.loan_groups) & set(groups)) if groups else \
        sorted(seeker.loan_groups)
    kinds = set(c.values.get("borrower_kinds") or ()) or set(BorrowerKind)
    qualifies = {k for k in kinds if k != BorrowerKind.SMALL_MICRO or seeker.has_enterprise}
    if (groups and not allowed) or not qualifies:
        return None
    if allowed:
        reasons.append((0, Reason.of("loan_group", groups=allowed)))
    cap: int | None = c.values.get("max_amount")
    ref = None
    if c.values.get("financing_kind") == "GUARANTEED_LOAN":
        checked = _guaranteed_loan(seeker, rule_set, allowed, qualifies)
        if checked is None:
            return None
        reasons += [(0, r) for r in checked[0]]
        cap, ref = checked[1] if cap is None else min(cap, checked[1]), rule_set.ref
    if cap is not None:
        reasons.append((0, Reason.of("up_to", amount=cap, **({"rule_set": ref} if ref else {}))))
    return [*reasons, where]


def _guaranteed_loan(seeker: Seeker, rule_set: RuleSet, groups: list[str],
                     kinds: set[str]) -> tuple[list[Reason], int] | None:
    """Whether the rule set in force lets the seeker borrow now, why, and the cap."""
    limit = int(rule_set.number("loan.max_loans_per_borrower"))
    if not groups or seeker.ever_overdue or seeker.loan_running \
            or seeker.loans_granted >= limit:
        return None
    reasons = []
    if rule_set.number("loan.requires_training"):
        if not seeker.passed_training:
            return None
        reasons.append(Reason.of("training_passed", rule_set=rule_set.ref))
    reasons.append(Reason.of("loans_left", left=limit - seeker.loans_granted,
                             rule_set=rule_set.ref))
    caps = [int(rule_set.number("loan.small_micro_cap_fen" if kind == BorrowerKind.SMALL_MICRO
                                else "loan.individual_cap_fen")) for kind in kinds]
    return reasons, max(caps)


def _policy(seeker: Seeker, c: Candidate, rule_set: RuleSet, on: date) -> Scored | None:
    topics = set(c.values.get("topics") or ())
    fits = sorted(n for n in seeker.needs if topics & set(NEED_TOPICS.get(n, ())))
    where = place(seeker.district, c.district, nearby=False)
    if not fits or where is None or not in_force(c.values, on):
        return None
    answered = sorted(t for n in fits for t in NEED_TOPICS[n] if t in topics)
    reasons: Scored = [(NEED_POINTS * len(fits), Reason.of(
        "topics", needs=fits, topics=sorted(set(answered))))]
    if c.values.get("rule_set") and c.values["rule_set"] == rule_set.ref:
        reasons.append((NUMBERS_POINTS, Reason.of("numbers_in_force", rule_set=rule_set.ref)))
    return [*reasons, where]


def _stage_courses(seeker: Seeker, offered: Iterable[str]) -> list[str]:
    wanted = STAGE_COURSES.get(seeker.stage, STAGE_COURSES[None])
    return [str(c) for c in wanted if c in set(offered) and c not in seeker.courses]


def _training_class(seeker: Seeker, c: Candidate, rule_set: RuleSet, on: date) -> Scored | None:
    courses = _stage_courses(seeker, [c.values.get("course", "")])
    where = place(seeker.district, c.district, nearby=True)
    starts = str(c.values.get("start_on", ""))
    seats = c.values.get("seats")
    free = None if seats is None else _free(int(seats), c.taken)
    if Need.TRAINING not in seeker.needs or not courses or where is None \
            or starts < on.isoformat() or (seats is not None and free is None):
        return None
    reasons: Scored = [(NEED_POINTS, Reason.of("training_need")),
                       (STAGE_POINTS, Reason.of("course_fits", course=courses[0],
                                                stage=seeker.stage or "")),
                       (0, Reason.of("starts_on", on=starts)), where]
    return reasons + ([free] if free is not None else [])


def _provider(seeker: Seeker, c: Candidate, rule_set: RuleSet, on: date) -> Scored | None:
    courses = _stage_courses(seeker, c.values.get("courses") or ())
    where = place(seeker.district, c.district, nearby=True)
    if Need.TRAINING not in seeker.needs or not courses or where is None:
        return None
    return [(NEED_POINTS, Reason.of("training_need")),
            (STAGE_POINTS, Reason.of("offers_courses", courses=courses,
                                     stage=seeker.stage or "")), where]


_MATCHERS = {
    RegistryKind.MENTOR: _mentor, RegistryKind.INCUBATOR: _incubator,
    RegistryKind.FINANCING: _financing, RegistryKind.POLICY: _policy,
    RegistryKind.TRAINING_CLASS: _training_class, RegistryKind.PROVIDER: _provider,
}
