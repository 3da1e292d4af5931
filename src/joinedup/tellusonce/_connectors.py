"""One open connector per receiving system, each used from its own thread(s).

A screen connector's browser is bound to the thread that started it, so every system gets its own executor
and its connector is opened inside it. Systems that are thread-safe (APIs, SQL, file drops) may use several
threads; ordering is not at risk, since a worker never holds two deliveries of one resident to one system.
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
    def __init__(self, opener: Opener, kinds: Mapping[str, str], threads: int = 8) -> None:
        self._opener = opener
        self._kinds = dict(kinds)
        self._threads = threads
        self._executors: dict[str, ThreadPoolExecutor] = {}
        self._connectors: dict[str, Connector] = {}
        self._lock = threading.Lock()

    @property
    def systems(self) -> tuple[str, ...]:
        """The systems this pool can write to."""
        return tuple(self._kinds)

    def threads_for(self, system: str) -> int:
        """How many writes to ``system`` may run at once: one for a browser-driven screen."""
        return 1 if self._kinds.get(system) == "screen" else self._threads

    def _executor(self, system: str) -> ThreadPoolExecutor:
        with self._lock:
            if system not in self._executors:
                threads = self.threads_for(system)
                self._executors[system] = ThreadPoolExecutor(threads, thread_name_prefix=f"tuo-{system}")
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
