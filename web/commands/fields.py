"""Form fields of the command forms: syntax only, errors in the user's language.

Each field carries what the form needs to draw it (label, hint, widget), so
one template renders every command.  An empty input counts as not given: a
required field says so, an optional one is left out of ``load()`` and the
command's own default applies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import LazyString
from marshmallow import ValidationError, fields, missing, validate

from web.i18n import _l
from web.messages import ERRORS

REQUIRED = {"required": ERRORS["required"], "null": ERRORS["required"]}
_DECIMAL = re.compile(r"^\d{1,13}(\.\d{1,2})?$")


class FormField(fields.Field):
    """A field with a label, an optional hint and a widget name."""

    widget = "text"

    def __init__(self, label: LazyString, *, hint: LazyString | None = None,
                 widget: str | None = None, initial: Any = None, **kwargs: Any) -> None:
        messages = {**REQUIRED, **kwargs.pop("error_messages", {})}
        super().__init__(metadata={"label": label, "hint": hint, "initial": initial,
                                   "widget": widget or self.widget},
                         error_messages=messages, **kwargs)

    def deserialize(self, value: Any, attr: str | None = None,
                    data: Any = None, **kwargs: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            value = missing
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return value


class Text(FormField):
    """Trimmed text of at most ``max_len`` characters."""

    def __init__(self, label: LazyString, *, max_len: int = 500, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.max_len = max_len

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = str(value).strip()
        if len(text) > self.max_len:
            raise ValidationError([_l("At most %(max)s characters.", max=self.max_len)])
        return text


class LongText(Text):
    widget = "textarea"


class Hidden(Text):
    widget = "hidden"


class Lines(Text):
    """One value per line (a textarea), loaded as a list."""

    widget = "lines"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        items = value if isinstance(value, list) else str(value).splitlines()
        return [super(Lines, self)._deserialize(item, attr, data) for item in items
                if str(item).strip()]


class Count(FormField):
    """A whole number, not negative."""

    widget = "number"

    def __init__(self, label: LazyString, *, maximum: int = 10**9, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.maximum = maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        # Full-width digits fold to ASCII; other digits ("²".isdigit() holds, but int("²")
        # fails) are refused, and the length is checked first: int() takes 4300 digits at most.
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not (text.isascii() and text.isdigit()):
            raise ValidationError([_l("Enter a whole number.")])
        digits = text.lstrip("0") or "0"
        if len(digits) > len(str(self.maximum)) or int(digits) > self.maximum:
            raise ValidationError([_l("Must be at most %(max)s.", max=self.maximum)])
        return int(digits)


class Day(FormField):
    """A calendar date, as ``YYYY-MM-DD``."""

    widget = "date"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError([ERRORS["date"]]) from None


class Yuan(FormField):
    """Money typed in yuan with at most two decimals, loaded as integer fen."""

    widget = "money"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = str(value).strip().replace(",", "").replace("，", "").lstrip("¥￥")
        if not _DECIMAL.match(text):
            raise ValidationError([_l("Enter an amount in yuan with at most two decimals, "
                                      "such as 12000.50.")])
        return int(Decimal(text) * 100)


class Percent(FormField):
    """A yearly rate typed in percent (two decimals), loaded as basis points."""

    widget = "percent"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = str(value).strip().rstrip("%")
        if not _DECIMAL.match(text):
            raise ValidationError([_l("Enter a rate in percent with at most two decimals, "
                                      "such as 3.45.")])
        return int(Decimal(text) * 100)


class Choice(FormField):
    """One value of an enum, offered as a ``<select>`` of translated labels."""

    widget = "select"

    def __init__(self, label: LazyString, enum: type[StrEnum] | Iterable[str], *,
                 exclude: Iterable[str] = (), **kwargs: Any) -> None:
        self.options = [str(v) for v in enum if str(v) not in set(exclude)]
        super().__init__(label, validate=validate.OneOf(self.options, error=ERRORS["choice"]),
                         **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return str(value).strip()


class Choices(FormField):
    """Several values of an enum (checkboxes), loaded as a list."""

    widget = "checkboxes"

    def __init__(self, label: LazyString, enum: type[StrEnum], **kwargs: Any) -> None:
        self.options = [str(v) for v in enum]
        super().__init__(label, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        chosen = [str(v) for v in (value if isinstance(value, list) else [value]) if v]
        if any(v not in self.options for v in chosen):
            raise ValidationError([ERRORS["choice"]])
        return chosen


class Flag(FormField):
    """A checkbox: ticked is true, absent is false."""

    widget = "checkbox"

    def __init__(self, label: LazyString, **kwargs: Any) -> None:
        super().__init__(label, load_default=False, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if str(value).strip().lower() in ("y", "yes", "on", "true", "1"):
            return True
        if str(value).strip().lower() in ("n", "no", "off", "false", "0"):
            return False
        raise ValidationError([ERRORS["choice"]])


class Ref(FormField):
    """A record of the case (training, pairing, loan …), offered as a ``<select>``."""

    widget = "ref"

    def __init__(self, label: LazyString, kind: str, *, statuses: Iterable[str] = (),
                 **kwargs: Any) -> None:
        self.kind, self.statuses = kind, tuple(statuses)
        super().__init__(label, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = str(value).strip()
        if len(text) > 100:
            raise ValidationError([_l("At most %(max)s characters.", max=100)])
        if self.kind == "event":
            text = unicodedata.normalize("NFKC", text)
            if not (text.isascii() and text.isdigit()):
                raise ValidationError([ERRORS["choice"]])
            return int(text)
        return text
