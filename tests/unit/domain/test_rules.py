"""Rule-set files, their versions, and which version a rule finds by date and district."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from application.rulesets import load_rule_book, load_rule_sets
from domain.case import Case
from domain.errors import RuleSetError, RuleViolationError
from domain.rules import RuleBook, RuleSet, flatten
from tests.builders import days_ago, enrolment, training

SHIPPED_TEXT = (resources.files("application.rulesets") / "CN.toml").read_text("utf-8")
# The first version alone: a complete file that tests copy, edit and extend.
NATIONAL_TEXT = SHIPPED_TEXT[:SHIPPED_TEXT.index(
    "\n[[version]]\n", SHIPPED_TEXT.index("\n[[version]]\n") + 1)]
LOCAL_START = date(2020, 1, 1)


def a_rule_file(jurisdiction: str = "CN", effective_from: date = date(2015, 1, 1),
                **edits: str) -> str:
    """The national file under another jurisdiction or start, with lines replaced."""
    text = NATIONAL_TEXT.replace('jurisdiction = "CN"', f'jurisdiction = "{jurisdiction}"')
    text = text.replace("effective_from = 2015-01-01", f"effective_from = {effective_from}")
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def a_later_version(number: int, effective_from: str, table: str, line: str) -> str:
    return (f"\n[[version]]\nversion = {number}\neffective_from = {effective_from}\n"
            f"[version.values.{table}]\n{line}\n")


def a_book(*texts: str) -> RuleBook:
    return RuleBook([s for i, text in enumerate(texts) for s in load_rule_sets(text, f"{i}.toml")])


def refusal_of(text: str, origin: str = "bad.toml") -> str:
    with pytest.raises(RuleSetError) as caught:
        RuleBook(load_rule_sets(text, origin))
    return str(caught.value)


# ------------------------------------------------------------- loading a file


def test_the_shipped_national_file_holds_the_loan_policy_history() -> None:
    rule_sets = load_rule_sets(SHIPPED_TEXT, "CN.toml")

    assert [(r.ref, r.effective_from) for r in rule_sets] == [
        ("CN@1", date(2015, 1, 1)), ("CN@2", date(2018, 3, 7)), ("CN@3", date(2020, 4, 17)),
        ("CN@4", date(2023, 10, 1))]
    assert load_rule_book().get("CN@1") == rule_sets[0]


def test_the_national_numbers_are_those_written_in_the_file() -> None:
    written = flatten(tomllib.loads(NATIONAL_TEXT)["version"][0]["values"])

    (national,) = load_rule_sets(NATIONAL_TEXT, "CN.toml")

    assert dict(national.values) == written


def test_the_national_numbers_are_the_policy_defaults() -> None:
    national = load_rule_book().get("CN@1")

    min_hours = national.number("training.min_hours")
    assert (min_hours["GYB"], min_hours["SYB"], min_hours["IYB"], min_hours["OTHER"]) == (
        24, 70, 70, 0)
    assert national.number("training.subsidised_per_person_per_year") == 3
    assert national.number("training.subsidised_once_per_course") is True
    assert national.number("training.business_plan_courses") == ["SYB"]
    assert national.number("mentoring.planned_sessions_per_year") == 10
    assert national.number("mentoring.counted_session_minutes") == 30


@pytest.mark.parametrize(("edit", "problem"), [
    pytest.param({"stale_after_days = 90\n": ""}, "case.stale_after_days: missing",
                 id="missing number"),
    pytest.param({"GYB = 24, ": ""}, "training.min_hours: must be", id="course missing"),
    pytest.param({"subsidised_per_person_per_year = 3": 'subsidised_per_person_per_year = "3"'},
                 "training.subsidised_per_person_per_year: must be", id="text for a number"),
    pytest.param({"planned_sessions_per_year = 10": "planned_sessions_per_year = true"},
                 "mentoring.planned_sessions_per_year: must be", id="flag for a number"),
    pytest.param({"subsidised_once_per_course = true": "subsidised_once_per_course = 1"},
                 "training.subsidised_once_per_course: must be", id="number for a flag"),
    pytest.param({"survival_visit_months = [3, 6, 12, 24, 36]": "survival_visit_months = [6, 3]"},
                 "followup.survival_visit_months: must be", id="months out of order"),
    pytest.param({"stale_after_days = 90": "stale_after_days = 90\nstale_after_weeks = 13"},
                 "case.stale_after_weeks: not a known rule number", id="unknown number"),
])
def test_a_malformed_version_is_refused_naming_the_path(edit: dict[str, str], problem: str) -> None:
    text = a_rule_file(**edit)

    message = refusal_of(text, "bad.toml")

    assert message.startswith("bad.toml: rule set CN@1: ")
    assert problem in message


def test_every_problem_of_a_version_is_named_at_once() -> None:
    text = a_rule_file(**{"stale_after_days = 90\n": "", "grace_days = 7": "grace_days = -7"})

    message = refusal_of(text)

    assert "case.stale_after_days: missing" in message
    assert "followup.grace_days: must be a whole number of days, got -7" in message


@pytest.mark.parametrize(("edit", "problem"), [
    pytest.param({'jurisdiction = "CN"\n': ""}, "'jurisdiction' is required", id="jurisdiction"),
    pytest.param({"version = 1\n": "version = '1'\n"}, "'version' must be a whole number",
                 id="version"),
    pytest.param({"effective_from = 2015-01-01": "effective_from = '2015-01-01'"},
                 "'effective_from' must be a date", id="effective_from"),
    pytest.param({"effective_from = 2015-01-01": "effective_from = 2015-01-01T00:00:00"},
                 "'effective_from' must be a date", id="effective_from with a time of day"),
    pytest.param({"min_hours = {": "min_hours = {{"}, "not valid TOML", id="toml"),
])
def test_a_file_without_its_frame_is_refused(edit: dict[str, str], problem: str) -> None:
    text = NATIONAL_TEXT
    for old, new in edit.items():
        text = text.replace(old, new, 1)

    message = refusal_of(text)

    assert message.startswith("bad.toml: ")
    assert problem in message


# ------------------------------------------------------------------ versions


def test_a_later_version_inherits_every_number_it_does_not_change() -> None:
    text = a_rule_file() + a_later_version(2, "2024-07-01", "mentoring",
                                           "planned_sessions_per_year = 12")

    first, second = load_rule_sets(text, "CN.toml")

    assert second.number("mentoring.planned_sessions_per_year") == 12
    assert {**first.values, "mentoring.planned_sessions_per_year": 12} == dict(second.values)


def test_versions_with_a_gap_are_refused() -> None:
    text = a_rule_file() + a_later_version(3, "2024-07-01", "case", "stale_after_days = 60")

    message = refusal_of(text)

    assert message == "CN: versions must be 1, 2, 3 … without gaps"


@pytest.mark.parametrize("start", ["2014-12-31", "2015-01-01"])
def test_a_version_must_take_effect_after_the_one_before(start: str) -> None:
    text = a_rule_file() + a_later_version(2, start, "case", "stale_after_days = 60")

    message = refusal_of(text)

    assert message == "CN: each version must take effect after the one before"


def test_a_rule_book_needs_the_national_set() -> None:
    local = load_rule_sets(a_rule_file("370303"), "370303.toml")

    with pytest.raises(RuleSetError, match=r"national rule set \(CN\) is required"):
        RuleBook(local)


# ---------------------------------------------------------- finding a version

TWO_VERSIONS = a_rule_file() + a_later_version(
    2, "2024-07-01", "mentoring", "planned_sessions_per_year = 12")


@pytest.mark.parametrize(("on", "ref", "planned"), [
    (date(2015, 1, 1), "CN@1", 10),
    (date(2024, 6, 30), "CN@1", 10),
    (date(2024, 7, 1), "CN@2", 12),
    (date(2030, 1, 1), "CN@2", 12),
])
def test_the_version_in_force_is_the_latest_that_took_effect_by_the_date(
    on: date, ref: str, planned: int
) -> None:
    book = a_book(TWO_VERSIONS)

    rule_set = book.in_force(on, "370303")

    assert (rule_set.ref, rule_set.number("mentoring.planned_sessions_per_year")) == (ref, planned)


def test_no_version_is_in_force_before_the_first_takes_effect() -> None:
    book = a_book(TWO_VERSIONS)

    with pytest.raises(RuleSetError, match="no rule set is in force on 2014-12-31"):
        book.in_force(date(2014, 12, 31), "370303")


CITY_START = date(2018, 1, 1)
LAYERED = (a_rule_file(), a_rule_file("370300", CITY_START), a_rule_file("370303", LOCAL_START))


@pytest.mark.parametrize(("district", "ref"), [
    pytest.param("370303", "370303@1", id="county over city and nation"),
    pytest.param("370302", "370300@1", id="city over nation"),
    pytest.param("110105", "CN@1", id="nation elsewhere"),
    pytest.param(None, "CN@1", id="nation without district"),
])
def test_the_most_specific_jurisdiction_with_a_version_in_force_wins(
    district: str | None, ref: str
) -> None:
    book = a_book(*LAYERED)

    rule_set = book.in_force(date(2024, 1, 1), district)

    assert rule_set.ref == ref


def test_a_county_set_not_yet_in_force_leaves_its_city_set_in_force() -> None:
    book = a_book(*LAYERED)

    rule_set = book.in_force(date(2019, 12, 31), "370303")

    assert rule_set.ref == "370300@1"


def test_a_county_without_a_set_of_its_own_or_its_citys_falls_back_to_the_national_set() -> None:
    book = a_book(a_rule_file(), a_rule_file("370303", LOCAL_START))

    rule_set = book.in_force(date(2024, 1, 1), "370302")

    assert rule_set.ref == "CN@1"


def test_a_version_is_found_by_the_ref_an_event_stored() -> None:
    book = a_book(TWO_VERSIONS)

    found = book.get("CN@1")

    assert isinstance(found, RuleSet)
    assert (found.version, found.effective_from) == (1, date(2015, 1, 1))
    assert book.get("CN@2").number("mentoring.planned_sessions_per_year") == 12


@pytest.mark.parametrize("ref", ["CN@3", "CN@01", "370303@1", "CN"])
def test_an_unknown_ref_is_refused(ref: str) -> None:
    book = a_book(TWO_VERSIONS)

    with pytest.raises(RuleSetError, match=f"unknown rule set {ref}"):
        book.get(ref)


# -------------------------------------------------- a case under a local set

LOCAL_GYB_32 = a_book(a_rule_file(), a_rule_file("370303", LOCAL_START, **{"GYB = 24": "GYB = 32"}))


def a_gyb_class_in(district: str) -> tuple[Case, str]:
    case = Case.enrol(**enrolment(owning_district=district, hukou_division=district,
                                  residence_division=None))
    ref = case.enrol_in_training(rules=LOCAL_GYB_32, **training(course="GYB", planned_hours=40))
    return case, ref


def a_gyb_pass_of_30_hours(case: Case, ref: str) -> None:
    case.complete_training(rules=LOCAL_GYB_32, occurred_on=days_ago(300), enrolment_ref=ref,
                           result="PASSED", hours_attended=30, certificate_no="GYB-0001")


@pytest.mark.usefixtures("caseworker")
def test_a_training_that_starts_under_a_local_version_stores_its_ref() -> None:
    case, ref = a_gyb_class_in("370303")

    assert case.trainings[ref].start_on > LOCAL_START
    assert case.trainings[ref].rule_set == "370303@1"


@pytest.mark.usefixtures("caseworker")
def test_a_gyb_pass_of_30_hours_is_refused_under_a_local_minimum_of_32() -> None:
    case, ref = a_gyb_class_in("370303")
    case.collect_events()

    with pytest.raises(RuleViolationError) as refused:
        a_gyb_pass_of_30_hours(case, ref)

    assert (refused.value.code, refused.value.params) == (
        "below_minimum", {"minimum": 32, "rule_set": "370303@1"})
    assert case.collect_events() == []


@pytest.mark.usefixtures("caseworker")
def test_a_gyb_pass_of_30_hours_is_accepted_under_the_national_minimum_elsewhere() -> None:
    case, ref = a_gyb_class_in("370302")

    a_gyb_pass_of_30_hours(case, ref)

    assert (case.trainings[ref].rule_set, case.trainings[ref].result) == ("CN@1", "PASSED")


def test_a_later_version_may_change_one_course_of_a_per_course_table() -> None:
    text = a_rule_file() + a_later_version(2, "2024-07-01", "training", "min_hours = { GYB = 32 }")

    _, second = load_rule_sets(text, "CN.toml")

    assert second.number("training.min_hours")["GYB"] == 32
    assert second.number("training.min_hours")["SYB"] == 70


@pytest.mark.parametrize("typo", ["[version.value.training]", "effective_form = 2024-07-01"])
def test_a_misspelt_key_in_a_version_is_refused(typo: str) -> None:
    text = a_rule_file() + f"\n[[version]]\nversion = 2\neffective_from = 2024-07-01\n{typo}\n"

    assert "unknown keys" in refusal_of(text)


def test_a_local_file_states_only_where_it_differs_from_its_national_base(
    tmp_path: Path,
) -> None:
    (tmp_path / "370300.toml").write_text(
        'jurisdiction = "370300"\n[[version]]\nversion = 1\neffective_from = 2024-01-01\n'
        'base = "CN@4"\nsource = "淄博: GYB 32 课时"\n'
        "[version.values.training]\nmin_hours = { GYB = 32 }\n", "utf-8")

    book = load_rule_book([tmp_path])

    local = book.in_force(date(2024, 6, 1), "370303")
    assert local.ref == "370300@1"
    assert local.number("training.min_hours")["GYB"] == 32
    assert local.number("loan.individual_cap_fen") == 30_000_000
    assert book.in_force(date(2023, 12, 31), "370303").ref == "CN@4"


def test_a_base_that_names_no_known_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "370300.toml").write_text(
        'jurisdiction = "370300"\n[[version]]\nversion = 1\neffective_from = 2024-01-01\n'
        'base = "CN@9"\n', "utf-8")

    with pytest.raises(RuleSetError, match="CN@9"):
        load_rule_book([tmp_path])
