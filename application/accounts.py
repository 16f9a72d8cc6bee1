"""Accounts: adding, changing and authenticating the people who use Homeward.

Every change is kept as an append-only row (who changed what, when), so an
account has an audited history like a case.  Logins are throttled by user
name and by client address through the store, so the limit holds across
all web workers and hosts.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from time import monotonic
from typing import Any, Protocol
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.accounts import (
    Account,
    account_id_for,
    check_district,
    check_language,
    check_password,
    check_role,
    check_username,
)
from domain.errors import DomainError, DuplicateError, InvalidValueError
from domain.recording import Role

THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LIMIT = 5  # failures per user name (or 4x per address) in the window
ACCOUNT_TTL = 2.0  # seconds an account read for a request is reused by the next ones


class AccountNotFoundError(DomainError):
    """Raised when no account has the user name given."""

    kind = "not_found"

    def __init__(self, username: str) -> None:
        super().__init__("username", "unknown_account", f"No account {username!r}",
                         username=username)


class LoginRefusedError(Exception):
    """Raised when a user name and password do not match an active account."""


class LoginThrottledError(Exception):
    """Raised when too many logins failed lately for this user name or address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class AccountChange:
    """One row of an account's history."""

    username: str
    change: str
    detail: dict[str, Any]
    actor: str
    at: datetime


