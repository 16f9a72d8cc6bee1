"""The command forms' schemas: syntax only, loaded as the ``Cases`` methods' keyword arguments."""

from __future__ import annotations

import inspect
from datetime import date
from typing import Any

import pytest
from marshmallow import ValidationError

from application.cases import Cases
from domain.case import Case
from web.commands.money_schemas import ApplyForLoanSchema, GrantLoanSchema
from web.commands.registry import COMMANDS
from web.commands.schemas import (
    AssessNeedsSchema,
    HoldMentoringSessionSchema,
    RecordFollowUpSchema,
    RegisterBusinessSchema,
)


def refusal(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        schema.load(data)
    return dict(caught.value.messages)


def test_a_follow_up_loads_as_the_commands_keyword_arguments() -> None:
    loaded = RecordFollowUpSchema().load({
        "occurred_on": "2024-05-06", "method": "PHONE", "reached": "y",
        "summary": "  电话回访  ", "needs": ["MARKETING"], "employees_now": "3",
        "business_status": "", "csrf_token": "dropped"})

    assert loaded == {"occurred_on": date(2024, 5, 6), "method": "PHONE", "reached": True,
                      "summary": "电话回访", "needs": ["MARKETING"], "employees_now": 3}


def test_an_unticked_checkbox_is_false_and_an_empty_optional_field_is_left_out() -> None:
    loaded = RecordFollowUpSchema().load({"occurred_on": "2024-05-06", "method": "VISIT",
                                          "summary": "未联系上", "due_ref": ""})

    assert loaded["reached"] is False
    assert "due_ref" not in loaded and "needs" not in loaded


def test_required_fields_and_bad_syntax_are_named() -> None:
    errors = refusal(RecordFollowUpSchema(), {"occurred_on": "2024-02-30", "method": "FAX",
                                              "summary": " "})

    assert set(errors) == {"occurred_on", "method", "summary"}


@pytest.mark.parametrize(("typed", "fen"), [
    ("300000", 30_000_000), ("300,000.5", 30_000_050), ("¥12.34", 1234), ("0.01", 1),
])
def test_money_is_typed_in_yuan_and_loaded_in_fen(typed: str, fen: int) -> None:
    loaded = ApplyForLoanSchema().load({"occurred_on": "2024-08-01", "amount": typed,
                                        "borrower_kind": "INDIVIDUAL", "term_months": "24"})

    assert loaded["amount"] == fen


@pytest.mark.parametrize("typed", ["12.345", "-5", "1e5", "十万"])
def test_money_with_more_than_two_decimals_or_not_a_number_is_refused(typed: str) -> None:
    errors = refusal(ApplyForLoanSchema(), {"occurred_on": "2024-08-01", "amount": typed,
                                            "borrower_kind": "INDIVIDUAL",
                                            "term_months": "24"})

    assert list(errors) == ["amount"]


def test_a_rate_is_typed_in_percent_and_loaded_in_basis_points() -> None:
    loaded = GrantLoanSchema().load({
        "occurred_on": "2024-08-20", "loan_ref": "abc", "contract_no": "HT-1", "bank": "银行",
        "guarantor": "FUND", "principal": "300000", "term_months": "24",
        "annual_rate_bp": "3.45"})

    assert loaded["annual_rate_bp"] == 345 and loaded["principal"] == 30_000_000


def test_multi_selects_accept_only_listed_values() -> None:
    assert AssessNeedsSchema().load({"occurred_on": "2024-01-01", "stage": "IDEA",
                                     "needs": ["PREMISES", "MENTOR"]})["needs"] == [
        "PREMISES", "MENTOR"]
    assert "topics" in refusal(HoldMentoringSessionSchema(), {
        "occurred_on": "2024-01-01", "pairing_ref": "p", "mode": "VISIT", "minutes": "60",
        "topics": ["GOSSIP"]})


def test_partners_are_one_id_number_a_line() -> None:
    loaded = RegisterBusinessSchema().load({
        "occurred_on": "2015-06-01", "uscc": "X", "entity_type": "ENTERPRISE", "name": "n",
        "premises": "OWN", "partners": "370303199001011234\n\n 37030319900101123X "})

    assert loaded["partners"] == ["370303199001011234", "37030319900101123X"]


def test_text_longer_than_allowed_is_refused() -> None:
    errors = refusal(RecordFollowUpSchema(), {"occurred_on": "2024-05-06", "method": "PHONE",
                                              "summary": "长" * 2001})

    assert list(errors) == ["summary"]


#: Cases methods whose Case method has a shorter name.
ON_CASE = {"reassign_case": "reassign", "close_case": "close", "reopen_case": "reopen"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_schema_is_named_after_its_command_and_loads_only_its_parameters(
    name: str,
) -> None:
    command = COMMANDS[name]
    on_case = getattr(Case, ON_CASE.get(command.method, command.method))
    parameters = inspect.signature(on_case).parameters

    assert hasattr(Cases, command.method)
    assert command.schema.__name__ == "".join(
        part.title() for part in command.method.split("_")) + "Schema"
    assert set(command.schema().fields) <= set(parameters)
