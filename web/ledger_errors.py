"""What a refused ledger cell says to a person, in their language.

The reasons the ledger reader gives (a date it cannot read, a word it does
not know, a place it cannot find, a county outside the importer's reach) are
here; every other reason is the domain's, said as the forms say it
(:func:`web.messages.domain_message`).  Their Chinese is in ``imports.po``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g
from flask_babel import LazyString, force_locale

from domain.errors import DomainError
from web.i18n import _l
from web.messages import domain_message

LEDGER_ERRORS: dict[str, LazyString] = {
    "number_cell": _l("Excel holds this as a number and has dropped the digits after the "
                      "%(digits)sth; format the column as text and type it again."),
    "number_cell/plain": _l("Excel holds this as a number; format the column as text and "
                            "type it again."),
    "date_unreadable": _l("This is not a date; write it as 2024-03-05, 2024/3/5 or "
                          "2024年3月5日."),
    "yes_no": _l("Write 是 or 否."),
    "unknown_word": _l("This is none of: %(words)s."),
    "ambiguous_place": _l("Several counties have this name (%(codes)s); write the city "
                          "before it, or the 6-digit code."),
    "unknown_place": _l("%(place)s is not a place of the division list; write the "
                        "6-digit code."),
    "district_out_of_reach": _l("This county is outside your district."),
    "unknown_caseworker": _l("This names no active caseworker of the case's county (by "
                             "user name or name)."),
    "not_whole": _l("This is not a whole number."),
    "not_amount": _l("This is not an amount of money; write it as 100000 or 10万."),
    "not_term": _l("This is not a term; write it as 24, 24个月 or 2年."),
    "not_rate": _l("This is not a yearly rate; write it as 3.45%%."),
    "no_case": _l("No case has this ID number: import the returnee ledger first."),
    "no_open_case": _l("The case of this ID number is closed; reopen it first."),
    "case_out_of_reach": _l("The case of this ID number is outside your district."),
    "not_the_case": _l("This differs from the name on the case of this ID number."),
    "no_business": _l("The case has no registered business: record it first, or give its "
                      "统一社会信用代码, name, registration date, premises and whether it is a "
                      "first business in the ledger."),
    "row_busy": _l("Someone else is changing this case right now; import the file again."),
}


def reason(error: DomainError) -> str:
    """Why a value was refused, in the current language."""
    template = LEDGER_ERRORS.get(error.code)
    if template is None:
        return domain_message(error)
    try:
        return str(template) % error.params
    except (KeyError, TypeError, ValueError):
        plain = LEDGER_ERRORS.get(f"{error.code}/plain")
        return str(plain if plain is not None else template)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Translate into ``zh`` or ``en`` inside the block (outside a request too)."""
    g.pop("_homeward_catalogue", None)  # the catalogue cached for the language before
    try:
        with force_locale("en" if lang == "en" else "zh_CN"):
            yield
    finally:
        g.pop("_homeward_catalogue", None)
