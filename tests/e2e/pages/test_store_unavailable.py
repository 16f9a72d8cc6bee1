"""A store that cannot take a write right now answers 503 with Retry-After, never a 500."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import AuthActions, add_accounts, build_app, make_settings
from tests.e2e.pages.test_commands import D, a_story, url


@pytest.fixture
def impatient_app(tmp_path: Path) -> Iterator[Flask]:
    """The app on a SQLite file, waiting one second for the write lock."""
    settings = make_settings(f"sqlite:///{tmp_path / 'events.sqlite3'}", tmp_path / "instance",
                             HOMEWARD_STORE_TIMEOUT="1")
    app = build_app(settings)
    yield app
    app.extensions["homeward"].close()


def test_a_save_while_another_process_holds_the_store_is_503_and_can_be_retried(
    impatient_app: Flask, tmp_path: Path,
) -> None:
    story = a_story(impatient_app)
    auth = AuthActions(impatient_app.test_client(), add_accounts(impatient_app))
    auth.login("caseworker")
    form = {"occurred_on": D, "stage": "IDEA", "needs": ["PREMISES"],
            "expected_version": str(story.version),
            "csrf_token": auth.csrf_token(url(story, "assess-needs"))}
    before = story.last_notification()
    # Another process (a backup, a long import) holds the file's write lock.
    holder = sqlite3.connect(tmp_path / "events.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        refused = auth.client.post(url(story, "assess-needs"), data=form)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) > 0
    assert "服务暂时不可用" in refused.get_data(as_text=True)
    assert story.last_notification() == before
    again = auth.client.post(url(story, "assess-needs"), data=form)
    assert again.status_code == 302
    assert story.events()[-1] == "NeedsAssessed"


def test_a_bad_store_timeout_is_refused_at_start() -> None:
    from infrastructure.settings import ConfigurationError, Settings

    with pytest.raises(ConfigurationError, match="HOMEWARD_STORE_TIMEOUT"):
        Settings.from_env({"HOMEWARD_STORE_TIMEOUT": "soon"})
