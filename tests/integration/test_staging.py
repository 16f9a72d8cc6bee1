"""Cases.staged: commands checked as ever, their events kept in memory, saved at once or not."""

from __future__ import annotations

import pytest

from application.cases import Cases
from domain.errors import RuleViolationError
from domain.recording import Role, recording_as
from tests.builders import days_ago, enrolment, training
from tests.registries import training_resources


def test_staged_commands_save_nothing_and_a_second_sees_the_first(cases: Cases) -> None:
    training_resources(cases)
    with recording_as("cw-1", Role.CASEWORKER, "req-1"):
        saved = cases.enrol_case(**enrolment())
        before = cases.recorder.max_notification_id()

        with cases.staged() as staging:
            enrolled = cases.enrol_in_training(saved.case_id, saved.version, **training())
            cases.complete_training(saved.case_id, enrolled.version, occurred_on=days_ago(300),
                                    enrolment_ref=enrolled.ref, result="PASSED",
                                    hours_attended=80, certificate_no="STAGED-1",
                                    business_plan_grade="PASS")
            staged = cases.get_case(saved.case_id)

    assert cases.recorder.max_notification_id() == before
    assert enrolled.notification_id is None
    assert [(t.result, t.certificate_no) for t in staged.trainings] == [("PASSED", "STAGED-1")]
    assert cases.get_case(saved.case_id).trainings == ()

    # Saved together, the case's events and the certificate's claim are in, in one go.
    cases.save(*staging.changed.values())

    assert [t.certificate_no for t in cases.get_case(saved.case_id).trainings] == ["STAGED-1"]
    # The case, the certificate number's key and the subsidised course's key.
    assert [type(a).__name__ for a in staging.changed.values()] == [
        "Case", "UniqueKey", "UniqueKey"]


def test_a_refused_staged_command_leaves_the_staging_it_started_from_as_it_was(
    cases: Cases,
) -> None:
    training_resources(cases)
    with recording_as("cw-1", Role.CASEWORKER, "req-1"):
        saved = cases.enrol_case(**enrolment())
        with cases.staged() as first:
            enrolled = cases.enrol_in_training(saved.case_id, saved.version, **training())

        with cases.staged(first.changed) as second, pytest.raises(RuleViolationError):
            cases.complete_training(saved.case_id, enrolled.version, occurred_on=days_ago(300),
                                    enrolment_ref=enrolled.ref, result="PASSED",
                                    hours_attended=30, certificate_no="STAGED-2",
                                    business_plan_grade="PASS")
        with cases.staged(first.changed):
            still = cases.get_case(saved.case_id)

    assert second.changed == {}
    assert (still.version, still.trainings[0].result) == (enrolled.version, None)
