"""Syncing one source: read from its connector, map, keep or quarantine, and checkpoint, batch by batch.

Each batch is committed in one transaction with the cursor that follows it, so a sync killed at any point
resumes from its last commit: records read again after the crash are recognised as unchanged by their content
hash, so nothing is lost and nothing is stored twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joinedup.connectors.base import ArchivesProcessed, Connector, RawRecord, SchemaDriftError
from joinedup.model import EntityType, Person, Property, SourceRecord, raw_content_hash
from joinedup.store import Database
from joinedup.store.ingest_state import QuarantineStore, Rejection, SyncStateStore
from joinedup.store.source_records import (
    SaveResult,
    SourceRecordStore,
    StagedVersion,
    canonical_json,
    encode_json,
)

from .canonical_rows import person_from_canonical_row, property_from_canonical_row
from .mapping import CompiledMapping

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SyncReport:
    system: str
    status: str  # succeeded | stopped | failed
    saved: SaveResult
    quarantined: int
    error: str | None = None


@dataclass(frozen=True)
class RecordMapper:
    """Turns what a connector read into a source record, or a rejection with its reasons."""

    system: str
    entity: EntityType
    mapping: CompiledMapping | None  # None: the source already sends the canonical person columns

    def __call__(self, raw: RawRecord, received_at: datetime) -> SourceRecord | Rejection:
        payload = dict(raw.payload)
        mapped = self._canonical(raw, payload)
        if isinstance(mapped, Rejection):
            return mapped
        canonical, changed_at = mapped
        return SourceRecord(
            system=self.system,
            record_id=raw.record_id,
            entity=self.entity,
            raw=payload,
            person=canonical if isinstance(canonical, Person) else None,
            property=canonical if isinstance(canonical, Property) else None,
            received_at=received_at,
            changed_at=changed_at,
        )

    def stage(self, raw: RawRecord, received_at: datetime, digest: str | None = None) -> StagedVersion | Rejection:
        """As calling the mapper, but straight to the store's lean form, with the payload's hash if known.

        The canonical form has been validated as a Person or Property; the record around it needs no
        validation of its own (the system is a known code, the id is non-empty, the times come from the
        clock and the mapping), so ingest's hot path does not build a SourceRecord per record.
        """
        payload = dict(raw.payload)
        mapped = self._canonical(raw, payload)
        if isinstance(mapped, Rejection):
            return mapped
        canonical, changed_at = mapped
        return StagedVersion(
            self.system,
            raw.record_id,
            self.entity.value,
            encode_json(payload),
            canonical_json(canonical),
            raw_content_hash(payload) if digest is None else digest,
            received_at,
            changed_at,
        )

    def _canonical(
        self, raw: RawRecord, payload: dict[str, Any]
    ) -> tuple[Person | Property, datetime | None] | Rejection:
        if raw.problem:
            return Rejection(raw.record_id or None, raw.location.description, (raw.problem,), payload)
        if self.mapping is None:
            row = {key: "" if value is None else str(value) for key, value in payload.items()}
            row["record_id"] = raw.record_id
        else:
            outcome = self.mapping.apply(raw.record_id, payload)
            if outcome.row is None:
                return Rejection(raw.record_id, raw.location.description, outcome.problems, payload)
            row = outcome.row
        canonical: Person | Property | None
        if self.entity is EntityType.PROPERTY:
            mapped_property = property_from_canonical_row(row)
            canonical, error = mapped_property.property, mapped_property.error
        else:
            mapped = person_from_canonical_row(row)
            canonical, error = mapped.person, mapped.error
        if canonical is None:
            return Rejection(raw.record_id, raw.location.description, (error or "no canonical form",), payload)
        return canonical, raw.changed_at or _parse_changed_at(row.get("changed_at"))


def _parse_changed_at(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _batches(records: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    batch: list[RawRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


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
    ) -> None:
        self._database = database
        self._connector = connector
        self._mapper = mapper
        self._batch_size = batch_size
        self._clock = clock
        self._records = SourceRecordStore(database)
        self._quarantine = QuarantineStore(database)
        self._state = SyncStateStore(database)
        self._newest: datetime | None = None  # the newest change seen so far, for the source's lag

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
        saved, quarantined, seen = SaveResult(), 0, 0
        try:
            for batch in _batches(self._connector.read(since=state.cursor), self._batch_size):
                result, rejected = self._commit(batch)
                saved, quarantined, seen = saved + result, quarantined + rejected, seen + len(batch)
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

    def _commit(self, batch: list[RawRecord]) -> tuple[SaveResult, int]:
        now = self._clock()
        cursor = next((raw.cursor for raw in reversed(batch) if raw.cursor is not None), None)
        with self._database.transaction() as connection:
            digests = [None if raw.problem else raw_content_hash(dict(raw.payload)) for raw in batch]
            heads = self._records.heads_in(connection, self.system, {raw.record_id for raw in batch if not raw.problem})
            # A record whose payload is the stored head's is skipped unmapped: that is what makes a re-sync of
            # unchanged data cheap. Only a key's first occurrence in the batch can be skipped; a later one
            # follows a version this batch may be adding, and the store decides it against that.
            first_seen: set[str] = set()
            staged: list[StagedVersion] = []
            rejections: list[Rejection] = []
            unchanged = 0
            for raw, digest in zip(batch, digests, strict=True):
                if digest is not None and raw.record_id not in first_seen:
                    first_seen.add(raw.record_id)
                    head = heads.get((self.system, raw.record_id))
                    if head is not None and head[1] == digest:
                        unchanged += 1
                        continue
                outcome = self._mapper.stage(raw, now, digest)
                if isinstance(outcome, Rejection):
                    rejections.append(outcome)
                else:
                    staged.append(outcome)
            result = self._records.save_staged_in(connection, staged, now=now, heads=heads)
            result += SaveResult(unchanged=unchanged)
            added = self._quarantine.add_in(connection, self.system, rejections, now) if rejections else 0
            state: dict[str, object] = {}
            if cursor is not None:
                state["cursor"] = cursor
            newest = max((r.changed_at for r in staged if r.changed_at), default=None)
            if newest is not None and (self._newest is None or newest > self._newest):
                self._newest = state["newest_change_at"] = newest
            if state:
                self._state.update_in(connection, self.system, **state)
        log.info("batch committed", extra={"system": self.system, "records": len(batch), "quarantined": added})
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
