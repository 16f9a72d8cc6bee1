"""After a command: the pages that follow show what was just saved.

Views are kept by the projection worker; a page opened right after a save
waits (briefly, bounded) until the views hold it.  If the worker is behind
or down, the save stands and the next page is merely a little stale: the
wait gives up quietly.  With ``HOMEWARD_INLINE_PROJECTIONS`` (tests, a
single-process demo) the request catches the views up itself when no worker
holds them.
"""

from __future__ import annotations

import logging
import time

from flask import current_app

from application.cases import Saved

log = logging.getLogger(__name__)


#: What the pages right after a command read: the case page's pending work, the list.
#: Indicators and data quality may trail by a moment.
FOLLOWING_PAGES = ("case_list", "work_queue")


def settle(saved: Saved | None, timeout: float = 2.0,
           names: tuple[str, ...] = FOLLOWING_PAGES) -> bool:
    """Whether the views in ``names`` hold ``saved`` before ``timeout`` passed."""
    from web import current_services

    if saved is None or saved.notification_id is None:
        return True
    views = current_services().views
    if current_app.config.get("HOMEWARD_INLINE_PROJECTIONS"):
        for name in views.views:
            with views.lock(name, wait=False) as held:
                if held:
                    views.catch_up(name)
    deadline, pause = time.monotonic() + timeout, 0.005
    waiting = [views.views[name] for name in names]
    while waiting:
        waiting = [view for view in waiting
                   if not view.has_tracking_id(views.cases.name, saved.notification_id)]
        if not waiting:
            return True
        if time.monotonic() + pause > deadline:
            log.warning("views %s have not reached position %s after %.1f s",
                        [view.name for view in waiting], saved.notification_id, timeout)
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
    return True
