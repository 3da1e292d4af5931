"""One open connector per receiving system, each used from a thread of its own.

A screen connector's browser is bound to the thread that started it, so every system gets its own executor
(one thread) and its connector is opened and used inside it. The worker hands each system one batch a round;
a kind that can write a batch's changes side by side (a REST API) does so inside ``write_many``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from joinedup.connectors import Connector, ConnectorError, open_connector

_T = TypeVar("_T")
Opener = Callable[[str], Connector]


def connections_opener(connections: Mapping[str, Mapping[str, Any]], environ: Mapping[str, str]) -> Opener:
    """An opener from ``{system: {"kind": ..., "connection": {...}}}`` (a place's systems, or a simulator's)."""

    def open_one(system: str) -> Connector:
        entry = connections.get(system)
        if entry is None:
            raise ConnectorError(f"no connection is configured for system {system}")
        return open_connector(str(entry["kind"]), entry["connection"], environ)

    return open_one


class ConnectorPool:
    def __init__(self, opener: Opener, kinds: Mapping[str, str]) -> None:
        self._opener = opener
        self._kinds = dict(kinds)
        self._executors: dict[str, ThreadPoolExecutor] = {}
        self._connectors: dict[str, Connector] = {}
        self._lock = threading.Lock()

    @property
    def systems(self) -> tuple[str, ...]:
        """The systems this pool can write to."""
        return tuple(self._kinds)

    def _executor(self, system: str) -> ThreadPoolExecutor:
        with self._lock:
            if system not in self._executors:
                self._executors[system] = ThreadPoolExecutor(1, thread_name_prefix=f"tuo-{system}")
            return self._executors[system]

    def _connector(self, system: str) -> Connector:
        with self._lock:
            connector = self._connectors.get(system)
        if connector is None:
            opened = self._opener(system)
            with self._lock:
                connector = self._connectors.setdefault(system, opened)
            if connector is not opened:
                opened.close()
        return connector

    def submit(self, system: str, work: Callable[[Connector], _T]) -> Future[_T]:
        return self._executor(system).submit(lambda: work(self._connector(system)))

    def close(self) -> None:
        for system, connector in list(self._connectors.items()):
            executor = self._executors.get(system)
            if executor is not None:
                executor.submit(connector.close).result()  # closed on the thread that opened it
        for executor in self._executors.values():
            executor.shutdown(wait=True)
        self._executors.clear()
        self._connectors.clear()
