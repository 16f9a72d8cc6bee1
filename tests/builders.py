"""Valid inputs for tests, with overrides (fresh numbers each time)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from domain.codes import id_check_character, uscc_check_character
from domain.values import today

_rng = random.Random()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


_issued: set[str] = set()


def an_id_number(district: str = "370303", born: date | None = None,
                 sex: str = "M") -> str:
    """A valid resident ID number not issued before in this run (odd sequence = male)."""
    while True:
        birth = born or date(1970, 1, 1) + timedelta(days=_rng.randrange(30 * 365))
        seq = _rng.randrange(0, 1000)
        if (seq % 2 == 1) != (sex == "M"):
            seq = (seq + 1) % 1000
        first17 = f"{district}{birth:%Y%m%d}{seq:03d}"
        if first17 not in _issued:
            _issued.add(first17)
            return first17 + id_check_character(first17)


def a_uscc(prefix: str = "92", district: str = "370303") -> str:
    """A fresh valid USCC with the given registration prefix."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = prefix + district + "".join(_rng.choice(alphabet) for _ in range(9))
    return first17 + uscc_check_character(first17)


def a_case_no() -> str:
    return f"T-{_rng.randrange(10**12):012d}"


def enrolment(**overrides: Any) -> dict[str, Any]:
    """Fields of a valid enrolment in Zibo's 张店区, a year after the return home."""
    fields: dict[str, Any] = dict(
        case_no=a_case_no(), name="张三", id_type="RESIDENT_ID", id_number=an_id_number(),
        mobile=f"138{_rng.randrange(10**8):08d}", hukou_division="370303",
        owning_district="370303",
        residence_division="370303100201", returnee_type="MIGRANT_WORKER",
        loan_groups=["RETURNING_MIGRANT_WORKER"], returned_on=days_ago(400),
        caseworker_id="cw-1", occurred_on=days_ago(380),
    )
    fields.update(overrides)
    return fields


#: The training provider and class ``training()`` names (``tests.registries`` registers them).
PROVIDER_USCC = "52370300MJD000011D"
CLASS_NO = "KB-2025-001"


def training(**overrides: Any) -> dict[str, Any]:
    """A subsidised SYB class starting a year ago."""
    fields: dict[str, Any] = dict(
        occurred_on=days_ago(370), course="SYB", provider_uscc=PROVIDER_USCC,
        start_on=days_ago(365), planned_hours=80, subsidised=True,
        class_approval_no=CLASS_NO,
    )
    fields.update(overrides)
    return fields
