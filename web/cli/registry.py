"""``homeward registry list|show``: the resource registries from a terminal, read-only.

An investigator lists a registry's entries or reads one entry with its whole
history (a provider's filing revoked and restored, who changed a mentor's
capacity and why).  Text for people, ``--format json`` for scripts.
"""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext

from application.projections.registries import EntryQuery
from application.registries import EntryNotFoundError
from domain.registries import EntryStatus
from domain.values import BUREAU_TZ
from web.cli.case import lang_option
from web.cli.messages import language
from web.registries.schemas import SLUGS

MESSAGES = {
    "unknown_entry": {"zh": "{registry} 中没有 {key}", "en": "no {key} in {registry}"},
    "found": {"zh": "共 {total} 条", "en": "{total} entries"},
    "history": {"zh": "变更记录：", "en": "History:"},
}


def _say(code: str, **params: object) -> str:
    lang = click.get_current_context().find_root().meta.get("lang")
    return MESSAGES[code][language(lang)].format(**params)


def _services() -> Any:
    from web import current_services

    return current_services()


@click.group("registry")
def registry_group() -> None:
    """Read the registries: mentors, providers, classes, incubators, financing, policies."""


@registry_group.command("list")
@click.argument("registry", type=click.Choice(list(SLUGS)))
@click.option("--q", "text", help="Text in the name, code or details.")
@click.option("--district", help="Entries registered inside this division code.")
@click.option("--status", type=click.Choice(list(EntryStatus)))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@lang_option
@with_appcontext
def list_command(registry: str, text: str | None, district: str | None, status: str | None,
                 fmt: str) -> None:
    """List a registry's entries (at most 500).

    \b
    Example:
      homeward registry list providers --status REVOKED
      homeward registry list mentors --district 370300 --format json
    """
    page = _services().views["registries"].search(EntryQuery(
        kind=SLUGS[registry], text=text, district_prefix=district, status=status,
        per_page=500))
    if fmt == "json":
        click.echo(json.dumps([{"key": r.key, "title": r.title, "district": r.district,
                                "status": r.status, "values": r.values} for r in page],
                              ensure_ascii=False, indent=2))
        return
    for row in page:
        click.echo(f"{row.key}\t{row.status}\t{row.district}\t{row.title}")
    click.echo(_say("found", total=page.total))


@registry_group.command("show")
@click.argument("registry", type=click.Choice(list(SLUGS)))
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@lang_option
@with_appcontext
def show_command(registry: str, key: str, fmt: str) -> None:
    """One entry as it stands and every change to it: who, when, for when, what and why.

    \b
    Example:
      homeward registry show providers 52370300MJD000011D
    """
    cases = _services().cases
    try:
        entry = cases.find_entry(SLUGS[registry], key)
    except EntryNotFoundError:
        raise click.ClickException(_say("unknown_entry", registry=registry, key=key)) from None
    history = cases.entry_history(entry.entry_id)
    if fmt == "json":
        click.echo(json.dumps({
            "key": entry.key, "status": entry.status, "status_reason": entry.status_reason,
            "version": entry.version, "values": dict(entry.values),
            "history": [{"version": h.version, "event": h.event, "actor": h.actor,
                         "actor_role": h.actor_role, "recorded_at": h.recorded_at.isoformat(),
                         "occurred_on": h.occurred_on.isoformat(), "values": dict(h.values),
                         "reason": h.reason} for h in history]},
            ensure_ascii=False, indent=2))
        return
    click.echo(f"{entry.key}  {entry.title}  [{entry.status}] v{entry.version}")
    for name, value in entry.values.items():
        click.echo(f"  {name}: {value}")
    click.echo(_say("history"))
    for h in history:
        recorded = h.recorded_at.astimezone(BUREAU_TZ).isoformat(timespec="seconds")
        values = ", ".join(f"{k}={v}" for k, v in h.values)
        click.echo(f"  v{h.version} {recorded} {h.actor} ({h.actor_role}) {h.event} "
                   f"{h.occurred_on.isoformat()} {values}" + (f" — {h.reason}" if h.reason
                                                               else ""))
