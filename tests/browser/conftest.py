"""A live server on 127.0.0.1 and Debian's chromium driven by Playwright.

Every page load is watched: a request to any host but the live server, or a
console error, fails the test (bureau intranets are offline; nothing may load
from outside).  Screenshots of the main pages go to ``tests/browser/screenshots``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from domain.accounts import Account
from tests.conftest import PASSWORD, add_accounts, assert_all_translated, build_app, make_settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).parent / "screenshots"

pytestmark = pytest.mark.browser


@dataclass
class LiveServer:
    url: str
    app: Flask
    accounts: dict[str, Account]

    @property
    def services(self) -> Any:
        return self.app.extensions["homeward"]

    def catch_up(self) -> None:
        """Bring every view up to date with events recorded straight through ``Cases``."""
        views = self.services.views
        for name in views.views:
            views.catch_up(name)

    def head(self) -> int:
        """The position of the last event recorded."""
        return int(self.services.cases.recorder.max_notification_id() or 0)


def files_read_whole(app: Flask) -> WSGIApplication:
    """The app, with every response of known length (a static file) read whole and closed
    before it is sent.

    Werkzeug's development server skips closing a response when the browser drops
    the connection while the server drains the request (a page left mid-load); the
    open file is then closed only when collected, with a ``ResourceWarning`` that the
    suite treats as an error.  Streamed responses (no length) pass through as they are.
    """

    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        sized = False

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal sized
            sized = any(name.lower() == "content-length" for name, _ in headers)
            return start_response(status, headers, exc_info)

        body = app(environ, start)
        if not sized:
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return serve


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real app served by a real HTTP server on a free loopback port."""
    settings = make_settings(f"sqlite:///{tmp_path / 'events.sqlite3'}", tmp_path / "instance")
    app = build_app(settings, WTF_CSRF_SSL_STRICT=False)
    accounts = add_accounts(app)
    server = make_server("127.0.0.1", 0, files_read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, accounts)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        app.extensions["homeward"].close()
    assert_all_translated(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What the pages of one browser context did that they must not."""

    origin: str
    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.outside, f"requests left the machine: {self.outside}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


class Session:
    """One person at one browser: a context, a page, and the watch on both."""

    def __init__(self, browser: Browser, server: LiveServer, **options: Any) -> None:
        self.server = server
        self.watch = Watch(server.url)
        self.context: BrowserContext = browser.new_context(base_url=server.url, **options)
        self.context.route("**/*", self._only_loopback)
        self.page: Page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.watch.console_errors.append(str(error)))

    def _only_loopback(self, route: Any) -> None:
        if route.request.url.startswith(self.server.url):
            route.continue_()
        else:
            self.watch.outside.append(route.request.url)
            route.abort()

    def _console(self, message: Any) -> None:
        # A refused form answers 4xx on purpose; Chromium logs that as a failed load
        # of the page itself, which is not an error of the page.
        own_document = message.location.get("url") == self.page.url
        if message.type == "error" and not (
                own_document and message.text.startswith("Failed to load resource")):
            self.watch.console_errors.append(f"{message.text} ({message.location})")

    def login(self, key: str) -> Page:
        page = self.page
        page.goto("/login")
        page.fill("#username", self.server.accounts[key].username)
        page.fill("#password", PASSWORD)
        page.click("button.primary")
        page.wait_for_load_state()
        return page

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        self.watch.check()


@pytest.fixture
def open_session(browser: Browser, live_server: LiveServer) -> Iterator[Any]:
    """``open_session(viewport=...)`` opens a browser context; all are checked at the end."""
    sessions: list[Session] = []

    def open_one(**options: Any) -> Session:
        sessions.append(Session(browser, live_server, **options))
        return sessions[-1]

    yield open_one
    for session in sessions:
        session.close()
