"""Commands run on aggregates held in memory: checked as when saved, then kept or dropped.

Inside ``with cases.staged() as staging:`` a command of ``Cases`` reads its case
(and the unique keys it claims) once from the store and keeps it, runs the very
checks it runs when it saves and triggers the same events, but saves nothing:
the changed aggregates stay in the staging, so a later command on the same
case sees the events of the earlier ones.  The caller then saves them all in
one transaction (``cases.save(*staging.changed)``), or drops them, which is a
dry run.  A command that fails may have changed its case half-way (a registry
check after the event): drop the staging it ran in.

A staging may start from the aggregates another one changed (``base``): it
works on copies of them, so dropping it leaves the base as it was.  An
importer keeps a batch of rows so, each row in its own staging, and saves the
batch at once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

_current: ContextVar[Staging | None] = ContextVar("homeward_staging", default=None)


class Staging:
    """The aggregates read and changed by the commands run inside it."""

    def __init__(self, base: Mapping[UUID, Any] | None = None) -> None:
        self._base = base or {}
        self._held: dict[UUID, Any] = {}
        self._changed: dict[UUID, Any] = {}

    def held(self, aggregate_id: UUID, load: Callable[[], Any]) -> Any:
        """The aggregate as the staging's commands left it (read from the store once)."""
        found = self._held.get(aggregate_id)
        if found is None:
            base = self._base.get(aggregate_id)
            found = copy.deepcopy(base) if base is not None else load()
            self._held[aggregate_id] = found
        return found

    def keep(self, *aggregates: Any) -> None:
        """Mark aggregates as changed: their pending events are to be saved."""
        for aggregate in aggregates:
            self._changed[aggregate.id] = aggregate

    @property
    def changed(self) -> dict[UUID, Any]:
        """The changed aggregates by id, in the order they were first changed."""
        return dict(self._changed)


def current_staging() -> Staging | None:
    """The staging the current context's commands run in, if any."""
    return _current.get()


@contextmanager
def staging(base: Mapping[UUID, Any] | None = None) -> Iterator[Staging]:
    """Run the commands inside without saving (see the module's docstring)."""
    token = _current.set(Staging(base))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)
