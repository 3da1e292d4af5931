"""Syncs lower the collector's pace while any of them runs, and put it back when the last one ends."""

from __future__ import annotations

import gc
import threading

from joinedup.ingest._gc_settings import YOUNG_THRESHOLD, fewer_collections


def test_the_threshold_is_raised_while_syncs_run_and_restored_after_the_last() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
        with fewer_collections():  # a second sync (another thread) overlapping the first
            pass
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD  # the first is still running
    assert gc.get_threshold() == before


def test_overlapping_syncs_in_threads_leave_the_settings_as_they_found_them() -> None:
    before = gc.get_threshold()
    inside = threading.Barrier(4)

    def sync() -> None:
        with fewer_collections():
            inside.wait(timeout=10)

    threads = [threading.Thread(target=sync) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert gc.get_threshold() == before
