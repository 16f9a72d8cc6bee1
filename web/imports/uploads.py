"""Uploaded ledgers, kept between the check and the import, encrypted, per account.

A ledger holds ID numbers in clear, so the bytes (and the results of its
checks, kept for the report) are kept only under the
store's own cipher (AES-GCM, the key that encrypts every event), in the
instance folder, in a folder of the account that uploaded it; nobody else's
request can name it.  The page's remove button deletes it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from uuid import UUID

from application.ledger.columns import Header
from application.ledger.importer import Outcome
from application.ledger.runs import _kept, _result
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
    """Remove the ledger and the results kept of its checks."""
    if _SHA256.match(sha256):
        folder = _folder(instance, who)
        (folder / sha256).unlink(missing_ok=True)
        for kept in folder.glob(f"{sha256}.*.rows"):
            kept.unlink(missing_ok=True)


def keep_results(instance: Path, cipher: Any, who: Account, check_id: UUID,
                 outcome: Outcome) -> None:
    """Keep every row's result of a check (for the report), encrypted like the ledger."""
    header = outcome.header
    body = json.dumps({
        "file_name": outcome.file_name, "sha256": outcome.sha256, "sheet": outcome.sheet,
        "sheet_index": outcome.sheet_index,
        "header": {"last_row": header.last_row, "fields": sorted(header.fields.items()),
                   "titles": sorted(header.titles.items()), "ignored": list(header.ignored)},
        "rows": [_kept(r) for r in outcome.rows]}, ensure_ascii=False).encode("utf-8")
    folder = _folder(instance, who)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{outcome.sha256}.{check_id.hex}.rows"
    scratch = target.with_suffix(".part")
    scratch.write_bytes(cipher.encrypt(body) if cipher else body)
    scratch.chmod(0o600)
    scratch.replace(target)


def load_results(instance: Path, cipher: Any, who: Account, sha256: str,
                 check_id: UUID) -> Outcome | None:
    """The rows' results kept by the check ``check_id`` of ``who``'s ledger, or None."""
    if not _SHA256.match(sha256):
        return None
    path = _folder(instance, who) / f"{sha256}.{check_id.hex}.rows"
    if not path.is_file():
        return None
    body = path.read_bytes()
    kept = json.loads(cipher.decrypt(body) if cipher else body)
    head = kept["header"]
    header = Header(head["last_row"], {int(c): f for c, f in head["fields"]},
                    {int(c): t for c, t in head["titles"]}, tuple(head["ignored"]))
    return Outcome(kept["file_name"], kept["sha256"], kept["sheet"], kept["sheet_index"],
                   header, True, [_result(r) for r in kept["rows"]])
