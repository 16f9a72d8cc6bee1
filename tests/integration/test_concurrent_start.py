"""Web and projection workers starting at the same moment on one PostgreSQL schema."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from infrastructure.bootstrap import Services, bootstrap
from tests.conftest import make_settings

STARTING = 6


def start_together(store_url: str, instance: Path) -> list[str]:
    """What each of STARTING processes' bootstraps raised, started at one moment."""
    settings = make_settings(store_url, instance)
    barrier, errors = threading.Barrier(STARTING), []

    def start() -> None:
        barrier.wait()
        try:
            bootstrap(settings).close()
        except Exception as error:  # every failure is the finding
            errors.append(repr(error)[:300])

    threads = [threading.Thread(target=start) for _ in range(STARTING)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_processes_starting_together_on_a_new_schema_and_again_all_start(
    store_url: str, tmp_path: Path
) -> None:
    # A new deployment: nobody has created the schema, its tables, types or functions yet.
    first = start_together(store_url, tmp_path / "instance")
    # A restart of every process at once: everything exists, functions are replaced.
    again = start_together(store_url, tmp_path / "instance")

    assert first == [] and again == []


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_processes_reading_the_views_first_at_one_moment_all_get_them_then_and_after(
    store_url: str, tmp_path: Path
) -> None:
    # A view's tables are created on first use; several processes' first uses at once.
    everyone = [bootstrap(make_settings(store_url, tmp_path / "instance"))
                for _ in range(STARTING)]
    barrier, errors = threading.Barrier(STARTING), []

    def read_every_view(services: Services) -> None:
        barrier.wait()
        for _ in range(2):  # a failed first use must not break the next one
            for name in services.views.views:
                try:
                    services.views[name].checksum()
                except Exception as error:  # every failure is the finding
                    errors.append(f"{name}: {error!r:.300}")

    threads = [threading.Thread(target=read_every_view, args=(s,)) for s in everyone]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        for services in everyone:
            services.close()

    assert errors == []
