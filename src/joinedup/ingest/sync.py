"""Syncing one source: read from its connector, map, keep or quarantine, and checkpoint, batch by batch.

Each batch is committed in one transaction with the cursor that follows it, so a sync killed at any point
resumes from its last commit: records read again after the crash are recognised as unchanged by their content
hash, so nothing is lost and nothing is stored twice.

Reading, mapping and hashing (see :mod:`._prepare`) run in a second process when the connector allows it, so
that they overlap with the writes; this process only writes, so the checkpoints are exactly as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from joinedup.connectors.base import ArchivesProcessed, Connector, SchemaDriftError
from joinedup.connectors.batches import read_batches
from joinedup.store import Database
from joinedup.store.ingest_state import QuarantineStore, SyncStateStore
from joinedup.store.source_records import SaveResult, SourceRecordStore

from ._gc_settings import fewer_collections
from ._prepare import BatchPreparer, PreparedBatch
from ._reader_process import QUEUE_BATCHES, can_read_in_child, differing_heads, prepared_in_child
from .record_mapper import RecordMapper

__all__ = ["RecordMapper", "SourceSync", "SyncReport"]

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SyncReport:
    system: str
    status: str  # succeeded | stopped | failed
    saved: SaveResult
    quarantined: int
    error: str | None = None


class SourceSync:
    """Runs syncs of one source system into the store."""

    def __init__(
        self,
        database: Database,
        connector: Connector,
        mapper: RecordMapper,
        *,
        batch_size: int = 2_000,
        clock: Clock = lambda: datetime.now(UTC),
        read_in_child: bool | None = None,
    ) -> None:
        """``read_in_child``: read and map in a second process (None: whenever the connector allows it)."""
        self._database = database
        self._connector = connector
        self._mapper = mapper
        self._batch_size = batch_size
        self._clock = clock
        self._records = SourceRecordStore(database)
        self._quarantine = QuarantineStore(database)
        self._state = SyncStateStore(database)
        self._newest: datetime | None = None  # the newest change seen so far, for the source's lag
        self._reader_choice = read_in_child
        self._read_in_child = False  # decided as each run starts, by the cores idle then (see run)

    @property
    def system(self) -> str:
        return self._mapper.system

    def run(self, progress: Callable[[int], None] | None = None) -> SyncReport:
        """One sync from the stored cursor. Refuses to run a source stopped for schema drift."""
        state = self._state.get(self.system)
        self._newest = state.newest_change_at
        if state.stopped:
            return SyncReport(self.system, "stopped", SaveResult(), 0, state.stopped)
        run_id = self._state.start_run(self.system, self._clock())
        choice = self._reader_choice
        self._read_in_child = can_read_in_child(self._connector) if choice is None else choice
        saved, quarantined, seen = SaveResult(), 0, 0
        try:
            with fewer_collections():
                for prepared in self._prepared(state.cursor):
                    result, rejected = self._commit(prepared)
                    saved, quarantined, seen = saved + result, quarantined + rejected, seen + prepared.seen
                    if progress is not None:
                        progress(seen)
        except SchemaDriftError as drift:
            return self._finish(run_id, "stopped", saved, quarantined, str(drift), stop=True)
        except Exception as error:
            # Recorded as the source's error state, then raised: a failed sync must never look like a quiet one.
            self._finish(run_id, "failed", saved, quarantined, f"{type(error).__name__}: {error}")
            raise
        self._archive_stored()
        return self._finish(run_id, "succeeded", saved, quarantined, None)

    def _archive_stored(self) -> None:
        """Let the source tidy up what is now safely stored (only after the commit that covers it)."""
        cursor = self._state.get(self.system).cursor
        if cursor is not None and isinstance(self._connector, ArchivesProcessed):
            archived = self._connector.archive_through(cursor)
            log.info("source archived", extra={"system": self.system, "archived": len(archived)})

    def _prepared(self, cursor: str | None) -> Iterator[PreparedBatch]:
        if self._read_in_child:
            return prepared_in_child(
                self._database, self._connector, self._mapper, cursor, self._batch_size, self._clock
            )
        preparer = BatchPreparer(
            self._mapper, differing_heads(self._database, self.system), self._clock, pending=QUEUE_BATCHES + 1
        )
        return preparer.prepare_all(read_batches(self._connector, cursor, self._batch_size))

    def _commit(self, prepared: PreparedBatch) -> tuple[SaveResult, int]:
        now = self._clock()
        staged = prepared.staged
        with self._database.transaction() as connection:
            # The store judges every staged version against the heads in this transaction, so what the
            # preparer skipped as unchanged is the only decision taken outside it (see BatchPreparer).
            result = self._records.save_staged_in(connection, staged, now=now) if staged else SaveResult()
            result += SaveResult(unchanged=prepared.unchanged)
            rejections = prepared.rejections
            added = self._quarantine.add_in(connection, self.system, rejections, now) if rejections else 0
            state: dict[str, object] = {}
            if prepared.cursor is not None:
                state["cursor"] = prepared.cursor
            newest = max((r.changed_at for r in staged if r.changed_at), default=None)
            if newest is not None and (self._newest is None or newest > self._newest):
                self._newest = state["newest_change_at"] = newest
            if state:
                self._state.update_in(connection, self.system, **state)
        log.info("batch committed", extra={"system": self.system, "records": prepared.seen, "quarantined": added})
        return result, added

    def _finish(
        self, run_id: int, status: str, saved: SaveResult, quarantined: int, error: str | None, *, stop: bool = False
    ) -> SyncReport:
        now = self._clock()
        counts = {"new": saved.new, "changed": saved.changed, "unchanged": saved.unchanged, "quarantined": quarantined}
        self._state.finish_run(run_id, status, now, counts, error)
        if status == "succeeded":
            self._state.update(self.system, last_success_at=now, last_error=None, last_error_at=None)
        else:
            self._state.update(self.system, last_error=error, last_error_at=now, **({"stopped": error} if stop else {}))
        log.info("sync finished", extra={"system": self.system, "status": status, **counts})
        return SyncReport(self.system, status, saved, quarantined, error)
