"""``homeward verify`` and ``homeward digest``: proving the record is as it was written."""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import click
from flask.cli import with_appcontext

from application.integrity import (
    ChainBreak,
    StreamHead,
    check_head,
    digest_payload,
    heads,
    sign,
    stream_ids,
    verify_stream,
)
from web.cli.case import lang_option
from web.cli.export import record_file
from web.cli.messages import InvestigationCommandError, say


def _services() -> Any:
    from web import current_services

    return current_services()


def _lang() -> str | None:
    return click.get_current_context().find_root().meta.get("lang")


def verify_streams(cases: Any, ids: list[UUID]) -> tuple[list[ChainBreak], int]:
    """The first break of each stream (chain, versions, decoding) and the events checked."""
    breaks, events = [], 0
    for stream in ids:
        try:
            records = list(cases.stored_records(stream))
        except Exception as error:  # a row the database cannot even return
            breaks.append(ChainBreak(stream, 0, f"stored rows cannot be read: {error}"))
            continue
        events += len(records)
        broken = verify_stream(records)
        if broken is None:
            for stored in cases.recorder.select_events(stream):
                try:
                    cases.mapper.to_domain_event(stored)
                except Exception as error:
                    broken = ChainBreak(stream, stored.originator_version,
                                        f"does not decode or upcast: {error}")
                    break
        if broken is not None:
            breaks.append(broken)
    return breaks, events


@click.command("verify")
@click.option("--case", "case_no", help="Verify one case (and its uniqueness keys) only.")
@click.option("--views", is_flag=True, help="Also check every view equals a fresh replay.")
@lang_option
@with_appcontext
def verify_command(case_no: str | None, views: bool) -> None:
    """Check every stream's hash chain, versions and decoding; exit 1 on any break.

    \b
    Example:
      homeward verify
      homeward verify --case 370303-2024-7K3Q9M
      homeward verify --views
    """
    services = _services()
    cases = services.cases
    if case_no:
        from web.cli.case import _events

        ids = [_events(case_no)[0]]
    else:
        ids = stream_ids(cases.recorder)
    breaks, events = verify_streams(cases, ids)
    for broken in breaks:
        click.echo(f"BROKEN {broken.originator_id} v{broken.version}: {broken.problem}")
    failed = bool(breaks)
    if views:
        for name in services.views.views:
            same = services.views.verify(name)
            click.echo(say("view_ok" if same else "view_differs", _lang(), view=name))
            failed = failed or not same
    if failed:
        raise InvestigationCommandError("verify_broken", _lang(), count=len(breaks) or 1)
    click.echo(say("verify_ok", _lang(), streams=len(ids), events=events))


@click.group("digest")
def digest_group() -> None:
    """Signed digests of every stream's head, kept outside the database."""


def _key(path: str | None) -> bytes:
    location = path or os.environ.get("HOMEWARD_DIGEST_KEY_FILE")
    if not location or not Path(location).is_file():
        raise InvestigationCommandError("digest_key_missing", _lang())
    return Path(location).read_bytes().strip()


@digest_group.command("new-key")
@click.argument("key_file", type=click.Path(dir_okay=False, writable=True))
def new_key_command(key_file: str) -> None:
    """Write a fresh digest key (readable by its owner only); keep it off the database host.

    \b
    Example:
      homeward digest new-key /secure/homeward-digest.key
    """
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32))
    click.echo(key_file)


@digest_group.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--key-file", help="The digest key (default: HOMEWARD_DIGEST_KEY_FILE).")
@lang_option
@with_appcontext
def export_digest_command(out: str, key_file: str | None) -> None:
    """Write a signed digest of every stream's head (recorded in the audit log).

    \b
    Example:
      homeward digest export digest-2024-12-31.json --key-file /secure/homeward-digest.key
    """
    key, cases = _key(key_file), _services().cases
    position = cases.recorder.max_notification_id() or 0
    stream_heads = heads(cases.stored_records(s) for s in stream_ids(cases.recorder))
    payload = digest_payload(position, stream_heads)
    document = {**json.loads(payload), "taken_at": datetime.now(UTC).isoformat(),
                "signature": sign(payload, key)}
    Path(out).write_text(json.dumps(document, indent=1), "utf-8")
    try:  # a new stream after the position: no head the digest names changes
        record_file(cases, Path(out), "digest", "heads", "json", position, len(stream_heads),
                    f"file={Path(out).absolute()}")
    except Exception as error:  # the file is removed: no digest leaves unrecorded
        raise InvestigationCommandError("digest_not_recorded", _lang(),
                                        error=" ".join(str(error).split())) from None
    click.echo(say("digest_written", _lang(), streams=len(stream_heads), position=position))


@digest_group.command("check")
@click.argument("digest_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--key-file", help="The digest key (default: HOMEWARD_DIGEST_KEY_FILE).")
@lang_option
@with_appcontext
def check_digest_command(digest_file: str, key_file: str | None) -> None:
    """Prove nothing recorded before the digest was changed, removed or reordered since.

    \b
    Example:
      homeward digest check digest-2024-12-31.json --key-file /secure/homeward-digest.key
    """
    key, cases = _key(key_file), _services().cases
    document = json.loads(Path(digest_file).read_text("utf-8"))
    stream_heads = [StreamHead(UUID(s), v, c) for s, v, c in document["heads"]]
    payload = digest_payload(document["position"], stream_heads)
    if sign(payload, key) != document.get("signature"):
        raise InvestigationCommandError("digest_bad_signature", _lang())
    breaks = [b for b in (check_head(cases.stored_records(h.stream), h) for h in stream_heads)
              if b is not None]
    for broken in breaks:
        click.echo(f"BROKEN {broken.originator_id} v{broken.version}: {broken.problem}")
    if breaks:
        raise InvestigationCommandError("verify_broken", _lang(), count=len(breaks))
    click.echo(say("digest_ok", _lang(), streams=len(stream_heads)))
