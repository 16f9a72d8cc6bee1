"""The facts behind the supervisors' indicators (domain research §5), from one case's stream.

A fact is one thing an indicator counts or sums: a training completed, a
business started with support, a loan falling due.  Its effective date
places it in a period and it carries the breakdowns the dashboard offers
(district, returnee type, sex, loan group, course).  Like the work items,
the facts are a pure function of the stream, so a view rebuilt from the log
holds the same figures.

The stream is folded into a :class:`~domain.case.Case` one event at a time,
which gives the owning district at each event (a transfer does not move
earlier figures to the new district), and the facts are then read from the
state at the end of the stream, where every correction in force has been
applied: a ``RecordCorrected`` that needs no approval at once, a date,
ID-number or money correction only once ``CorrectionApproved``.  So a
corrected training end date moves the pass to its corrected month, a
corrected registration date moves the start, and a corrected returnee type or
ID number (and with it the sex) re-tags every fact of the case.

**12-month survival** (12个月存活率) is read here too: each business a case
records gives a ``business_anniversary`` fact dated at its first anniversary
(the registration date, as corrected, plus :data:`SURVIVAL_MONTHS`), and a
``business_survived`` fact of the same date if it was still operating then.
The rate as of a report date divides the survived by the anniversaries dated
on or before that date (:data:`REPORT_TIME`: a later anniversary is not yet
decided, whatever the facts say today).  Precisely:

- a business closed (``BusinessClosed``, deregistered or suspended: no event
  resumes a business) on or before its anniversary did not survive; one
  closed after it did, even if it is closed by the report date;
- a business registered exactly 12 months before the report date reaches its
  anniversary on that date and counts, survived unless closed on or before it;
- a business whose case was closed (moved away, opted out, a duplicate…)
  before the anniversary, and not reopened by then, without a recorded
  closure of the business, counts in neither figure: its fate is unknown;
  a case closed on the anniversary itself was followed for the full 12 months;
- a business whose anniversary came before its case was enrolled counts in
  neither: the case opened on a business already past its first year;
- the district is the one that owned the case when the business was
  registered, like every other fact; every business a case records counts,
  supported or not (the survival visits of rule F6 follow them all).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.activities import counted_events
from domain.case import Case
from domain.money import add_months
from domain.values import Service, TrainingResult

#: Every kind of fact and how a figure of it is read: ``total`` sums the values
#: (a count for facts worth 1, 分 for money), ``people`` counts distinct persons.
KPIS: dict[str, str] = {
    "training_completions": "total",  # 创业培训人次: completions not withdrawn
    "training_passed": "total",  # 培训合格率 = passed ÷ completions
    "training_failed": "total",
    "trained_then_started": "total",  # 培训后创业率 = this ÷ passed
    "supported_start": "people",  # 扶持创业人数
    "jobs": "total",  # 带动就业人数; 创业带动就业比 = this ÷ supported_start people
    "loan_granted": "total",  # 贷款发放额 (分)
    "loan_settled": "total",  # 贷款余额 = granted − settled, both up to a date (分)
    "loan_due": "total",  # 到期还款率 = repaid on time ÷ due (分)
    "loan_repaid_on_time": "total",
    "loan_compensated": "total",  # 代偿率 = compensated ÷ due, or ÷ granted (分)
    "resource_matching": "total",  # 资源对接次数
    "activities_held": "people",  # 活动场次: distinct activities attended, in their district
    "activity_attendances": "total",  # 惠及人次: attendances, in the activity's district
    "business_anniversary": "total",  # 12-month survival = survived ÷ this, up to a report date
    "business_survived": "total",
}
#: Facts dated when they are decided: a figure counts them only up to its report date.
REPORT_TIME = frozenset({"business_anniversary", "business_survived"})
#: The indicators a district may be set a yearly target for.
TARGET_KPIS = tuple(kpi for kpi in KPIS if kpi not in REPORT_TIME)
#: The age at which a business's survival is judged (12个月存活率).
SURVIVAL_MONTHS = 12
#: Months after a pass within which a registered business counts as a start ([C] 6 or 12).
START_WINDOW_MONTHS = 6
_ATTENDED = frozenset({TrainingResult.PASSED.value, TrainingResult.FAILED.value})


@dataclass(frozen=True)
class Fact:
    """One counted thing of one case, placed in a period and tagged for breakdowns."""

    case_id: UUID
    kpi: str
    on: date
    district: str
    returnee_type: str
    sex: str
    loan_group: str | None
    course: str | None
    value: int
    person: str
    source_version: int

    @property
    def month(self) -> str:
        """The fact's month as ``YYYY-MM``."""
        return f"{self.on:%Y-%m}"


