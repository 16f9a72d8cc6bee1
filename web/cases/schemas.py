"""What the case list, the enrolment form, a reveal and the history page accept."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from application.investigation import Moment
from application.projections.case_list import SORTS
from domain.codes import Sex
from domain.reveals import REVEALABLE
from domain.values import BUREAU_TZ, IdType, ReturneeType, Stage
from web.i18n import _l

REQUIRED = _l("This field is required.")
CHOICE = _l("Choose one of the listed values.")
DATE = _l("Enter a date as YYYY-MM-DD.")
TOO_LONG = _l("At most {max} characters.")
_VERSION = re.compile(r"^[vV](\d+)$")


def _messages(invalid: Any = CHOICE) -> dict[str, Any]:
    return {"required": REQUIRED, "null": REQUIRED, "invalid": invalid}


def _text(max_len: int, required: bool = False) -> fields.String:
    optional: dict[str, Any] = {} if required else {"load_default": None}
    return fields.String(required=required, validate=validate.Length(max=max_len, error=TOO_LONG),
                         error_messages=_messages(REQUIRED), **optional)


def _choice(values: Any, required: bool = False) -> fields.String:
    optional: dict[str, Any] = {} if required else {"load_default": None}
    return fields.String(required=required, error_messages=_messages(),
                         validate=validate.OneOf([str(v) for v in values], error=CHOICE),
                         **optional)


class FormSchema(Schema):
    """A form: unknown fields (the CSRF token) are dropped, empty inputs are absent."""

    class Meta:
        unknown = EXCLUDE

    many_valued: tuple[str, ...] = ()

    @pre_load
    def _blanks(self, data: Any, **_: Any) -> dict[str, Any]:
        getlist = getattr(data, "getlist", None)
        cleaned: dict[str, Any] = {}
        for key in data:
            if key in self.many_valued:
                values = getlist(key) if getlist else data[key]
                values = [values] if isinstance(values, str) else values
                # A JSON body may hold anything here: the field refuses what is no list.
                cleaned[key] = [v.strip() if isinstance(v, str) else v for v in values
                                if not isinstance(v, str) or v.strip()] if isinstance(
                                    values, list | tuple) else values
            elif isinstance(data[key], str):
                if data[key].strip():
                    cleaned[key] = data[key].strip()
            elif data[key] is not None:
                cleaned[key] = data[key]  # a JSON true or 3: the field judges it
        return cleaned


class CaseSearchSchema(FormSchema):
    """The case list's search and filters (query string)."""

    q = _text(50)
    idh = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9a-f]{64}$",
                                                                    error=CHOICE),
                        error_messages=_messages())
    district = fields.String(load_default=None, validate=validate.Regexp(
        r"^\d{6}$", error=CHOICE), error_messages=_messages())
    caseworker = _text(64)
    status = _choice(("OPEN", "CLOSED"))
    stage = _choice(Stage)
    returnee_type = _choice(ReturneeType)
    sort = _choice(SORTS)
    order = _choice(("asc", "desc"))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000,
                                                                  error=CHOICE),
                          error_messages=_messages())


class IdSearchSchema(FormSchema):
    """A search by ID number: posted, so that the number stays out of addresses and logs."""

    id_number = _text(30, required=True)


class EnrolCaseSchema(FormSchema):
    """The enrolment form; ``load()`` returns ``enrol_case``'s fields (and the duplicate reason)."""

    many_valued = ("loan_groups",)

    name = _text(50, required=True)
    id_type = _choice(IdType, required=True)
    id_number = _text(30, required=True)
    birth_date = fields.Date(load_default=None, error_messages=_messages(DATE))
    sex = _choice(Sex)
    mobile = _text(30)
    hukou_division = _text(6, required=True)
    residence_division = _text(12)
    owning_district = _text(6, required=True)
    returnee_type = _choice(ReturneeType, required=True)
    loan_groups = fields.List(fields.String(validate=validate.Length(max=40, error=TOO_LONG)),
                              load_default=list, error_messages=_messages())
    is_disabled = fields.Boolean(load_default=False, error_messages=_messages())
    returned_on = fields.Date(required=True, error_messages=_messages(DATE))
    occurred_on = fields.Date(required=True, error_messages=_messages(DATE))
    prior_work_province = _text(2)
    intended_industry = _text(100)
    note = _text(2000)
    caseworker_id = _text(64)
    duplicate_reason = _text(500)


class RevealSchema(FormSchema):
    """Which personal field to show in clear, and why."""

    field = _choice(REVEALABLE, required=True)
    reason = fields.String(required=True, error_messages=_messages(REQUIRED),
                           validate=validate.Length(min=2, max=500, error=_l(
                               "Give a reason of 2 to 500 characters.")))


class MomentField(fields.Field):
    """A date-time (Asia/Shanghai unless a zone is given), a date (its end), or ``v17``."""

    default_error_messages: ClassVar[dict[str, Any]] = {"invalid": _l(
        "Enter a date and time such as 2024-05-01T09:00, a date, or a version such as v17.")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Moment:
        text = str(value).strip()
        if match := _VERSION.match(text):
            return Moment(version=int(match[1]))
        try:
            if len(text) == 10:  # a date alone: as known at the end of that day
                moment = datetime.combine(date.fromisoformat(text), time.max)
            else:
                moment = datetime.fromisoformat(text)
        except ValueError:
            raise self.make_error("invalid") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BUREAU_TZ)
        return Moment(at=moment.astimezone(UTC))


class HistorySchema(FormSchema):
    """``?at=`` (the case as it stood then) or ``?from=&to=`` (what changed between)."""

    at = MomentField(load_default=None)
    start = MomentField(data_key="from", load_default=None)
    end = MomentField(data_key="to", load_default=None)

    @validates_schema
    def _pair(self, data: dict[str, Any], **_: Any) -> None:
        """``from`` and ``to`` come together."""
        if bool(data.get("start")) != bool(data.get("end")):
            raise ValidationError(REQUIRED, "to" if data.get("start") else "from")
