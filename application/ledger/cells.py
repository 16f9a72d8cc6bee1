"""A ledger cell turned into the value a command takes.

Ledgers are typed by hand over years: full-width digits and letters, spaces
inside numbers, dates as text in half a dozen forms or as Excel serial
numbers, ID numbers that Excel turned into numbers, places written out in
words.  Each function here reads one kind of value the way a person would and
raises :class:`CellError` (naming the field) when it cannot; whether the value
is then *acceptable* is the domain's to say.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from domain.divisions import Division, DivisionLevel, divisions
from domain.errors import InvalidValueError


class CellError(InvalidValueError):
    """Raised when a ledger cell cannot be read as the value its column holds."""


#: Excel's day 0 for serial dates (its 1900 system, past its 1900 leap-year slip).
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")
#: Digits Excel keeps of a number: an 18-digit ID number typed as a number loses the rest.
_EXCEL_DIGITS = 15
_LIST_SEPARATORS = re.compile(r"[、,;/|\s]+")

_YES = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓", "✔"})
_NO = frozenset({"否", "无", "不是", "n", "no", "false", "0", "×", "✗", "x"})


def text(raw: Any) -> str | None:
    """A cell as trimmed NFKC text (full-width forms folded), or None when empty."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime):
        raw = raw.date() if raw.time() == datetime.min.time() else raw
    if isinstance(raw, date):
        return raw.isoformat()
    value = unicodedata.normalize("NFKC", str(raw)).strip()
    return value or None


def code(raw: Any, field: str) -> str | None:
    """A number that is a code (ID number, phone, division): no spaces, digits kept.

    A code Excel stored as a number has lost every digit after the 15th; such a
    cell is refused rather than read as a different number.
    """
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if isinstance(raw, float) and not raw.is_integer():
            raise CellError(field, "number_cell", "was stored as a number with a fraction")
        digits = str(int(raw))
        if len(digits) > _EXCEL_DIGITS:
            raise CellError(field, "number_cell",
                            "was stored as a number and has lost its last digits; "
                            "format the column as text", digits=_EXCEL_DIGITS)
        return digits
    value = text(raw)
    return None if value is None else re.sub(r"\s+", "", value)


def a_date(raw: Any, field: str) -> date | None:
    """A date from a date cell, an Excel serial number, or text in the usual forms.

    Text: ``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``2024年3月5日`` (a time after
    it is ignored) and ``20240305``.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _serial(float(raw), field)
    value = text(raw) or ""
    found = _DATE_TEXT.match(value) or _DATE_DIGITS.match(value)
    if found:
        try:
            return date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            raise _unreadable_date(field) from None
    if _SERIAL.match(value):
        return _serial(float(value), field)
    raise _unreadable_date(field)


def _serial(serial: float, field: str) -> date:
    """Excel's serial day number (days since 1899-12-30; the fraction is the time)."""
    if not 1 <= serial < 73051:  # 1900-01-01 … 2099-12-31
        raise _unreadable_date(field)
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def _unreadable_date(field: str) -> CellError:
    return CellError(field, "date_unreadable",
                     "is not a date (write it as 2024-03-05, 2024/3/5 or 2024年3月5日)")


def yes_no(raw: Any, field: str) -> bool | None:
    """是/否, Y/N, √/×, 1/0, true/false; empty is None."""
    value = text(raw)
    if value is None:
        return None
    folded = value.lower()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise CellError(field, "yes_no", "should be 是 or 否")


def label(raw: Any, field: str, vocabulary: Mapping[str, str]) -> str | None:
    """The code a ledger's word stands for (``农民工`` → ``MIGRANT_WORKER``).

    The codes themselves are accepted too; an unknown word is refused with the
    words that are known.
    """
    value = text(raw)
    if value is None:
        return None
    key = re.sub(r"\s+", "", value)
    found = vocabulary.get(key) or vocabulary.get(key.upper())
    if found is None and key.upper() in vocabulary.values():
        found = key.upper()
    if found is None:
        first: dict[str, str] = {}
        for word, meaning in vocabulary.items():
            first.setdefault(meaning, word)  # each code by its first, plainest word
        words = "、".join(first.values())
        raise CellError(field, "unknown_word", f"is not one of: {words}", words=words)
    return found


def labels(raw: Any, field: str, vocabulary: Mapping[str, str]) -> list[str]:
    """Several words in one cell, separated by 、 , ; / or spaces."""
    value = text(raw)
    if value is None:
        return []
    return sorted({label(part, field, vocabulary) or "" for part in
                   _LIST_SEPARATORS.split(value) if part} - {""})


