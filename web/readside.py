"""After a command: the pages that follow show what was just saved.

Views are kept by the projection worker; a page opened right after a save
waits (briefly, bounded) until the views hold it.  With
``HOMEWARD_INLINE_PROJECTIONS`` (tests, a single-process demo) the request
catches the views up itself when no worker holds them.
"""

from __future__ import annotations

from flask import current_app

from application.cases import Saved


def settle(saved: Saved | None, timeout: float = 2.0) -> None:
    """Return once every view holds ``saved`` (or ``timeout`` passed)."""
    from web import current_services

    if saved is None or saved.notification_id is None:
        return
    views = current_services().views
    if current_app.config.get("HOMEWARD_INLINE_PROJECTIONS"):
        for name in views.views:
            with views.lock(name, wait=False) as held:
                if held:
                    views.catch_up(name)
    views.wait(saved.notification_id, timeout=timeout)
