"""Uploaded ledgers, kept between the check and the import, encrypted, per account.

A ledger holds ID numbers in clear, so the bytes are kept only under the
store's own cipher (AES-GCM, the key that encrypts every event), in the
instance folder, in a folder of the account that uploaded it; nobody else's
request can name it.  The page's remove button deletes it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from application.ledger.sheets import LedgerFile
from domain.accounts import Account

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _folder(instance: Path, who: Account) -> Path:
    return instance / "imports" / str(who.id)


def keep(instance: Path, cipher: Any, who: Account, ledger: LedgerFile) -> None:
    """Keep a ledger for ``who`` under its SHA-256."""
    folder = _folder(instance, who)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    head = json.dumps({"name": ledger.name}).encode("utf-8")
    body = head + b"\n" + ledger.data
    target = folder / ledger.sha256
    scratch = target.with_suffix(".part")
    scratch.write_bytes(cipher.encrypt(body) if cipher else body)
    scratch.chmod(0o600)
    scratch.replace(target)


def load(instance: Path, cipher: Any, who: Account, sha256: str) -> LedgerFile | None:
    """The ledger ``who`` uploaded with this SHA-256, or None."""
    if not _SHA256.match(sha256):
        return None
    path = _folder(instance, who) / sha256
    if not path.is_file():
        return None
    body = path.read_bytes()
    head, _, data = (cipher.decrypt(body) if cipher else body).partition(b"\n")
    return LedgerFile.of(json.loads(head)["name"], data)


def discard(instance: Path, who: Account, sha256: str) -> None:
    if _SHA256.match(sha256):
        (_folder(instance, who) / sha256).unlink(missing_ok=True)
