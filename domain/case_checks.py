"""The guards a case's commands run before they record anything.

Kept apart from :mod:`domain.case` so that the aggregate reads as its events;
nothing here changes state except :meth:`CaseChecks.apply_correction`, which
the correction events call when they are applied (and replayed).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from domain import corrections
from domain.codes import EntityType, Uscc
from domain.divisions import StatisticalCode, divisions
from domain.errors import InvalidValueError, RuleViolationError, StateConflictError
from domain.recording import Role, current_recorder
from domain.records import Business, Correction, Pairing, Training, Transfer
from domain.rules import RuleSet
from domain.values import (
    IdType,
    PlanGrade,
    TrainingResult,
    a_date,
    choice,
    new_ref,
    optional_text,
    today,
)

if TYPE_CHECKING:
    from domain.case import Case

_REF_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_")


#: Dates (besides effective dates) that cannot lie in the future.
_PAST_DATES = frozenset({("Enrolled", "returned_on"), ("Enrolled", "birth_date")})
#: Events whose effective date may precede the return home.
_MAY_PRECEDE_RETURN = frozenset({"BusinessRegistered", "JobsReported", "BusinessClosed"})


class CaseChecks:
    """Guards shared by the commands of :class:`domain.case.Case`."""

    # ------------------------------------------------------------ dates, notes
    @staticmethod
    def check_not_future(raw: Any, field: str) -> date:
        value = a_date(raw, field)
        if value > today():
            raise InvalidValueError(field, "future", "must not be in the future")
        return value

    def check_effective(
        self: Case, raw: Any, *, not_before: date | None = None,
        allow_before_return: bool = False,
    ) -> date:
        """An effective date: not in the future, not before the return home."""
        value = self.check_not_future(raw, "occurred_on")
        if not allow_before_return and value < self.returned_on:
            raise InvalidValueError(
                "occurred_on", "before_return", "must not be before the return home",
                returned_on=self.returned_on.isoformat(),
            )
        if not_before is not None and value < not_before:
            raise InvalidValueError(
                "occurred_on", "too_early", "must not be before the record it follows",
                not_before=not_before.isoformat(),
            )
        return value

    @staticmethod
    def check_note(raw: Any) -> str:
        return optional_text(raw, "note", max_len=2000) or ""

    @staticmethod
    def check_province(raw: str | None) -> str | None:
        if raw in (None, ""):
            return None
        code = str(raw).strip()
        if len(code) != 2 or divisions().get(code + "0000") is None:
            raise InvalidValueError(
                "prior_work_province", "unknown_province", "must be a 2-digit province code"
            )
        return code

    @staticmethod
    def check_new_ref(raw: str | None, existing: dict[str, Any], field: str) -> str:
        if raw in (None, ""):
            return new_ref()
        ref = str(raw)
        if not 1 <= len(ref) <= 64 or not set(ref) <= _REF_CHARS:
            raise InvalidValueError(field, "format", "must be 1–64 letters, digits, - or _")
        if ref in existing:
            raise StateConflictError(field, "duplicate", "is already used on this case")
        return ref

    # --------------------------------------------------------------- training
    def check_open_training(self: Case, raw: str) -> Training:
        training = self.trainings.get(str(raw))
        if training is None:
            raise InvalidValueError("enrolment_ref", "unknown", "names no training of this case")
        if not training.is_open:
            raise StateConflictError(
                "enrolment_ref", "already_completed", "this training has already ended"
            )
        return training

    def check_subsidy_quota(self: Case, rule_set: RuleSet, course: str, start_on: date) -> None:
        subsidised = [t for t in self.trainings.values()
                      if t.subsidised and t.result != TrainingResult.WITHDRAWN]
        if rule_set.number("training.subsidised_once_per_course") and any(
            t.course == course and t.result == TrainingResult.PASSED for t in subsidised
        ):
            raise RuleViolationError(
                "course", "subsidised_once",
                "a subsidised course can be passed once per person", rule_set=rule_set.ref,
            )
        limit = rule_set.number("training.subsidised_per_person_per_year")
        if sum(t.start_on.year == start_on.year for t in subsidised) >= limit:
            raise RuleViolationError(
                "subsidised", "yearly_limit",
                f"at most {limit} subsidised trainings per person per year",
                limit=limit, rule_set=rule_set.ref,
            )

    def check_certificate(self: Case, outcome: str, raw: str | None) -> str | None:
        number = optional_text(raw, "certificate_no", max_len=40)
        if outcome != TrainingResult.PASSED:
            if number is not None:
                raise InvalidValueError(
                    "certificate_no", "not_passed", "only a pass has a certificate"
                )
            return None
        if number is None:
            raise InvalidValueError(
                "certificate_no", "required", "a pass needs the certificate number"
            )
        number = number.upper()
        if any(t.certificate_no == number for t in self.trainings.values()):
            raise StateConflictError("certificate_no", "duplicate", "is already recorded")
        return number

    @staticmethod
    def check_plan_grade(
        rule_set: RuleSet, training: Training, outcome: str, raw: str
    ) -> str:
        grade = choice(PlanGrade, raw or PlanGrade.NONE, "business_plan_grade")
        graded = training.course in rule_set.number("training.business_plan_courses")
        if not graded and grade != PlanGrade.NONE:
            raise InvalidValueError(
                "business_plan_grade", "not_graded", f"{training.course} has no business plan"
            )
        if graded and outcome == TrainingResult.PASSED and grade in (PlanGrade.NONE,
                                                                      PlanGrade.FAIL):
            raise RuleViolationError(
                "business_plan_grade", "plan_required",
                f"a pass in {training.course} needs a business plan graded pass or better",
                rule_set=rule_set.ref,
            )
        return grade.value

    # -------------------------------------------------------- mentoring, business
    def check_active_pairing(self: Case, raw: str) -> Pairing:
        pairing = self.pairings.get(str(raw))
        if pairing is None:
            raise InvalidValueError(
                "pairing_ref", "unknown", "names no mentor pairing of this case"
            )
        if not pairing.is_active:
            raise StateConflictError("pairing_ref", "released", "this pairing has ended")
        return pairing

    @staticmethod
    def check_uscc(raw: str, entity_type: str) -> tuple[str, str, list[str]]:
        kind = choice(EntityType, entity_type, "entity_type")
        checked = Uscc.parse(raw, field="uscc", entity_type=kind)
        return checked.value.value, kind.value, list(checked.warnings)

    def check_business(self: Case, raw: str) -> Business:
        business = self.businesses.get(str(raw))
        if business is None:
            raise InvalidValueError("business_ref", "unknown", "names no business of this case")
        if not business.is_operating:
            raise StateConflictError("business_ref", "closed", "this business has closed")
        return business

    def check_pending_transfer(self: Case) -> Transfer:
        if self.transfer is None:
            raise StateConflictError("transfer", "none_pending", "no transfer is pending")
        return self.transfer

    # ------------------------------------------------------------- corrections
    def check_pending_correction(self: Case, raw: str) -> Correction:
        correction = self.corrections.get(str(raw))
        if correction is None:
            raise InvalidValueError("correction_ref", "unknown", "names no correction of this case")
        if correction.status != "PENDING":
            raise StateConflictError("correction_ref", "decided", "has already been decided")
        recorder = current_recorder()
        if recorder.role not in (Role.SUPERVISOR, Role.ADMIN):
            raise RuleViolationError(
                "correction_ref", "supervisor_only", "only a supervisor may decide corrections"
            )
        if recorder.actor == correction.requested_by:
            raise RuleViolationError(
                "correction_ref", "four_eyes", "the person who asked cannot approve"
            )
        return correction

    def check_correction_effect(self: Case, version: int, field: str, new: str) -> None:
        """Refuse a correction whose result the commands would have refused."""
        event_name, ref, _, _ = self.facts[version]
        if field == "occurred_on" or (event_name, field) in _PAST_DATES:
            if date.fromisoformat(new) > today():
                raise InvalidValueError("new_value", "future", "must not be in the future")
        if field == "occurred_on" and event_name not in _MAY_PRECEDE_RETURN:
            if date.fromisoformat(new) < self.returned_on:
                raise InvalidValueError("new_value", "before_return",
                                        "must not be before the return home")
        if event_name == "Enrolled":
            self._check_enrolment_correction(field, new)
        elif event_name in ("TrainingEnrolled", "TrainingCompleted") and ref is not None:
            self._check_training_correction(self.trainings[ref], field, new)

    def _check_enrolment_correction(self: Case, field: str, new: str) -> None:
        if field == "returned_on" and date.fromisoformat(new) > self.enrolled_on:
            raise InvalidValueError("new_value", "after_enrolment",
                                    "must not be after the enrolment date")
        if field == "residence_division":
            StatisticalCode.parse(new, field="new_value", county=self.owning_district)
        if field in ("birth_date", "sex") and self.id_type == IdType.RESIDENT_ID:
            raise InvalidValueError(
                "field", "derived", "comes from the ID number: correct the ID number instead"
            )

    @staticmethod
    def _check_training_correction(training: Training, field: str, new: str) -> None:
        if field == "hours_attended" and int(new) > training.planned_hours:
            raise InvalidValueError("new_value", "above_planned",
                                    "must not exceed the planned hours",
                                    planned_hours=training.planned_hours)
        if field == "planned_hours" and int(new) < max(1, training.hours_attended or 0):
            raise InvalidValueError("new_value", "below_attended",
                                    "must not be below the hours attended")
        if field == "occurred_on" and training.ended_on is not None and (
            date.fromisoformat(new) < training.start_on
        ):
            raise InvalidValueError("new_value", "before_start",
                                    "must not be before the course started")

    def apply_correction(self: Case, correction: Correction) -> None:
        """Make a correction take effect on the state (runs on replay too)."""
        name, ref, values, contact = self.facts[correction.target_version]
        self.facts[correction.target_version] = (
            name, ref, {**values, correction.field: correction.new_value}, contact
        )
        spec = corrections.CORRECTABLE[name][correction.field]
        value = corrections.typed(spec.kind, correction.new_value)
        records = {"TrainingEnrolled": self.trainings, "TrainingCompleted": self.trainings,
                   "MentorAssigned": self.pairings, "BusinessRegistered": self.businesses,
                   "BusinessClosed": self.businesses}.get(name)
        if records is not None and ref is not None:
            records[ref] = replace(records[ref], **{spec.attr: value})
        elif name == "Enrolled":
            setattr(self, spec.attr, value)
            if correction.field == "id_number" and self.id_type == IdType.RESIDENT_ID:
                # Derived by slicing, not parsing: replay must not re-run today's checks.
                self.birth_date = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
                self.sex = "M" if int(value[16]) % 2 else "F"

