"""GB/T 2260 division codes in a dated list, and 12-digit statistical codes."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib.resources import files

from domain.codes import Checked
from domain.errors import InvalidCodeError

__all__ = [
    "Division",
    "DivisionLevel",
    "DivisionList",
    "StatisticalCode",
    "TownshipKind",
    "divisions",
]

_SIX_DIGITS = re.compile(r"[0-9]{6}")

# Placeholder levels that group counties without being a place of their own
# (a municipality's 市辖区, Chongqing's 县, counties run directly by a province).
_PSEUDO_NAMES = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)


class DivisionLevel(StrEnum):
    """The level of a GB/T 2260 code."""

    PROVINCE = "PROVINCE"
    PREFECTURE = "PREFECTURE"
    COUNTY = "COUNTY"


@dataclass(frozen=True)
class Division:
    """One entry of the division list."""

    code: str
    name: str
    level: DivisionLevel

    @property
    def province(self) -> str:
        """The code of the province this division lies in."""
        return self.code[:2] + "0000"

    @property
    def prefecture(self) -> str:
        """The code of the prefecture this division lies in."""
        return self.code[:4] + "00"


def _level_of(code: str) -> DivisionLevel:
    """The level a code's trailing zeros give it."""
    if code.endswith("0000"):
        return DivisionLevel.PROVINCE
    if code.endswith("00"):
        return DivisionLevel.PREFECTURE
    return DivisionLevel.COUNTY


class DivisionList:
    """The dated GB/T 2260 list."""

    def __init__(self, entries: Mapping[str, str], *, as_of: date, source: str) -> None:
        for code in entries:
            if not _SIX_DIGITS.fullmatch(code):
                raise ValueError(f"division code {code!r} is not 6 digits")
        self.as_of = as_of
        self.source = source
        self._by_code = {
            code: Division(code, name, _level_of(code))
            for code, name in sorted(entries.items())
        }
        prefectures_with_counties = {
            d.prefecture
            for d in self._by_code.values()
            if d.level is DivisionLevel.COUNTY
        }
        # A prefecture-level city without counties (东莞, 中山, 儋州) is itself
        # the county-level unit that IDs and statistical codes name.
        self._county_level = tuple(
            d
            for d in self._by_code.values()
            if d.level is DivisionLevel.COUNTY
            or (
                d.level is DivisionLevel.PREFECTURE
                and d.code not in prefectures_with_counties
            )
        )
        self._county_codes = frozenset(d.code for d in self._county_level)

    @classmethod
    def load(cls) -> DivisionList:
        """Read the list shipped in domain/data/divisions.json."""
        resource = files("domain") / "data" / "divisions.json"
        document = json.loads(resource.read_text(encoding="utf-8"))
        return cls(
            document["divisions"],
            as_of=date.fromisoformat(document["as_of"]),
            source=document["source"],
        )

    def get(self, code: str) -> Division | None:
        """The division with this exact code, or None."""
        return self._by_code.get(code)

    def is_county_level(self, code: str) -> bool:
        """Whether the code names a county-level unit of the list."""
        return code in self._county_codes

    def county(self, raw: str, *, field: str) -> Division:
        """Parse a county-level code, refusing provinces and prefectures."""
        found = self.division(raw, field=field)
        if not self.is_county_level(found.code):
            raise InvalidCodeError(
                field,
                "not_county",
                f"Division {found.code} ({found.name}) is not a county",
                division=found.code,
                name=found.name,
            )
        return found

    def division(self, raw: str, *, field: str) -> Division:
        """Parse a code of any level."""
        code = unicodedata.normalize("NFKC", raw).strip()
        if not _SIX_DIGITS.fullmatch(code):
            raise InvalidCodeError(field, "format", "Division code should be 6 digits")
        found = self._by_code.get(code)
        if found is None:
            raise InvalidCodeError(
                field,
                "unknown_division",
                f"Division code {code} is not in the list as of {self.as_of}",
                division=code,
                as_of=self.as_of.isoformat(),
            )
        return found

    def counties_of(self, code: str) -> list[Division]:
        """The county-level units under a province or prefecture code."""
        level = _level_of(code)
        if code not in self._by_code or level is DivisionLevel.COUNTY:
            return []
        prefix = code[:2] if level is DivisionLevel.PROVINCE else code[:4]
        return [d for d in self._county_level if d.code.startswith(prefix)]

    def name_path(self, code: str) -> str:
        """The names from province down to this code, e.g. "山东省 淄博市 张店区"."""
        target = self._by_code.get(code)
        if target is None:
            raise KeyError(code)
        chain = [target.province, target.prefecture, target.code]
        names: list[str] = []
        for step in dict.fromkeys(chain):
            found = self._by_code.get(step)
            if found is None:
                continue
            if step != code and found.name in _PSEUDO_NAMES:
                continue
            if names and names[-1] == found.name:
                continue
            names.append(found.name)
        return " ".join(names)


