"""Errors of the application layer: the store's errors in Homeward's words."""

from __future__ import annotations

from uuid import UUID


class ConcurrentEditError(Exception):
    """Raised when a case changed after the caller loaded it; reload and re-apply."""

    def __init__(self, case_id: UUID, expected_version: int, actual_version: int | None) -> None:
        super().__init__(
            f"case {case_id} changed: you had version {expected_version}, "
            f"it is now at version {actual_version}"
        )
        self.case_id = case_id
        self.expected_version = expected_version
        self.actual_version = actual_version


class CaseNotFoundError(Exception):
    """Raised when no case has the given id or number."""

    def __init__(self, case: UUID | str) -> None:
        super().__init__(f"no case {case}")
        self.case = case
