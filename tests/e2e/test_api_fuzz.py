"""Schemathesis against ``/api/v1/openapi.json``: every operation of the real app, in-process.

Each generated request carries a caseworker's bearer token; half of them name a real case
of the caseworker's district, so that commands reach their schemas, versions and rules
rather than stopping at 404.  Every answer must be a documented status with a documented
content type and body, and never a 5xx.  Hypothesis is derandomized: a run is repeatable.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import add_accounts, build_app, make_settings
from tests.e2e.pages.test_commands import D, a_story

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 40  # per operation: the whole file in about a minute on two CPUs


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    root = tmp_path_factory.mktemp("api-fuzz")
    application = build_app(make_settings(f"sqlite:///{root / 'events.sqlite3'}",
                                          root / "instance"))
    accounts = add_accounts(application)
    application.config["FUZZ_TOKEN"] = application.extensions["homeward"].accounts.issue_token(
        accounts["caseworker"].username)
    application.config["FUZZ_CASE_NO"] = a_story(application).case_no
    yield application
    application.extensions["homeward"].close()


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@schema.given(real_case=st.booleans())
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented_and_never_5xx(
    case: Any, real_case: bool, fuzzed_app: Flask,
) -> None:
    if real_case and "case_no" in (case.path_parameters or {}):
        case.path_parameters["case_no"] = fuzzed_app.config["FUZZ_CASE_NO"]
    # Every request is a caseworker's (a generated or missing token would only test the 401).
    case.headers = {**(case.headers or {}),
                    "Authorization": f"Bearer {fuzzed_app.config['FUZZ_TOKEN']}"}
    case.call_and_validate(checks=CHECKS)


def test_a_store_that_cannot_take_the_write_answers_the_documented_503(tmp_path: Path) -> None:
    """A locked store is a 503 with Retry-After, and the document says so."""
    application = build_app(make_settings(f"sqlite:///{tmp_path / 'events.sqlite3'}",
                                          tmp_path / "instance", HOMEWARD_STORE_TIMEOUT="1"))
    try:
        token = application.extensions["homeward"].accounts.issue_token(
            add_accounts(application)["caseworker"].username)
        story = a_story(application)
        operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)[
            "/cases/{case_no}/assess-needs"]["POST"]
        case = operation.Case(path_parameters={"case_no": story.case_no},
                              headers={"Authorization": f"Bearer {token}"},
                              body={"expected_version": story.version, "occurred_on": D,
                                    "stage": "IDEA", "needs": ["PREMISES"]},
                              media_type="application/json")
        holder = sqlite3.connect(tmp_path / "events.sqlite3", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            response = case.call()
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        assert response.status_code == 503
        case.validate_response(response, checks=[
            status_code_conformance, content_type_conformance, response_headers_conformance,
            response_schema_conformance])
    finally:
        application.extensions["homeward"].close()