@cache
def divisions() -> DivisionList:
    """The shipped division list, read once per process."""
    return DivisionList.load()


# --- 统计用区划代码 (National Bureau of Statistics) ------------------------------


class TownshipKind(StrEnum):
    """The kind of township-level unit its code range says it is."""

    SUBDISTRICT = "SUBDISTRICT"
    TOWN = "TOWN"
    TOWNSHIP = "TOWNSHIP"
    TOWNSHIP_LIKE = "TOWNSHIP_LIKE"


@dataclass(frozen=True)
class StatisticalCode:
    """A 12-digit statistical division code, township or village level."""

    value: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9]{12}", self.value):
            raise ValueError(f"{self.value!r} is not a 12-digit statistical code")

    @classmethod
    def parse(
        cls,
        raw: str,
        *,
        field: str = "residence_division",
        county: str | None = None,
        division_list: DivisionList | None = None,
    ) -> Checked[StatisticalCode]:
        """Parse a township (village 000) or village code of a known county."""
        text = unicodedata.normalize("NFKC", raw).strip()
        if not re.fullmatch(r"[0-9]{12}", text):
            raise InvalidCodeError(
                field, "format", "Statistical division code should be 12 digits"
            )
        if county is not None and text[:6] != county:
            raise InvalidCodeError(
                field,
                "county_mismatch",
                f"Statistical division code does not lie in county {county}",
                county=county,
            )
        known = divisions() if division_list is None else division_list
        if not known.is_county_level(text[:6]):
            raise InvalidCodeError(
                field,
                "unknown_division",
                f"County {text[:6]} is not in the list as of {known.as_of}",
                division=text[:6],
                as_of=known.as_of.isoformat(),
            )
        if not 1 <= int(text[6:9]) <= 599:
            raise InvalidCodeError(
                field, "township", "Township digits should be 001 to 599"
            )
        # 000 is how the statistics bureau writes a township's own code; no
        # village code in its 2023 list goes beyond 599.
        if int(text[9:12]) > 599:
            raise InvalidCodeError(
                field, "village", "Village digits should be 000 to 599"
            )
        return Checked(cls(text))

    @property
    def county(self) -> str:
        """The county-level code (digits 1-6)."""
        return self.value[:6]

    @property
    def township(self) -> str:
        """The township digits (7-9)."""
        return self.value[6:9]

    @property
    def village(self) -> str:
        """The village digits (10-12); 000 when the code names the township."""
        return self.value[9:12]

    @property
    def township_kind(self) -> TownshipKind:
        """Subdistrict, town, township or township-like unit, by code range."""
        number = int(self.township)
        if number < 100:
            return TownshipKind.SUBDISTRICT
        if number < 200:
            return TownshipKind.TOWN
        if number < 400:
            return TownshipKind.TOWNSHIP
        return TownshipKind.TOWNSHIP_LIKE

    def __str__(self) -> str:
        return self.value
