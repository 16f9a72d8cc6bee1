"""Where settings and secrets come from, in development and in production."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from infrastructure.keys import generate_keys
from infrastructure.settings import ConfigurationError, Settings


def test_development_needs_nothing_set_and_keeps_its_generated_keys(tmp_path: Path) -> None:
    env = {"HOMEWARD_INSTANCE_PATH": str(tmp_path)}

    first, second = Settings.from_env(env), Settings.from_env(env)

    assert first.keys == second.keys
    assert first.database_url == f"sqlite:///{tmp_path / 'homeward.sqlite3'}"
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600


def test_production_without_keys_stops_with_a_message_naming_them(tmp_path: Path) -> None:
    env = {"HOMEWARD_INSTANCE_PATH": str(tmp_path), "HOMEWARD_ENV": "production",
           "HOMEWARD_DATABASE_URL": "postgresql://postgres@127.0.0.1/test"}

    with pytest.raises(ConfigurationError) as stopped:
        Settings.from_env(env)

    assert "HOMEWARD_CIPHER_KEY" in str(stopped.value)
    assert "HOMEWARD_IDENTITY_KEY" in str(stopped.value)
    assert not (tmp_path / "keys.json").exists()


def test_production_takes_every_key_from_the_environment(tmp_path: Path) -> None:
    keys = generate_keys()
    env = {"HOMEWARD_INSTANCE_PATH": str(tmp_path), "HOMEWARD_ENV": "production",
           "HOMEWARD_DATABASE_URL": "postgresql://postgres@127.0.0.1/test",
           "HOMEWARD_CIPHER_KEY": keys.cipher_key, "HOMEWARD_IDENTITY_KEY": keys.identity_key,
           "HOMEWARD_SECRET_KEY": keys.secret_key}

    settings = Settings.from_env(env)

    assert settings.keys == keys
    assert settings.eventsourcing_env()["POSTGRES_DBNAME"] == "test"


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("HOMEWARD_ENV", "staging", "HOMEWARD_ENV"),
    ("HOMEWARD_CIPHER_KEY", "not-base64!", "HOMEWARD_CIPHER_KEY"),
    ("HOMEWARD_CIPHER_KEY", "c2hvcnQ=", "16, 24 or 32 bytes"),
])
def test_a_bad_setting_is_named(tmp_path: Path, variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as stopped:
        Settings.from_env({"HOMEWARD_INSTANCE_PATH": str(tmp_path), variable: value})

    assert message in str(stopped.value)


def test_an_unknown_store_url_is_refused(tmp_path: Path) -> None:
    settings = Settings.from_env({"HOMEWARD_INSTANCE_PATH": str(tmp_path),
                                  "HOMEWARD_DATABASE_URL": "mysql://x/y"})

    with pytest.raises(ConfigurationError, match="sqlite:/// or postgresql://"):
        settings.eventsourcing_env()


def test_identity_hashes_are_keyed(tmp_path: Path) -> None:
    one, two = generate_keys(), generate_keys()

    a, b = one.identity_hasher()("11010519491231002X"), two.identity_hasher()("11010519491231002X")

    assert a != b and len(a) == 64
    assert "11010519491231002X" not in a
