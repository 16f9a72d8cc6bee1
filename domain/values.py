"""Closed vocabularies and small value types of the case stream.

Events store the ``value`` of these enums (plain strings), so a stored event
never depends on a Python class; the enums check input and label it.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5
from zoneinfo import ZoneInfo

from domain.errors import InvalidValueError

BUREAU_TZ = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Today's date where the bureaus are (Asia/Shanghai)."""
    return datetime.now(BUREAU_TZ).date()


class IdType(StrEnum):
    RESIDENT_ID = "RESIDENT_ID"
    HK_MO_PERMIT = "HK_MO_PERMIT"
    TW_PERMIT = "TW_PERMIT"
    PASSPORT = "PASSPORT"


class ReturneeType(StrEnum):
    MIGRANT_WORKER = "MIGRANT_WORKER"
    GRADUATE = "GRADUATE"
    VETERAN = "VETERAN"
    OTHER = "OTHER"


class LoanGroup(StrEnum):
    """The ten borrower categories of 财金〔2018〕107号."""

    REGISTERED_UNEMPLOYED = "REGISTERED_UNEMPLOYED"
    EMPLOYMENT_DIFFICULTY = "EMPLOYMENT_DIFFICULTY"
    VETERAN = "VETERAN"
    RELEASED_PRISONER = "RELEASED_PRISONER"
    GRADUATE = "GRADUATE"
    OVERCAPACITY_WORKER = "OVERCAPACITY_WORKER"
    RETURNING_MIGRANT_WORKER = "RETURNING_MIGRANT_WORKER"
    ONLINE_MERCHANT = "ONLINE_MERCHANT"
    REGISTERED_POOR = "REGISTERED_POOR"
    RURAL_SELF_EMPLOYED = "RURAL_SELF_EMPLOYED"


class Stage(StrEnum):
    IDEA = "IDEA"
    PREPARING = "PREPARING"
    STARTED = "STARTED"
    OPERATING = "OPERATING"


class Need(StrEnum):
    PREMISES = "PREMISES"
    FINANCE_INFO = "FINANCE_INFO"
    OPENING_GUIDANCE = "OPENING_GUIDANCE"
    RECRUITMENT = "RECRUITMENT"
    POLICY = "POLICY"
    TRAINING = "TRAINING"
    MENTOR = "MENTOR"
    MARKETING = "MARKETING"


class Course(StrEnum):
    GYB = "GYB"
    SYB = "SYB"
    IYB = "IYB"
    EYB = "EYB"
    ONLINE_BUSINESS = "ONLINE_BUSINESS"
    SIMULATION = "SIMULATION"
    LIVESTREAM_ECOMMERCE = "LIVESTREAM_ECOMMERCE"
    SPECIAL = "SPECIAL"
    OTHER = "OTHER"


