"""The garbage collector's setting during bulk passes over the log."""

from __future__ import annotations

import gc
import threading

import pytest

from infrastructure.projections import BULK_GC_THRESHOLD, fewer_collections


def test_a_bulk_pass_collects_less_often_and_restores_the_collector_after() -> None:
    before, kept = gc.get_threshold(), [object()]
    with fewer_collections():
        assert gc.get_threshold() == (BULK_GC_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() >= len(kept)  # what existed is set aside
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_passes_in_two_threads_restore_the_setting_when_the_last_one_ends() -> None:
    before = gc.get_threshold()
    first_in, second_done, seen = threading.Event(), threading.Event(), []

    def first() -> None:
        with fewer_collections():
            first_in.set()
            second_done.wait(10)
            seen.append(gc.get_threshold()[0])  # the second pass ended: still raised

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(10)
    with fewer_collections():
        assert gc.get_threshold()[0] == BULK_GC_THRESHOLD
    second_done.set()
    thread.join(10)
    assert seen == [BULK_GC_THRESHOLD]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_pass_that_fails_restores_the_collector() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("the store went away")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
