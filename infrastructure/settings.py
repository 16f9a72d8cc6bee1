"""Settings, read from the environment in one place.

Development needs nothing set: the store is a SQLite file under
``instance/`` and keys are generated there once.  Production
(``HOMEWARD_ENV=production``) refuses to start without its keys.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from infrastructure.keys import Keys, load_keys


class ConfigurationError(Exception):
    """Raised when the environment does not describe a usable configuration."""


@dataclass(frozen=True)
class Settings:
    """Everything a Homeward process needs to know about its surroundings."""

    database_url: str
    instance_path: Path
    production: bool
    keys: Keys
    rules_dir: Path | None = None
    #: How long a write waits for the store's lock before the request gets a 503.
    store_timeout: str = "10"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``HOMEWARD_*`` variables (``os.environ`` by default)."""
        env = os.environ if environ is None else environ
        instance = Path(env.get("HOMEWARD_INSTANCE_PATH") or Path.cwd() / "instance").resolve()
        mode = env.get("HOMEWARD_ENV", "development")
        if mode not in ("development", "production"):
            raise ConfigurationError(
                f"HOMEWARD_ENV must be 'development' or 'production', not {mode!r}"
            )
        production = mode == "production"
        url = env.get("HOMEWARD_DATABASE_URL") or f"sqlite:///{instance / 'homeward.sqlite3'}"
        if production and url.startswith("sqlite:") and not env.get("HOMEWARD_DATABASE_URL"):
            raise ConfigurationError(
                "HOMEWARD_DATABASE_URL is not set: production needs an explicit store"
            )
        rules = env.get("HOMEWARD_RULES_DIR")
        try:
            keys = load_keys(env, instance, production=production)
        except ValueError as error:
            raise ConfigurationError(str(error)) from None
        timeout = env.get("HOMEWARD_STORE_TIMEOUT", "10")
        try:
            if not 1 <= int(timeout) <= 600:
                raise ValueError(timeout)
        except ValueError:
            raise ConfigurationError(
                f"HOMEWARD_STORE_TIMEOUT must be whole seconds from 1 to 600, not {timeout!r}"
            ) from None
        return cls(url, instance, production, keys, Path(rules) if rules else None, timeout)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql:", "postgres:"))

    def eventsourcing_env(self) -> dict[str, str]:
        """The library's settings for the ``Cases`` application."""
        env = {
            "CIPHER_KEY": self.keys.cipher_key,
            # AES-GCM through OpenSSL (the ``cryptography`` package): the same stored
            # layout as the pycryptodome cipher, decrypting some 25 times faster.
            "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
            "IDENTITY_KEY": self.keys.identity_key,
            # Cases recently worked on stay in memory; each load still reads (and
            # applies) whatever other processes recorded since, so it is never stale.
            "AGGREGATE_CACHE_MAXSIZE": "2000",
        }
        if self.is_postgres:
            return env | postgres_env(self.database_url) | {
                "POSTGRES_LOCK_TIMEOUT": self.store_timeout,
                "APPLICATION_RECORDER_TOPIC": "infrastructure.postgres:PostgresRecorder"}
        if not self.database_url.startswith("sqlite:///"):
            raise ConfigurationError(
                "HOMEWARD_DATABASE_URL must start with sqlite:/// or postgresql://"
            )
        path = Path(self.database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return env | {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": self.store_timeout,
        }


def postgres_env(url: str) -> dict[str, str]:
    """``postgresql://user:password@host:port/db?schema=name`` as library settings."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if not parts.path.strip("/"):
        raise ConfigurationError("HOMEWARD_DATABASE_URL names no database")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")),
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": query.get("schema", ["public"])[0],
        "POSTGRES_CONNECT_TIMEOUT": "5",
        # Writers queue for the events table's lock; never wait forever.
        "POSTGRES_LOCK_TIMEOUT": "10",
        # A web worker serves one request at a time: two connections kept open, more
        # only while needed (the server's max_connections is shared by every process).
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "8",
    }
