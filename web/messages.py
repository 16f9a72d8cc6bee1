"""What the domain's codes, enum values and HTTP statuses say to a person.

The domain names an error by ``code`` with ``params``; here each code has an
English sentence (the msgid) that the catalogues translate.  Enum values are
labelled the same way.  A code without its own sentence falls back to a
general one that still names the field.
"""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString

from domain.errors import DomainError
from web.i18n import _, _l

ERRORS: dict[str, LazyString] = {
    "required": _l("This field is required."),
    "format": _l("This value is not in the expected format."),
    "future": _l("This date lies in the future."),
    "choice": _l("Choose one of the listed values."),
    "unknown_account": _l("There is no such account."),
    "account_exists": _l("An account with this user name exists already."),
    "bad_username": _l("User name: 2 to 40 letters, digits, dots, dashes or underscores."),
    "bad_role": _l("Choose one of the roles."),
    "weak_password": _l("The password needs at least 10 characters."),
    "bad_language": _l("Choose Chinese or English."),
}

LABELS: dict[str, LazyString] = {}

HTTP: dict[int, LazyString] = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in."),
    403: _l("Your account may not do this."),
    404: _l("Not found."),
    405: _l("This action is not available here."),
    409: _l("The record changed meanwhile."),
    413: _l("What you sent is too large."),
    415: _l("This kind of content is not accepted."),
    422: _l("Some values are not valid."),
    429: _l("Too many attempts. Wait a while and try again."),
    500: _l("Something went wrong on our side. Nothing was saved."),
    503: _l("The service is briefly unavailable. Try again in a moment."),
}


def domain_message(error: DomainError) -> str:
    """The error in the user's language, with its values filled in."""
    template = ERRORS.get(error.code)
    if template is None:
        return _("This value is not accepted (%(code)s).", code=error.code)
    params: dict[str, Any] = {k: label(v) if isinstance(v, str) else v
                              for k, v in error.params.items()}
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


def http_message(status: int) -> str:
    return str(HTTP.get(status, HTTP[400] if status < 500 else HTTP[500]))


def label(value: Any) -> str:
    """The translated label of an enum value (the value itself when it has none)."""
    key = getattr(value, "value", value)
    found = LABELS.get(str(key)) if key is not None else None
    return str(found) if found is not None else ("" if key is None else str(key))
