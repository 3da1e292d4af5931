"""One writer at a time on SQLite, queued in Python: the tell-us-once outbox's writers of one process (the
worker's loops, the desk) take turns here rather than in SQLite's busy handler, which sleeps in steps of up to
100 ms while the write lock is held. Other backends need nothing of this.
"""

from __future__ import annotations

import threading
from collections import deque
from contextlib import AbstractContextManager, nullcontext

from .database import Database


class _TakeTurns:
    """A lock handed to whoever has waited longest: a worker's loop that has just written cannot take it again
    ahead of the desk accepting changes (a plain lock favours the thread that let it go)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._queue: deque[threading.Event] = deque()

    def __enter__(self) -> None:
        with self._guard:
            if not self._held:
                self._held = True
                return
            turn = threading.Event()
            self._queue.append(turn)
        turn.wait()  # the lock is handed over, still held

    def __exit__(self, *_: object) -> None:
        with self._guard:
            if self._queue:
                self._queue.popleft().set()
            else:
                self._held = False


_SQLITE_WRITERS: dict[str, _TakeTurns] = {}
_SQLITE_WRITERS_LOCK = threading.Lock()


def writer_lock(database: Database) -> AbstractContextManager[object]:
    if database.backend != "sqlite":
        return nullcontext()
    with _SQLITE_WRITERS_LOCK:
        return _SQLITE_WRITERS.setdefault(str(database.engine.url), _TakeTurns())