class TrainingResult(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    WITHDRAWN = "WITHDRAWN"


class PlanGrade(StrEnum):
    EXCELLENT = "EXCELLENT"
    PASS = "PASS"
    FAIL = "FAIL"
    NONE = "NONE"


class MentorLevel(StrEnum):
    NATIONAL = "NATIONAL"
    PROVINCIAL = "PROVINCIAL"
    CITY = "CITY"
    COUNTY = "COUNTY"


class SessionMode(StrEnum):
    VISIT = "VISIT"
    PHONE = "PHONE"
    ONLINE = "ONLINE"
    GROUP = "GROUP"


class ReleaseReason(StrEnum):
    COMPLETED = "COMPLETED"
    MENTOR_LEFT = "MENTOR_LEFT"
    MENTEE_REQUEST = "MENTEE_REQUEST"
    CASE_CLOSED = "CASE_CLOSED"


class Premises(StrEnum):
    OWN = "OWN"
    RENTED = "RENTED"
    INCUBATOR = "INCUBATOR"
    HOME = "HOME"


class JobsSource(StrEnum):
    SOCIAL_INSURANCE_DATA = "SOCIAL_INSURANCE_DATA"
    ROSTER = "ROSTER"
    SELF_REPORT = "SELF_REPORT"


class ContactMethod(StrEnum):
    VISIT = "VISIT"
    PHONE = "PHONE"
    WECHAT = "WECHAT"
    ONLINE = "ONLINE"
    EVENT = "EVENT"


class BusinessStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    PREPARING = "PREPARING"
    OPERATING = "OPERATING"
    SUSPENDED = "SUSPENDED"
    CLOSED = "CLOSED"


class Service(StrEnum):
    PREMISES = "PREMISES"
    FINANCE_INFO = "FINANCE_INFO"
    OPENING_GUIDANCE = "OPENING_GUIDANCE"
    RECRUITMENT = "RECRUITMENT"
    POLICY_BRIEFING = "POLICY_BRIEFING"
    RESOURCE_MATCHING = "RESOURCE_MATCHING"
    COMPETITION = "COMPETITION"
    NETWORK_GROUP = "NETWORK_GROUP"


class ClosureKind(StrEnum):
    DEREGISTERED = "DEREGISTERED"
    SUSPENDED = "SUSPENDED"


class CloseReason(StrEnum):
    FOLLOW_UP_COMPLETE = "FOLLOW_UP_COMPLETE"
    MOVED_AWAY = "MOVED_AWAY"
    OPTED_OUT = "OPTED_OUT"
    DECEASED = "DECEASED"
    DUPLICATE = "DUPLICATE"


E = TypeVar("E", bound=StrEnum)


def choice(enum: type[E], raw: object, field: str) -> E:
    """The member of ``enum`` named by ``raw``, or an error naming the field."""
    try:
        return enum(raw)
    except ValueError:
        raise InvalidValueError(
            field, "choice", f"must be one of {', '.join(enum)}", allowed=list(enum)
        ) from None


def choices(enum: type[E], raw: Iterable[object], field: str) -> list[str]:
    """A sorted, duplicate-free list of members of ``enum``."""
    return sorted({choice(enum, item, field).value for item in raw})


def text(raw: object, field: str, *, max_len: int, min_len: int = 1) -> str:
    """Trimmed, NFC-normalised text within the length bounds."""
    if not isinstance(raw, str):
        raise InvalidValueError(field, "type", "must be text")
    value = unicodedata.normalize("NFC", raw).strip()
    if len(value) < min_len:
        raise InvalidValueError(field, "required", "is required", min=min_len)
    if len(value) > max_len:
        raise InvalidValueError(
            field, "too_long", f"must be at most {max_len} characters", max=max_len
        )
    return value


def optional_text(raw: object, field: str, *, max_len: int) -> str | None:
    """Like :func:`text`, but empty input means no value."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return text(raw, field, max_len=max_len)


def count(raw: object, field: str, *, minimum: int = 0, maximum: int = 1_000_000) -> int:
    """A whole number within bounds (booleans are not numbers here)."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidValueError(field, "type", "must be a whole number")
    if raw < minimum:
        raise InvalidValueError(field, "too_small", f"must be at least {minimum}", min=minimum)
    if raw > maximum:
        raise InvalidValueError(field, "too_large", f"must be at most {maximum}", max=maximum)
    return raw


def a_date(raw: object, field: str) -> date:
    """A calendar date (a datetime is refused: effective dates have no time)."""
    if isinstance(raw, datetime) or not isinstance(raw, date):
        raise InvalidValueError(field, "type", "must be a date")
    return raw


_NAME_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·•\.\-' A-Za-z]+$")


def person_name(raw: object, field: str = "name") -> str:
    """A person's name: CJK characters, the middle dot and Latin letters, 1–50."""
    value = text(raw, field, max_len=50)
    value = value.replace("•", "·")
    if not _NAME_RE.match(value):
        raise InvalidValueError(
            field, "name_characters", "may hold Chinese characters, · and letters only"
        )
    return value


_CASE_NO_RE = re.compile(r"^[0-9A-Z][0-9A-Z\-]{2,31}$")
_CASE_NO_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def case_no(raw: object, field: str = "case_no") -> str:
    """A bureau-wide case number: 3–32 upper-case letters, digits and hyphens."""
    value = text(raw, field, max_len=32).upper()
    if not _CASE_NO_RE.match(value):
        raise InvalidValueError(
            field, "format", "must be 3–32 capital letters, digits or hyphens"
        )
    return value


def new_case_no(district: str, year: int) -> str:
    """A fresh case number such as ``370303-2024-7K3Q9M``."""
    tail = "".join(secrets.choice(_CASE_NO_ALPHABET) for _ in range(6))
    return f"{district}-{year}-{tail}"


def case_id_for(number: str) -> UUID:
    """The stream id of a case: derived from its number, so a number is used once."""
    return uuid5(NAMESPACE_URL, f"/homeward/cases/{number}")


def new_ref() -> str:
    """A fresh reference for a sub-record (training, pairing, business …)."""
    return uuid4().hex


def event_id_for(stream_id: UUID, version: int) -> UUID:
    """The stable id of the event at ``version`` of a stream."""
    return uuid5(stream_id, str(version))


class BorrowerKind(StrEnum):
    INDIVIDUAL = "INDIVIDUAL"
    PARTNERSHIP = "PARTNERSHIP"
    SMALL_MICRO = "SMALL_MICRO"


class Decision(StrEnum):
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class Guarantor(StrEnum):
    FUND = "FUND"
    GOV_GUARANTOR = "GOV_GUARANTOR"
    CREDIT_NO_GUARANTEE = "CREDIT_NO_GUARANTEE"


class SubsidyKind(StrEnum):
    ONE_TIME_STARTUP = "ONE_TIME_STARTUP"
    RENT = "RENT"
    JOB_CREATION = "JOB_CREATION"
    SOCIAL_INSURANCE = "SOCIAL_INSURANCE"
    GUARANTEE_FEE = "GUARANTEE_FEE"
    TRAINING = "TRAINING"