def county(raw: Any, field: str, near: str = "") -> str | None:
    """A county-level division: its 6-digit code, or its name written out.

    A name may be the county's alone (``张店区``), or with its city or province
    before it (``淄博市张店区``, ``山东省淄博市张店区``).  A name several counties
    share is read as the one under ``near`` (the importer's district), if exactly
    one is; otherwise it is refused as ambiguous.
    """
    value = code(raw, field)
    if value is None or value.isdigit():
        return value
    found = _county_names().get(value, ())
    if len(found) > 1 and near:
        found = tuple(c for c in found if _within(c, near)) or found
    if len(found) == 1:
        return found[0]
    if found:
        raise CellError(field, "ambiguous_place", f"{value} names several counties",
                        codes="、".join(found))
    raise CellError(field, "unknown_place", f"{value} is not a county of the division list",
                    place=value)


def province(raw: Any, field: str) -> str | None:
    """A province's 2-digit code, from the code or its name (``广东省`` or ``广东``)."""
    value = code(raw, field)
    if value is None or value.isdigit():
        return value
    found = _province_names().get(value)
    if found is None:
        raise CellError(field, "unknown_place", f"{value} is not a province", place=value)
    return found


def _within(code_: str, district: str) -> bool:
    if district.endswith("0000"):
        return code_[:2] == district[:2]
    if district.endswith("00"):
        return code_[:4] == district[:4]
    return code_ == district


@cache
def _county_names() -> dict[str, tuple[str, ...]]:
    """Every way a county is written (alone, after its city, after its province) → codes."""
    names: dict[str, set[str]] = {}
    listing = divisions()
    for division in (c for p in _provinces() for c in listing.counties_of(p.code)):
        code_ = division.code
        path = listing.name_path(code_).split(" ")
        spellings = {division.name, "".join(path), "".join(path[-2:]), "".join(path[1:])}
        for spelling in spellings:
            names.setdefault(spelling, set()).add(code_)
    return {name: tuple(sorted(codes)) for name, codes in names.items()}


_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区",
                      "省", "市")


@cache
def _province_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for division in _provinces():
        names[division.name] = division.code[:2]
        for suffix in _PROVINCE_SUFFIXES:
            if division.name.endswith(suffix):
                names[division.name[: -len(suffix)]] = division.code[:2]
                break
    return names


def _provinces() -> list[Division]:
    listing = divisions()
    found = (listing.get(f"{number:02d}0000") for number in range(10, 100))
    return [d for d in found if d is not None and d.level is DivisionLevel.PROVINCE]


_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)(万)?元?$")
_TERM = re.compile(r"^(\d+)(个月|月|年)?$")
_RATE = re.compile(r"^(\d+(?:\.\d+)?)(%|‰)?$")


def whole(raw: Any, field: str) -> int | None:
    """A whole number (hours, a count): ``80``, ``８０``, ``80.0``, ``80课时``."""
    value = text(raw)
    if value is None:
        return None
    found = re.match(r"^(\d+)(?:\.0+)?(?:课时|学时|小时|个|人)?$", re.sub(r"\s+", "", value))
    if found is None:
        raise CellError(field, "not_whole", "is not a whole number")
    return int(found[1])


def fen(raw: Any, field: str, *, in_wan: bool = False) -> int | None:
    """An amount of money in 分, from 元 as written: ``100000``, ``100,000.00元``, ``10万``.

    ``in_wan``: the column counts in 万元 (its header says so); a cell that writes
    万 itself is read so anyway.
    """
    value = text(raw)
    if value is None:
        return None
    found = _AMOUNT.match(re.sub(r"[\s,，¥￥]+", "", value))
    if found is None:
        raise CellError(field, "not_amount", "is not an amount of money (write 100000 or 10万)")
    yuan = Decimal(found[1]) * (10_000 if found[2] or in_wan else 1)
    cents = yuan * 100
    if cents != cents.to_integral_value():
        raise CellError(field, "not_amount", "is not an amount of money (write 100000 or 10万)")
    return int(cents)


def months(raw: Any, field: str) -> int | None:
    """A term in months: ``24``, ``24个月``, ``2年`` (a bare number is months)."""
    value = text(raw)
    if value is None:
        return None
    found = _TERM.match(re.sub(r"\s+", "", value))
    if found is None:
        raise CellError(field, "not_term", "is not a term (write 24, 24个月 or 2年)")
    return int(found[1]) * (12 if found[2] == "年" else 1)


def rate_bp(raw: Any, field: str) -> int | None:
    """A yearly rate in basis points: ``3.45%``, ``3.45``, ``0.0345`` (a cell formatted as %)."""
    if isinstance(raw, float) and 0 < raw < 1:
        return int((Decimal(str(raw)) * 10_000).to_integral_value())
    value = text(raw)
    if value is None:
        return None
    found = _RATE.match(re.sub(r"\s+", "", value))
    if found is None:
        raise CellError(field, "not_rate", "is not a yearly rate (write 3.45%)")
    number = Decimal(found[1])
    if found[2] == "‰":
        number = number / 10
    elif found[2] is None and number < 1:
        number = number * 100  # a fraction: 0.0345 is 3.45%
    bp = number * 100
    if bp != bp.to_integral_value():
        raise CellError(field, "not_rate", "is not a yearly rate (write 3.45%)")
    return int(bp)
