"""What the activity pages and the activity API accept (syntax only; the domain judges)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from domain.activities import ActivityKind, ActivityStatus
from web.cases.schemas import CHOICE, DATE, REQUIRED, FormSchema, _choice, _text
from web.i18n import _l

#: Case numbers typed or pasted: separated by spaces, commas, semicolons or lines.
_SEPARATORS = re.compile(r"[\s,;，；、]+")
_CASE_NO = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-]{0,63}$")


def _messages(invalid: Any = CHOICE) -> dict[str, Any]:
    return {"required": REQUIRED, "null": REQUIRED, "invalid": invalid}


def _page() -> fields.Integer:
    return fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000,
                                                                  error=CHOICE),
                          error_messages=_messages())


class ActivitySearchSchema(FormSchema):
    """The activity list's filters (query string): text, district, kind, status, dates."""

    q = _text(50)
    district = fields.String(load_default=None, validate=validate.Regexp(
        r"^\d{6}$", error=CHOICE), error_messages=_messages())
    kind = _choice(ActivityKind)
    status = _choice(ActivityStatus)
    date_from = fields.Date(data_key="from", load_default=None,
                            error_messages=_messages(DATE))
    date_to = fields.Date(data_key="to", load_default=None, error_messages=_messages(DATE))
    page = _page()

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        """The range runs forwards."""
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_l("Must not be before the start of the range."), "to")


class PlanActivitySchema(FormSchema):
    """The new-activity form; ``load()`` returns ``plan_activity``'s fields."""

    kind = _choice(ActivityKind, required=True)
    title = _text(100, required=True)
    held_on = fields.Date(required=True, error_messages=_messages(DATE))
    place = _text(200, required=True)
    organiser = _text(100, required=True)
    district = _text(6, required=True)
    note = _text(2000)

    @post_load
    def _defaults(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {k: v for k, v in data.items() if v is not None}


class CaseNumbers(fields.Field):
    """Case numbers ticked (a list) and typed (text with separators), each once."""

    default_error_messages: ClassVar[dict[str, Any]] = {
        "invalid": _l("List case numbers: letters, digits and hyphens.")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        items = value if isinstance(value, list) else [value]
        numbers: list[str] = []
        for item in items:
            if not isinstance(item, str):
                raise self.make_error("invalid")
            numbers += [n for n in _SEPARATORS.split(item) if n]
        if any(not _CASE_NO.match(n) for n in numbers):
            raise self.make_error("invalid")
        return list(dict.fromkeys(n.upper() for n in numbers))


class RecordAttendanceSchema(FormSchema):
    """Who attended: ticked in the picker (``case_nos``) and typed or pasted (``more``)."""

    many_valued = ("case_nos",)

    case_nos = CaseNumbers(load_default=list, error_messages=_messages())
    more = CaseNumbers(load_default=list, error_messages=_messages())

    @post_load
    def _together(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        named = list(dict.fromkeys([*data["case_nos"], *data["more"]]))
        if not named:
            raise ValidationError(_l("Choose at least one case."), "case_nos")
        return {"case_nos": named}


class CancelActivitySchema(FormSchema):
    """Calling an activity off: the version loaded and a reason."""

    expected_version = fields.Integer(required=True, validate=validate.Range(min=1),
                                      error_messages=_messages(REQUIRED))
    reason = _text(500, required=True)


class WithdrawAttendanceSchema(FormSchema):
    """Withdrawing one case's wrongly recorded attendance: the case and the reason."""

    case_no = _text(64, required=True)
    reason = _text(500, required=True)


class PickerSchema(FormSchema):
    """The attendee picker's search (query string of the activity page)."""

    pick = _text(50)
    status = _choice(("OPEN", "CLOSED"))
    page = _page()
