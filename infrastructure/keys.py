"""The secrets Homeward needs, and where they come from.

- ``cipher_key``: AES-GCM key (base64) that encrypts every stored event.
- ``identity_key``: HMAC key for the keyed hash of ID numbers (unique index,
  and later the case list's search), so no ID number is stored in clear.
- ``secret_key``: signs web sessions.

In development a missing key is generated once into ``instance/keys.json``
(readable by its owner only); in production each must come from the
environment, and a missing one stops start-up.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from eventsourcing.cipher import AESCipher

from application.identity import keyed_hasher

VARIABLES = {
    "cipher_key": "HOMEWARD_CIPHER_KEY",
    "identity_key": "HOMEWARD_IDENTITY_KEY",
    "secret_key": "HOMEWARD_SECRET_KEY",
}


@dataclass(frozen=True)
class Keys:
    cipher_key: str
    identity_key: str
    secret_key: str

    def identity_hasher(self) -> Callable[[str], str]:
        """HMAC-SHA256 of a value under the identity key, hex."""
        return keyed_hasher(self.identity_key)


def generate_keys() -> Keys:
    """Fresh random keys."""
    return Keys(
        cipher_key=AESCipher.create_key(32),
        identity_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        secret_key=secrets.token_urlsafe(32),
    )


def load_keys(env: Mapping[str, str], instance: Path, *, production: bool) -> Keys:
    """Keys from the environment; in development, from or into ``instance/keys.json``."""
    given = {name: env.get(var, "") for name, var in VARIABLES.items()}
    if production:
        missing = [VARIABLES[name] for name, value in given.items() if not value]
        if missing:
            raise ValueError(
                f"{', '.join(missing)} not set: production mode needs every key from the "
                "environment (generate them with `homeward keys generate`)"
            )
        keys = Keys(**given)
    else:
        keys = Keys(**{**_development_keys(instance), **{k: v for k, v in given.items() if v}})
    _check(keys)
    return keys


def _development_keys(instance: Path) -> dict[str, str]:
    path = instance / "keys.json"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        # Written aside and linked into place, so that processes starting together
        # agree on one set of keys and nobody reads a half-written file.
        fd, tmp = tempfile.mkstemp(dir=instance, prefix=".keys-")
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(asdict(generate_keys()), file, indent=2)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return dict(json.loads(path.read_text("utf-8")))


def _check(keys: Keys) -> None:
    try:
        if len(base64.b64decode(keys.cipher_key, validate=True)) not in (16, 24, 32):
            raise ValueError
    except ValueError:
        raise ValueError(
            "HOMEWARD_CIPHER_KEY must be a base64 AES key of 16, 24 or 32 bytes"
        ) from None
    try:
        base64.b64decode(keys.identity_key, validate=True)
    except ValueError:
        raise ValueError("HOMEWARD_IDENTITY_KEY must be base64") from None
