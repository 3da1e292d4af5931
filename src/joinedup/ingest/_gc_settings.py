"""Fewer garbage collections while a sync runs.

A sync makes millions of short-lived objects (a dict, some strings and tuples per record) and keeps almost none:
none of them is part of a reference cycle, so reference counting frees them all. With the collector's default
thresholds (a young collection every 700 net allocations, an older one every ten of those) the collector still
walks the young objects thousands of times a second and, every so often, everything the process holds, which
cost about a tenth of a first load's CPU and a third of a re-sync's. Raising the first threshold while syncs run
keeps the collector (cycles are still collected, just less often) and restores the settings after the last one.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 100_000  # net allocations between young collections: a few batches' worth, a few MB at most

_lock = threading.Lock()
_running = 0  # syncs inside fewer_collections(), in any thread: the settings are the process's, not the thread's
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(_saved[0], YOUNG_THRESHOLD), *_saved[1:])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.set_threshold(*_saved)
