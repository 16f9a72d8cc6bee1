"""Who may use Homeward, and which cases each of them may read and write.

An account has one role and one district (a GB/T 2260 code).  Access follows
the district tree: a county caseworker works on that county's cases, a
supervisor of a county on its cases, of a prefecture (市) on its counties, of
a province on all of it.  Investigators read everything and write nothing;
administrators manage accounts, targets and views, not cases.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from uuid import UUID, uuid5

from domain.divisions import DivisionLevel, divisions
from domain.errors import InvalidValueError
from domain.recording import Role

ACCOUNTS_NAMESPACE = UUID("6f1c9a52-3d0b-4c55-9a44-7f3e2a1b8c01")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
LANGUAGES = ("zh_CN", "en")


#: The roles an account can hold (``SYSTEM`` records only what Homeward does itself).
ACCOUNT_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.INVESTIGATOR, Role.ADMIN)


@dataclass(frozen=True)
class Account:
    """An account as it stands."""

    id: UUID
    username: str
    display_name: str
    role: Role
    district: str
    active: bool = True
    language: str = "zh_CN"

    def covers(self, district: str) -> bool:
        """Whether ``district`` lies inside this account's district."""
        mine = self.district
        if mine.endswith("0000"):
            return district[:2] == mine[:2]
        if mine.endswith("00"):
            return district[:4] == mine[:4]
        return district == mine

    def may_read(self, district: str) -> bool:
        """Whether this account may see a case of ``district``."""
        if not self.active:
            return False
        if self.role is Role.INVESTIGATOR:
            return True
        if self.role in (Role.CASEWORKER, Role.SUPERVISOR):
            return self.covers(district)
        return False

    def may_write(self, district: str) -> bool:
        """Whether this account may record events on a case of ``district``."""
        return self.role in (Role.CASEWORKER, Role.SUPERVISOR) and self.may_read(district)

    @property
    def may_supervise(self) -> bool:
        """Approvals, certifications, grants, reassignments and dashboards."""
        return self.active and self.role is Role.SUPERVISOR

    @property
    def may_reveal_in_bulk(self) -> bool:
        """Exports with personal data in clear (each one audited)."""
        return self.active and self.role in (Role.SUPERVISOR, Role.INVESTIGATOR)

    @property
    def may_administer(self) -> bool:
        return self.active and self.role is Role.ADMIN


def account_id_for(username: str) -> UUID:
    """The stable id of the account with this user name."""
    return uuid5(ACCOUNTS_NAMESPACE, username)


def check_username(raw: str) -> str:
    name = unicodedata.normalize("NFKC", str(raw)).strip().lower()
    if not _USERNAME.fullmatch(name):
        raise InvalidValueError(
            "username", "bad_username",
            "User name: 2-40 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return name


def check_role(raw: str) -> Role:
    value = str(raw).strip().lower()
    for role in ACCOUNT_ROLES:
        if role.value == value:
            return role
    raise InvalidValueError(
        "role", "bad_role", f"Role must be one of {', '.join(r.value for r in ACCOUNT_ROLES)}",
    )


def check_district(raw: str, role: Role) -> str:
    """A division code at a level the role can hold (caseworkers work in a county)."""
    division = divisions().division(str(raw), field="district")
    if role is Role.CASEWORKER and division.level is not DivisionLevel.COUNTY:
        return divisions().county(str(raw), field="district").code
    return division.code


def check_language(raw: str) -> str:
    value = str(raw).strip()
    if value not in LANGUAGES:
        raise InvalidValueError("language", "bad_language",
                                f"Language must be one of {', '.join(LANGUAGES)}")
    return value


def check_password(raw: str) -> str:
    if not 10 <= len(raw) <= 200:
        raise InvalidValueError("password", "weak_password",
                                "Password: at least 10 and at most 200 characters")
    return raw
