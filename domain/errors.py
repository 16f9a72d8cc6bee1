"""Errors the domain raises when a command breaks a rule.

Every error names the field it concerns (``field``), a stable machine code
(``code``, used as the translation key by the web layer) and the values that
the message needs (``params``).  The English ``message`` is for logs and the
command line; the web layer translates ``code`` with ``params``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Raised when a command breaks a rule of the domain."""

    #: HTTP-ish kind: "invalid" (bad value, 422) or "conflict" (wrong state, 409).
    kind = "invalid"

    def __init__(
        self, field: str, code: str, message: str, **params: Any
    ) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InvalidValueError(DomainError):
    """Raised when a field's value is malformed or out of its allowed range."""


class InvalidCodeError(InvalidValueError):
    """Raised when an ID number, USCC, division code or phone number fails its check."""


class RuleViolationError(DomainError):
    """Raised when a value is well formed but a policy rule in force refuses it."""


class StateConflictError(DomainError):
    """Raised when the case is not in a state that allows the command."""

    kind = "conflict"


class CaseClosedError(StateConflictError):
    """Raised when a command other than reopen or correct is given for a closed case."""


class CaseNotClosedError(StateConflictError):
    """Raised when a closed-case command (reopen) is given for an open case."""


class DuplicateError(StateConflictError):
    """Raised when a value that must be unique is already held by another record."""


class NoRecorderError(Exception):
    """Raised when an event would be recorded without an actor in the recording context."""


class RuleSetError(Exception):
    """Raised when a rule-set data file is malformed or has no version for a date."""
