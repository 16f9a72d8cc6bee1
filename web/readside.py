"""After a command: what the next pages read.

The case page reads the case and its pending work from the case's own stream,
so it is current the moment a command returns; the lists (case list, queues,
dashboard) are views kept by the projection worker, a few milliseconds behind.
A command therefore does not wait for the views.  With
``HOMEWARD_INLINE_PROJECTIONS`` (tests, a single-process demo without a
worker) the request catches the views up itself, when no worker holds them.
"""

from __future__ import annotations

from flask import current_app

from application.cases import Saved


def settle(saved: Saved | None) -> None:
    """Catch the views up in-process when configured to (no worker runs then)."""
    from web import current_services

    if saved is None or not current_app.config.get("HOMEWARD_INLINE_PROJECTIONS"):
        return
    views = current_services().views
    for name in views.views:
        with views.lock(name, wait=False) as held:
            if held:
                views.catch_up(name)
