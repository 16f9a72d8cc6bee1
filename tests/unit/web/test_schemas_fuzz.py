"""Every command schema and the enrolment schema, given any dict a form or a JSON body could
carry, loads or raises marshmallow's ``ValidationError``: never another exception (a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import RAISE, Schema, ValidationError
from werkzeug.datastructures import MultiDict

from web.cases.schemas import EnrolCaseSchema
from web.commands.registry import COMMANDS

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SCHEMAS: dict[str, type[Schema]] = {
    **{name: command.schema for name, command in COMMANDS.items()}, "enrol": EnrolCaseSchema}

#: Strings a hostile or careless client sends: digits of other scripts (``"²".isdigit()``
#: is true but ``int("²")`` fails), numbers too long for ``int()``, dates with junk, choices
#: in the wrong case, markup, controls and very long text.
odd_strings = st.one_of(
    st.text(max_size=50),
    st.sampled_from(["", " ", "0", "-1", "1e9", "²", "١٢", "½", "1_000", "NaN", "Infinity",
                     "2024-02-30", "2024-13-01", "9999-12-31", "0001-01-01", "2024-02-01T10:00",
                     "y", "on", "true", "PHONE", "phone", "<script>alert(1)</script>",
                     "12000.50", "¥12,000.50", "3.45%", "٣", "\x00", "\ud7ff", "v1"]),
    st.builds(lambda d, n: d * n, st.sampled_from("0179"),
              st.integers(min_value=4290, max_value=4400)),  # int() refuses over 4300
    st.text(alphabet=st.characters(codec="utf-8", categories=("Nd", "No", "Cc", "Cf")),
            max_size=30),
    st.builds(lambda c, n: c * n, st.characters(codec="utf-8"),
              st.integers(min_value=2001, max_value=3000)),  # cheap to draw, too long
)
json_values = st.one_of(
    odd_strings, st.lists(odd_strings, max_size=4), st.none(), st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30), st.floats(allow_nan=True),
    st.dictionaries(st.text(max_size=5), odd_strings, max_size=2),
)


def bodies(schema: type[Schema]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts whose keys are mostly the schema's own fields, with any value."""
    names = [field.data_key or name for name, field in schema().fields.items()]
    keys = st.one_of(st.sampled_from(names), st.text(max_size=10))
    return st.dictionaries(keys, json_values, max_size=len(names) + 2)


def loads_or_refuses(schema: Schema, data: Any) -> None:
    try:
        schema.load(data)
    except ValidationError as refused:
        assert refused.messages  # a refusal names what is wrong


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@FUZZ
@given(data=st.data())
def test_a_json_body_loads_or_is_refused_with_a_validation_error(name: str, data: Any) -> None:
    schema = SCHEMAS[name]
    body = data.draw(bodies(schema))

    loads_or_refuses(schema(unknown=RAISE), body)  # as the API loads it
    loads_or_refuses(schema(), body)  # as the forms load it (unknown fields dropped)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@FUZZ
@given(data=st.data())
def test_a_posted_form_loads_or_is_refused_with_a_validation_error(name: str, data: Any) -> None:
    schema = SCHEMAS[name]
    names = [field.data_key or key for key, field in schema().fields.items()]
    pairs = data.draw(st.lists(st.tuples(st.one_of(st.sampled_from(names), st.text(max_size=5)),
                                         odd_strings), max_size=len(names) + 4))

    loads_or_refuses(schema(), MultiDict(pairs))  # a form's fields are strings, some repeated
