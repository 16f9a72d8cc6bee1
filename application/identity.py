"""The keyed hash under which ID numbers are indexed and searched, never stored in clear."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable


def keyed_hasher(key_b64: str) -> Callable[[str], str]:
    """HMAC-SHA256 under a base64 key, as hex."""
    key = base64.b64decode(key_b64)

    def digest(value: str) -> str:
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    return digest


def identity_value(id_type: str, id_number: str) -> str:
    """What is hashed for a person: the document type and its number."""
    return f"{id_type}:{id_number.strip().upper()}"
