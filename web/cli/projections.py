"""``homeward projections …``: status, catch-up, rebuild, checksum and the worker."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask.cli import with_appcontext

from infrastructure.projections import REGISTRY, STATUS_COUNT_LIMIT


class ViewName(click.ParamType):
    """A view's name, or ``all``."""

    name = "view"

    def convert(self, value: str, param: click.Parameter | None,
                ctx: click.Context | None) -> list[str]:
        if value == "all":
            return list(REGISTRY)
        if value not in REGISTRY:
            self.fail(f"unknown view {value!r}; choose one of {', '.join(REGISTRY)} or all",
                      param, ctx)
        return [value]


@click.group("projections")
def projections_group() -> None:
    """The read models (views) built from the event log."""


def _services():  # type: ignore[no-untyped-def]
    from web import current_services

    return current_services()


@contextmanager
def _progress(label: str, views: object, name: str) -> Iterator[Callable[[int, int], None]]:
    services = _services()
    start = services.views[name].max_tracking_id(services.cases.name) or 0
    head = services.cases.recorder.max_notification_id() or 0
    with click.progressbar(length=max(head - start, 1), label=label, show_eta=True,
                           show_percent=True) as bar:
        done = [start]

        def update(position: int, _: int) -> None:
            bar.update(position - done[0])
            done[0] = position

        yield update


@projections_group.command("status")
@with_appcontext
def status_command() -> None:
    """Each view's generation, position and lag behind the log."""
    rows = _services().views.status()
    click.echo(f"{'view':<12} {'gen':>4} {'position':>10} {'head':>10} {'to do':>8}")
    for name, generation, position, head, waiting in rows:
        more = "+" if waiting >= STATUS_COUNT_LIMIT else ""
        click.echo(f"{name:<12} {generation:>4} {position:>10} {head:>10} {waiting:>7}{more}")


@projections_group.command("catch-up")
@click.argument("names", type=ViewName(), default="all")
@with_appcontext
def catch_up_command(names: list[str]) -> None:
    """Bring views up to the head of the log, in batches."""
    views = _services().views
    for name in names:
        with _progress(f"{name} catching up", views, name) as progress:
            count = views.catch_up(name, progress)
        click.echo(f"{name}: {count} events processed")


@projections_group.command("rebuild")
@click.argument("names", type=ViewName())
@click.option("--jobs", type=click.IntRange(1, 8), default=1, show_default=True,
              help="Processes sharing the views out, each reading the log once.")
@with_appcontext
def rebuild_command(names: list[str], jobs: int) -> None:
    """Rebuild views from the whole log beside the live ones, then switch.

    Several views (``all``) are rebuilt in one pass: each event is read and
    decoded once for all of them.  With ``--jobs N`` the views are shared out
    among N processes (the ones that fold cases stay together), for machines
    with cores to spare.

    Example: homeward projections rebuild all --jobs 2
    """
    views = _services().views
    label = ", ".join(names)
    started = time.monotonic()
    with click.progressbar(length=max(views.cases.recorder.max_notification_id() or 0, 1),
                           label=f"{label} rebuilding", show_eta=True) as bar:
        done = [0]

        def update(position: int, _: int) -> None:
            bar.update(position - done[0])
            done[0] = position

        count = views.rebuild_many(names, update, jobs=jobs)
    elapsed = time.monotonic() - started
    click.echo(f"{label}: rebuilt from {count} events in {elapsed:.1f} s "
               f"({count / elapsed if elapsed else 0:.0f} events/s)")


@projections_group.command("checksum")
@click.argument("names", type=ViewName())
@with_appcontext
def checksum_command(names: list[str]) -> None:
    """A hash of each view's content: equal builds give equal hashes."""
    views = _services().views
    for name in names:
        click.echo(f"{name} {views[name].checksum()}")


@projections_group.command("run")
@click.argument("names", type=ViewName(), default="all")
@with_appcontext
def run_command(names: list[str]) -> None:
    """Keep views live (one active worker per view across hosts; others stand by)."""
    from infrastructure.worker import run_workers

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    workers = run_workers(_services(), names, stop)
    click.echo(f"Projection worker started for {', '.join(names)}.")
    shown = None
    while not stop.wait(2):  # say so when this worker takes a view over or stands by
        active = [w.name for w in workers if w.active.is_set()]
        if active != shown:
            click.echo(f"active: {', '.join(active) or 'none (standing by)'}", err=True)
            shown = active