def indicator_facts(events: Sequence[Any], months: int = START_WINDOW_MONTHS,
                    final: Case | None = None) -> list[Fact]:
    """Every indicator fact of one case's stream, in stream order of their source events.

    ``final`` is the case as the whole stream leaves it, when already folded; the
    district as of each event then follows from the enrolment and the transfers.
    """
    ordered = sorted(events, key=lambda e: e.originator_version)
    case: Any = final
    districts: dict[int, str] = {}
    if case is None:
        for event in ordered:
            case = event.mutate(case)
            districts[event.originator_version] = case.owning_district
    else:
        district = ""
        for event in ordered:
            name = type(event).__name__
            if name == "Enrolled":
                district = event.owning_district
            elif name == "CaseTransferred":
                district = event.to_district
            districts[event.originator_version] = district
    if not isinstance(case, Case):
        return []
    return _Reader(case, districts, months).read(counted_events(ordered))


class _Reader:
    """Reads the facts of one folded case, event by event."""

    def __init__(self, case: Case, districts: dict[int, str], months: int) -> None:
        self.case, self.districts, self.months = case, districts, months
        self.facts: list[Fact] = []
        self.starts: list[tuple[date, int]] = []
        self.jobs: dict[str, tuple[date, int, int]] = {}
        self.maturity_set_by: dict[str, int] = {}
        self.case_closures: list[tuple[date, int, bool]] = []
        self.supported = (
            any(t.result in _ATTENDED for t in case.trainings.values())
            or bool(case.pairings)
            or any(loan.disbursed_on is not None for loan in case.loans.values())
            or any(s.granted_on is not None for s in case.subsidies.values())
        )

    def effective(self, version: int) -> date:
        """The event's effective date, as corrected by the corrections in force."""
        return date.fromisoformat(self.case.facts[version][2]["occurred_on"])

    def add(self, kpi: str, version: int, on: date, value: int = 1, *,
            loan_group: str | None = None, course: str | None = None,
            source_version: int | None = None, district: str | None = None,
            person: str | None = None) -> None:
        """A fact dated ``on``, in the district that owned the case at ``version``
        (or in ``district``), of the case's person (or of what ``person`` names)."""
        case = self.case
        self.facts.append(Fact(
            case_id=case.id, kpi=kpi, on=on, district=district or self.districts[version],
            returnee_type=case.returnee_type, sex=case.sex, loan_group=loan_group,
            course=course, value=value, person=person or str(case.id),
            source_version=version if source_version is None else source_version,
        ))

    def read(self, events: list[Any]) -> list[Fact]:
        """Every fact of the stream, ordered by source event and indicator."""
        for event in events:
            name, version = type(event).__name__, event.originator_version
            if name == "BusinessRegistered":
                self.starts.append((self.effective(version), version))
            elif name == "JobsReported" and event.verified:
                on = self.effective(version)
                latest = self.jobs.get(event.business_ref)
                if latest is None or latest[0] <= on:
                    self.jobs[event.business_ref] = (on, version, event.employees_excl_founder)
            elif name in ("LoanGranted", "LoanExtended"):
                self.maturity_set_by[event.loan_ref] = version
            elif name in ("CaseClosed", "CaseReopened"):
                self.case_closures.append((self.effective(version), version,
                                           name == "CaseClosed"))
        for event in events:
            reader = _READERS.get(type(event).__name__)
            if reader is not None:
                reader(self, event, event.originator_version)
        if self.supported:
            for on, version, employees in sorted(self.jobs.values()):
                self.add("jobs", version, on, employees)
        order = list(KPIS)
        return sorted(self.facts, key=lambda f: (f.source_version, order.index(f.kpi), f.on))

    # ------------------------------------------------------------------ training
    def training_completed(self, event: Any, version: int) -> None:
        training = self.case.trainings[event.enrolment_ref]
        if training.result not in _ATTENDED:
            return
        on, course = self.effective(version), training.course
        self.add("training_completions", version, on, course=course)
        if training.result == TrainingResult.FAILED:
            self.add("training_failed", version, on, course=course)
            return
        self.add("training_passed", version, on, course=course)
        until = add_months(on, self.months)
        started = sorted((day, v) for day, v in self.starts if on <= day <= until)
        if started:
            # Dated and placed like the pass, so that it divides by the passes of its
            # period and district; its source is the registration that made it count.
            self.add("trained_then_started", version, on, course=course,
                     source_version=started[0][1])

    # ------------------------------------------------------------------ business
    def business_registered(self, event: Any, version: int) -> None:
        if self.supported:
            self.add("supported_start", version, self.effective(version))
        business = self.case.businesses[event.business_ref]
        anniversary = add_months(business.registered_on, SURVIVAL_MONTHS)
        if anniversary < self.case.enrolled_on:
            return  # already past its first year when the case was opened
        closed = business.closed_on is not None and business.closed_on <= anniversary
        if not closed and self.case_closed_before(anniversary):
            return  # the case stopped following it: its fate at 12 months is unknown
        self.add("business_anniversary", version, anniversary)
        if not closed:
            self.add("business_survived", version, anniversary)

    def case_closed_before(self, day: date) -> bool:
        """Whether the case stood closed at the start of ``day`` (effective dates)."""
        before = [(on, version, closing) for on, version, closing in self.case_closures
                  if on < day]
        return bool(before) and max(before)[2]

    # --------------------------------------------------------------------- loans
    def loan_granted(self, event: Any, version: int) -> None:
        loan = self.case.loans[event.loan_ref]
        self.add("loan_granted", version, self.effective(version), loan.principal,
                 loan_group=loan.group)
        assert loan.maturity_on is not None
        due_by = self.maturity_set_by[loan.ref]
        self.add("loan_due", due_by, loan.maturity_on, loan.principal, loan_group=loan.group)

    def loan_repaid(self, event: Any, version: int) -> None:
        loan = self.case.loans[event.loan_ref]
        self.add("loan_settled", version, self.effective(version), loan.principal,
                 loan_group=loan.group)
        if event.on_time:
            # Dated at the maturity, like the principal falling due, so that the
            # rate of a period divides what fell due in it by what of that was repaid.
            assert loan.maturity_on is not None
            self.add("loan_repaid_on_time", version, loan.maturity_on, loan.principal,
                     loan_group=loan.group)

    def compensated(self, event: Any, version: int) -> None:
        loan = self.case.loans[event.loan_ref]
        self.add("loan_compensated", version, self.effective(version), event.paid,
                 loan_group=loan.group)

    def recovered(self, event: Any, version: int) -> None:
        loan = self.case.loans[event.loan_ref]
        self.add("loan_settled", version, self.effective(version), event.amount,
                 loan_group=loan.group)

    def written_off(self, event: Any, version: int) -> None:
        # What was neither repaid nor recovered leaves the books here.
        loan = self.case.loans[event.loan_ref]
        self.add("loan_settled", version, self.effective(version),
                 loan.principal - loan.recovered, loan_group=loan.group)

    # ------------------------------------------------------------------ services
    def service_delivered(self, event: Any, version: int) -> None:
        if event.service == Service.RESOURCE_MATCHING:
            self.add("resource_matching", version, self.effective(version))

    # ---------------------------------------------------------------- activities
    def activity_attended(self, event: Any, version: int) -> None:
        # Placed in the activity's district, so that a district's 活动场次 and 惠及人次
        # are the activities it held and who came, wherever their cases are kept.
        on = self.effective(version)
        self.add("activities_held", version, on, district=event.district,
                 person=event.activity_id)  # distinct activities, not people
        self.add("activity_attendances", version, on, district=event.district)


_READERS: dict[str, Callable[[_Reader, Any, int], None]] = {
    "TrainingCompleted": _Reader.training_completed,
    "BusinessRegistered": _Reader.business_registered,
    "LoanGranted": _Reader.loan_granted,
    "LoanRepaid": _Reader.loan_repaid,
    "GuaranteeCompensated": _Reader.compensated,
    "LoanRecovered": _Reader.recovered,
    "LoanWrittenOff": _Reader.written_off,
    "ServiceDelivered": _Reader.service_delivered,
    "ActivityAttended": _Reader.activity_attended,
}