class AccountStore(Protocol):
    """Where accounts live (SQL tables beside the event store)."""

    def get(self, account_id: UUID) -> tuple[Account, str] | None: ...
    def list(self) -> Sequence[Account]: ...
    def add(self, account: Account, password_hash: str, change: AccountChange) -> None: ...
    def save(self, account: Account, password_hash: str | None,
             change: AccountChange) -> None: ...
    def history(self, account_id: UUID) -> Iterator[AccountChange]: ...
    def add_token(self, account_id: UUID, token_hash: str, change: AccountChange) -> None: ...
    def account_for_token(self, token_hash: str) -> UUID | None: ...
    def failures_since(self, keys: Sequence[str], since: datetime) -> dict[str, list[datetime]]: ...
    def record_failure(self, keys: Sequence[str], at: datetime) -> None: ...
    def clear_failures(self, key: str) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """The accounts service used by the web app and the CLI."""

    def __init__(self, store: AccountStore, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self.hasher = hasher or PasswordHasher()
        self._recent: dict[UUID, tuple[float, Account | None]] = {}
        self._tokens: dict[str, tuple[float, UUID]] = {}
        # Verifying a password for an unknown name costs the same as for a known one.
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))

    # -------------------------------------------------------------- queries
    def find(self, username: str) -> Account | None:
        """The account with this user name, or None."""
        try:
            found = self.store.get(account_id_for(check_username(username)))
        except InvalidValueError:
            return None
        return found[0] if found else None

    def get(self, account_id: UUID) -> Account | None:
        """The account with this id, or None (every request asks: kept for a moment).

        A change made by this process is seen at once; one made by another web
        process within :data:`ACCOUNT_TTL` seconds, so a disabled account's
        sessions end within that time on every host.
        """
        now = monotonic()
        cached = self._recent.get(account_id)
        if cached is not None and now - cached[0] < ACCOUNT_TTL:
            return cached[1]
        found = self.store.get(account_id)
        account = found[0] if found else None
        if len(self._recent) > 10_000:
            self._recent.clear()
        self._recent[account_id] = (now, account)
        return account

    def list(self) -> Sequence[Account]:
        """Every account, by user name."""
        return self.store.list()

    def history(self, username: str) -> list[AccountChange]:
        """Who changed this account, what and when."""
        return list(self.store.history(self._require(username).id))

    # ------------------------------------------------------------- commands
    def add(self, *, username: str, password: str, role: str, district: str,
            display_name: str = "", language: str = "zh_CN", actor: str = "system") -> Account:
        """Open an account."""
        name = check_username(username)
        role_ = check_role(role)
        account = Account(
            id=account_id_for(name), username=name,
            display_name=(display_name or name).strip()[:80], role=role_,
            district=check_district(district, role_), language=check_language(language),
        )
        if self.store.get(account.id):
            raise DuplicateError("username", "account_exists", f"Account {name!r} exists",
                                 username=name)
        digest = self.hasher.hash(check_password(password))
        self.store.add(account, digest, self._change(account, "added", actor,
                                                     role=role_.value, district=account.district))
        self._recent.pop(account.id, None)
        return account

    def disable(self, username: str, *, actor: str = "system") -> Account:
        """Stop an account from logging in; its history stays."""
        return self._update(username, actor, "disabled", active=False)

    def enable(self, username: str, *, actor: str = "system") -> Account:
        """Let a disabled account log in again."""
        return self._update(username, actor, "enabled", active=True)

    def set_role(self, username: str, role: str, *, district: str | None = None,
                 actor: str = "system") -> Account:
        """Give an account another role (and district)."""
        account = self._require(username)
        role_ = check_role(role)
        district_ = check_district(district or account.district, role_)
        return self._update(username, actor, "role_set", role=role_, district=district_)

    def set_language(self, account_id: UUID, language: str) -> Account:
        """The language the account's pages are shown in."""
        account = self.get(account_id)
        if account is None:
            raise AccountNotFoundError(str(account_id))
        return self._update(account.username, account.username, "language_set",
                            language=check_language(language))

    def set_password(self, username: str, password: str, *, actor: str = "system") -> Account:
        """Replace an account's password."""
        account = self._require(username)
        digest = self.hasher.hash(check_password(password))
        self.store.save(account, digest, self._change(account, "password_set", actor))
        return account

    def issue_token(self, username: str, *, actor: str = "system") -> str:
        """A new API token for the account (shown once; only its digest is kept)."""
        account = self._require(username)
        token = "hw_" + secrets.token_urlsafe(32)
        self.store.add_token(account.id, token_digest(token),
                             self._change(account, "token_issued", actor))
        return token

    def by_token(self, token: str) -> Account | None:
        """The active account an API token belongs to, or None.

        Every API call asks, so a known token's account id is kept for
        :data:`ACCOUNT_TTL` seconds, as accounts are; an unknown token is asked
        of the store each time (a token just issued elsewhere works at once).
        """
        digest, now = token_digest(token.strip()), monotonic()
        cached = self._tokens.get(digest)
        if cached is not None and now - cached[0] < ACCOUNT_TTL:
            found: UUID | None = cached[1]
        else:
            found = self.store.account_for_token(digest)
            if found is not None:
                if len(self._tokens) > 10_000:
                    self._tokens.clear()
                self._tokens[digest] = (now, found)
        account = self.get(found) if found else None
        return account if account and account.active else None

    def authenticate(self, username: str, password: str, *, address: str = "") -> Account:
        """The account if the password matches; failures are counted and throttled."""
        name = str(username).strip().lower()
        keys = [f"user:{name}"] + ([f"addr:{address}"] if address else [])
        self._check_throttle(keys)
        found = None
        try:
            found = self.store.get(account_id_for(check_username(name)))
        except InvalidValueError:
            pass
        digest = found[1] if found else self._dummy_hash
        try:
            self.hasher.verify(digest, password)
            ok = found is not None and found[0].active
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or found is None:
            self.store.record_failure(keys, _now())
            raise LoginRefusedError(name)
        account = found[0]
        self.store.clear_failures(f"user:{name}")
        if self.hasher.check_needs_rehash(digest):
            self.store.save(account, self.hasher.hash(password),
                            self._change(account, "password_rehashed", account.username))
        return account

    # -------------------------------------------------------------- helpers
    def _check_throttle(self, keys: list[str]) -> None:
        now = _now()
        failures = self.store.failures_since(keys, now - THROTTLE_WINDOW)
        for key, times in failures.items():
            limit = THROTTLE_LIMIT * (4 if key.startswith("addr:") else 1)
            if len(times) >= limit:
                oldest = sorted(times)[-limit]
                wait = (oldest + THROTTLE_WINDOW - now).total_seconds()
                raise LoginThrottledError(max(1, int(wait) + 1))

    def _require(self, username: str) -> Account:
        account = self.find(username)
        if account is None:
            raise AccountNotFoundError(username)
        return account

    def _update(self, username: str, actor: str, change: str, **fields: Any) -> Account:
        account = replace(self._require(username), **fields)
        detail = {k: (v.value if isinstance(v, Role) else v) for k, v in fields.items()}
        self.store.save(account, None, self._change(account, change, actor, **detail))
        self._recent.pop(account.id, None)
        return account

    @staticmethod
    def _change(account: Account, change: str, actor: str, **detail: Any) -> AccountChange:
        return AccountChange(account.username, change, detail, actor, _now())
