"""Chinese resident ID numbers, unified social credit codes and mobile numbers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from domain.errors import InvalidCodeError
from domain.values import today as bureau_today

__all__ = [
    "Checked",
    "EntityType",
    "IdNumber",
    "Mobile",
    "Sex",
    "Uscc",
    "id_check_character",
    "organisation_code_ok",
    "uscc_check_character",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Checked(Generic[T]):
    """A parsed value with the soft warnings its parse raised."""

    value: T
    warnings: tuple[str, ...] = ()


def _clean(raw: str) -> str:
    """Fold full-width forms to ASCII and drop surrounding whitespace."""
    return unicodedata.normalize("NFKC", raw).strip()


# --- 居民身份证号码, GB 11643-1999 --------------------------------------------

_ID_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_PROVINCES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
     *range(50, 55), *range(61, 66), 71, 81, 82, 91]
)
# The standard's own example (440524188001010014) was born in 1880, so the
# floor only catches typos in the century, not merely old people.
_EARLIEST_BIRTH_DATE = date(1800, 1, 1)


class Sex(StrEnum):
    """Sex as the ID number's sequence digit records it."""

    MALE = "M"
    FEMALE = "F"


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of 17 ID digits."""
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise ValueError("the check character needs exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


@dataclass(frozen=True)
class IdNumber:
    """A resident ID number (GB 11643-1999), always 18 characters."""

    value: str

    def __post_init__(self) -> None:
        if not _ID_PATTERN.fullmatch(self.value):
            raise ValueError(f"{self.value!r} is not an 18-character ID number")

    @classmethod
    def parse(
        cls, raw: str, *, field: str = "id_number", today: date | None = None
    ) -> Checked[IdNumber]:
        """Parse an 18- or 15-digit ID number, checking date and check character."""
        text = _clean(raw).upper()
        if re.fullmatch(r"[0-9]{15}", text):
            # GB 11643-1989 numbers lack the century and the check character.
            text = text[:6] + "19" + text[6:]
            text += id_check_character(text)
        if not _ID_PATTERN.fullmatch(text):
            raise InvalidCodeError(
                field, "format", "ID number should be 17 digits and a digit or X"
            )
        _check_birth_date(text[6:14], field, today or bureau_today())
        expected = id_check_character(text[:17])
        if text[17] != expected:
            raise InvalidCodeError(
                field,
                "checksum",
                f"ID number check character should be {expected}",
                expected=expected,
            )
        warnings: list[str] = []
        if int(text[:2]) not in _ID_PROVINCES:
            warnings.append(f"{field}.unknown_province")
        return Checked(cls(text), tuple(warnings))

    @property
    def birth_date(self) -> date:
        """The date of birth the number records."""
        return date(
            int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14])
        )

    @property
    def sex(self) -> Sex:
        """Male when the 17th digit is odd."""
        return Sex.MALE if int(self.value[16]) % 2 else Sex.FEMALE

    @property
    def division(self) -> str:
        """The address code of the hukou when the number was issued."""
        return self.value[:6]

    def masked(self) -> str:
        """The number with all but its first and last four characters hidden."""
        return self.value[:4] + "*" * 10 + self.value[-4:]

    def __str__(self) -> str:
        return self.value


def _check_birth_date(digits: str, field: str, today: date) -> None:
    """Refuse YYYYMMDD digits that are no real date, in the future or too early."""
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise InvalidCodeError(
            field, "birth_date", f"ID number birth date {digits} is not a real date"
        ) from None
    if born > today:
        raise InvalidCodeError(
            field, "birth_date", f"ID number birth date {born} is in the future"
        )
    if born < _EARLIEST_BIRTH_DATE:
        raise InvalidCodeError(
            field, "birth_date", f"ID number birth date {born} is too early"
        )


# --- 统一社会信用代码, GB 32100-2015 ------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_PATTERN = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_PAIRS = frozenset(
    {"11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39"}
    | {"41", "49", "51", "52", "53", "59", "61", "62", "69", "71", "72", "79"}
    | {"81", "89", "91", "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"}
)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class EntityType(StrEnum):
    """The kind of market entity a USCC is expected to belong to."""

    ENTERPRISE = "ENTERPRISE"
    INDIVIDUAL_BUSINESS = "INDIVIDUAL_BUSINESS"
    FARMER_COOPERATIVE = "FARMER_COOPERATIVE"
    OTHER = "OTHER"


_ENTITY_BY_PREFIX = {
    "91": EntityType.ENTERPRISE,
    "92": EntityType.INDIVIDUAL_BUSINESS,
    "93": EntityType.FARMER_COOPERATIVE,
}


def entity_type_of(uscc: str) -> EntityType:
    """The kind of entity a USCC's registration prefix stands for (91, 92, 93; else OTHER)."""
    return _ENTITY_BY_PREFIX.get(_clean(uscc).upper()[:2], EntityType.OTHER)


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(
        _USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def organisation_code_ok(code: str) -> bool:
    """Whether the 9-character GB 11714 organisation code checks out."""
    total = sum(int(c, 36) * w for c, w in zip(code[:8], _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return code[8] == {10: "X", 11: "0"}.get(check, str(check))


@dataclass(frozen=True)
class Uscc:
    """A unified social credit code (GB 32100-2015)."""

    value: str

    def __post_init__(self) -> None:
        if not _USCC_PATTERN.fullmatch(self.value):
            raise ValueError(f"{self.value!r} is not an 18-character USCC")

    @classmethod
    def parse(
        cls, raw: str, *, field: str = "uscc", entity_type: EntityType | None = None
    ) -> Checked[Uscc]:
        """Parse a USCC, checking alphabet, prefix, check character and entity type."""
        text = _clean(raw).upper()
        if len(text) != 18:
            raise InvalidCodeError(
                field,
                "length",
                f"USCC should be 18 characters, not {len(text)}",
                length=len(text),
            )
        bad = next((c for c in text if c not in _USCC_ALPHABET), None)
        if bad is not None:
            raise InvalidCodeError(
                field, "character", f"USCC may not contain {bad!r}", char=bad
            )
        if not _USCC_PATTERN.fullmatch(text) or text[:2] not in _USCC_PAIRS:
            raise InvalidCodeError(
                field, "format", "USCC prefix or division part is not valid"
            )
        expected = uscc_check_character(text[:17])
        if text[17] != expected:
            raise InvalidCodeError(
                field,
                "checksum",
                f"USCC check character should be {expected}",
                expected=expected,
            )
        meant = _ENTITY_BY_PREFIX.get(text[:2], EntityType.OTHER)
        if entity_type is not None and entity_type is not meant:
            raise InvalidCodeError(
                field,
                "entity_type",
                f"USCC prefix {text[:2]} means {meant.value}, not {entity_type.value}",
                expected=meant.value,
            )
        warnings = (
            () if organisation_code_ok(text[8:17]) else (f"{field}.organisation_code",)
        )
        return Checked(cls(text), warnings)

    @property
    def registration_authority(self) -> str:
        """The registering authority (position 1; 9 = market regulation)."""
        return self.value[0]

    @property
    def entity_category(self) -> str:
        """The authority and category pair (positions 1-2)."""
        return self.value[:2]

    @property
    def division(self) -> str:
        """The GB/T 2260 code of the registering authority (positions 3-8)."""
        return self.value[2:8]

    def __str__(self) -> str:
        return self.value


# --- Mobile phone numbers ----------------------------------------------------

_IOT_PREFIXES = frozenset({"140", "141", "144", "146", "148"})


@dataclass(frozen=True)
class Mobile:
    """A mainland mobile number, 11 digits without country code."""

    value: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"1[3-9][0-9]{9}", self.value):
            raise ValueError(f"{self.value!r} is not an 11-digit mobile number")

    @classmethod
    def parse(cls, raw: str, *, field: str = "mobile") -> Checked[Mobile]:
        """Parse a mobile number written with spaces, hyphens or a +86 prefix."""
        text = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw))
        for prefix in ("+86", "0086", "86"):
            if text.startswith(prefix) and len(text) - len(prefix) == 11:
                text = text[len(prefix) :]
                break
        if not re.fullmatch(r"1[3-9][0-9]{9}", text):
            raise InvalidCodeError(
                field, "format", "Mobile number should be 11 digits starting 13-19"
            )
        warnings = (f"{field}.iot_prefix",) if text[:3] in _IOT_PREFIXES else ()
        return Checked(cls(text), warnings)

    def masked(self) -> str:
        """The number with its middle four digits hidden."""
        return self.value[:3] + "****" + self.value[7:]

    def __str__(self) -> str:
        return self.value
