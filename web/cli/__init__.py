"""The ``homeward`` command line: the same app, the same services, from a terminal."""

from __future__ import annotations

import json

import click
from flask.cli import FlaskGroup, with_appcontext

from infrastructure.demo import load_demo
from infrastructure.demo_activities import load_demo_activities
from infrastructure.keys import VARIABLES, generate_keys


def _create_app():  # type: ignore[no-untyped-def]
    from infrastructure.settings import ConfigurationError
    from web import create_app

    try:
        return create_app()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Homeward: case management for returning entrepreneurs."""


@click.group("demo")
def demo_group() -> None:
    """Demo data."""


@demo_group.command("load")
@click.option("--cases", "count", default=200, show_default=True, type=click.IntRange(1, 200_000))
@click.option("--seed", default=2260, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing when the store already holds events.")
@click.option("--accounts", "with_accounts", is_flag=True,
              help="Also open the demo accounts, set this year's targets and leave the demo "
                   "caseworker some work due.")
@with_appcontext
def load_demo_command(count: int, seed: int, if_empty: bool, with_accounts: bool) -> None:
    """Enrol realistic demo cases with their histories."""
    from web import current_services

    cases = current_services().cases
    if if_empty and cases.recorder.max_notification_id():
        click.echo("The store already holds events; no demo data loaded.")
        return
    with click.progressbar(length=count, label="Enrolling demo cases") as bar:
        done = [0]

        def progress(n: int) -> None:
            bar.update(n - done[0])
            done[0] = n

        events = load_demo(cases, count, seed, progress)
    click.echo(f"Loaded {count} demo cases ({events} events).")
    held = load_demo_activities(cases, seed)
    click.echo(f"Held {held.held} group activities ({held.attendances} attendances, "
               f"{held.refused} refused), {held.planned} planned, {held.cancelled} cancelled.")
    click.echo(f"Recorded {_demo_matches(seed)} resource matches.")
    if with_accounts:
        _demo_accounts(seed)


def _demo_matches(seed: int) -> int:
    """Match some demo cases with their best resources, from a current registries view."""
    from infrastructure.demo_matches import load_demo_matches
    from web import current_services

    services = current_services()
    with services.views.lock("registries", wait=False) as held:
        if held:  # no worker keeps the view: bring it up to date here
            services.views.catch_up("registries")
    return load_demo_matches(services.cases, services.views["registries"], seed)


def _demo_accounts(seed: int) -> None:
    from infrastructure.demo import DEMO_PASSWORD, add_demo_accounts, add_demo_work
    from web import current_services

    services = current_services()
    extra = add_demo_work(services.cases, seed)
    added = add_demo_accounts(services.accounts)
    click.echo(f"Added {extra} fresh cases and this year's targets; demo accounts "
               f"(password {DEMO_PASSWORD}): {', '.join(added) or 'already there'}.")


@click.group("keys")
def keys_group() -> None:
    """Secrets."""


@keys_group.command("generate")
@click.option("--format", "fmt", type=click.Choice(["env", "json"]), default="env")
def generate_keys_command(fmt: str) -> None:
    """Print a fresh set of keys for a production environment."""
    keys = generate_keys()
    values = {VARIABLES[name]: value for name, value in vars(keys).items()}
    if fmt == "json":
        click.echo(json.dumps(values, indent=2))
    else:
        for variable, value in values.items():
            click.echo(f"{variable}={value}")


# Needs no app (and so no keys): it is how production keys are made.
main.add_command(keys_group)
