"""Reading, mapping and encoding in a second process, feeding the writer through a bounded queue.

On a machine with two cores this lets the parsing, mapping and hashing of batch k+1 run while batch k is
written. The queue holds at most ``QUEUE_BATCHES`` prepared batches, so memory stays bounded whatever the
size of the source. Only the parent writes, and it commits each batch with its cursor, so a SIGKILL still
leaves the store at a batch boundary; the child asks the kernel to kill it when its parent dies, and also
checks on its parent while it waits, so it never outlives a killed sync.

Used only for connectors that say they can read in a forked child (``reads_in_a_child_process``): a file
reader holds no connection that the parent could share by accident after the fork.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import queue
import signal
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from joinedup.connectors.base import Connector, SchemaDriftError
from joinedup.connectors.batches import read_batches
from joinedup.store import Database
from joinedup.store.source_records import SourceRecordStore

from ._gc_settings import YOUNG_THRESHOLD
from ._prepare import BatchPreparer, DifferingHeads, PreparedBatch
from .record_mapper import RecordMapper

log = logging.getLogger(__name__)
QUEUE_BATCHES = 4
_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 1.0
_IDLE_WINDOW_SECONDS = 0.1
_FREE_CORE = 0.75  # idle cores (of the machine's) that count as one free for the reader


class ReaderProcessError(RuntimeError):
    """The reading process failed; the message carries its error's type and text."""


def can_read_in_child(connector: Connector) -> bool:
    """Whether a second process would help: the connector allows it, and a core is free for it.

    On a machine whose cores are all busy the two processes only share the time one would have had, and the
    hand-over between them costs about a tenth more CPU, so then everything stays in one process.
    """
    if not (getattr(connector, "reads_in_a_child_process", False) and sys.platform.startswith("linux")):
        return False
    cores = len(os.sched_getaffinity(0))
    if cores < 2:
        return False
    idle = idle_cores()
    return idle >= _FREE_CORE if idle is not None else os.getloadavg()[0] <= cores - 1


def idle_cores(window: float = _IDLE_WINDOW_SECONDS) -> float | None:
    """How many cores sat idle over a short window just now (from /proc/stat; None where it cannot be read).

    Rather than the 1-minute load average, which still counts the work that has just finished: a sync started
    right after another one (a second source, or the same one again) would see a busy machine for a minute.
    """
    try:
        before = _cpu_times()
        time.sleep(window)
        after = _cpu_times()
    except (OSError, ValueError):
        return None
    total = sum(after[0]) - sum(before[0])
    idle = after[0][3] + after[0][4] - before[0][3] - before[0][4]  # idle and waiting on I/O
    return after[1] * idle / total if total > 0 else None


def _cpu_times() -> tuple[list[int], int]:
    """The machine's CPU time so far (user, nice, system, idle, iowait, irq, softirq, steal) and its core count."""
    with open("/proc/stat", encoding="ascii") as stat:
        lines = stat.read().splitlines()
    return [int(value) for value in lines[0].split()[1:9]], sum(line.startswith("cpu") for line in lines) - 1


def differing_heads(database: Database, system: str) -> DifferingHeads:
    """Which ids' committed head differs from the hash given (see DifferingHeads), read in a short read-only
    transaction of its own."""
    store = SourceRecordStore(database)

    def lookup(record_ids: list[str], digests: list[str]) -> dict[str, str | None]:
        with database.engine.connect() as connection:
            return store.differing_heads_in(connection, system, record_ids, digests)

    return lookup


def prepared_in_child(
    database: Database,
    connector: Connector,
    mapper: RecordMapper,
    since: str | None,
    batch_size: int,
    clock: Callable[[], datetime],
) -> Iterator[PreparedBatch]:
    """Prepared batches, made by a forked child process. Raises what the child raised (drift included)."""
    context = multiprocessing.get_context("fork")
    channel: Any = context.Queue(maxsize=QUEUE_BATCHES)
    child = context.Process(
        target=_child_main,
        args=(channel, os.getpid(), database.url, connector, mapper, since, batch_size, clock),
        name=f"joinedup-read-{mapper.system}",
        daemon=True,
    )
    child.start()
    finished = False
    try:
        while True:
            try:
                kind, value = channel.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive():
                    raise ReaderProcessError(
                        f"the reading process for {mapper.system} ended unexpectedly (exit code {child.exitcode})"
                    ) from None
                continue
            if kind == "batch":
                yield value
            elif kind == "drift":
                raise SchemaDriftError(value)
            elif kind == "error":
                raise value if isinstance(value, BaseException) else ReaderProcessError(value)
            else:  # "end"
                finished = True
                return
    finally:
        if not finished:
            child.terminate()  # the parent stopped early (an error, or the generator was closed)
        child.join(timeout=10)
        channel.close()
        channel.join_thread()


def _child_main(
    channel: Any,
    parent: int,
    database_url: str,
    connector: Connector,
    mapper: RecordMapper,
    since: str | None,
    batch_size: int,
    clock: Callable[[], datetime],
) -> None:
    _die_with_parent(parent)
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])  # this process only runs the read: see _gc_settings
    database = Database(database_url)  # a fresh engine: the parent's pooled connections stay the parent's
    try:
        preparer = BatchPreparer(mapper, differing_heads(database, mapper.system), clock, pending=QUEUE_BATCHES + 1)
        for prepared in preparer.prepare_all(read_batches(connector, since, batch_size)):
            _put(channel, ("batch", prepared), parent)
        _put(channel, ("end", None), parent)
    except SchemaDriftError as drift:
        _put(channel, ("drift", str(drift)), parent)
    except Exception as error:  # noqa: BLE001 - handed to the parent, which records the failure and raises it
        _put(channel, ("error", _sendable(error)), parent)
    finally:
        database.dispose()


def _sendable(error: Exception) -> Exception | str:
    import pickle

    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 - our own exception, round-tripped in this process
    except Exception:  # noqa: BLE001 - an error that cannot cross a process boundary travels as its text
        return f"{type(error).__name__}: {error}"
    return error


def _put(channel: Any, item: tuple[str, Any], parent: int) -> None:
    while True:
        try:
            channel.put(item, timeout=_POLL_SECONDS)
            return
        except queue.Full:
            if os.getppid() != parent:  # orphaned: the sync was killed, nobody will read this
                os._exit(1)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (a killed sync must not leave a reader behind)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        log.debug("prctl is not available; the reader checks on its parent instead")
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
