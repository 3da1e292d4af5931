"""Re-processing quarantine after a mapping is fixed: each held record is mapped again from its raw content.

A record that now maps is stored as a source record (a new version only if it differs from what is held) and
its quarantine entry is resolved, in one transaction per batch; one that still fails stays held with the
reasons it was first quarantined for (a row the source itself sent broken can never map).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from joinedup.connectors.base import RawRecord, SourceLocation
from joinedup.model import SourceRecord
from joinedup.store import Database
from joinedup.store.ingest_state import QuarantineStore
from joinedup.store.source_records import SourceRecordStore

from .record_mapper import RecordMapper

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class ReprocessReport:
    system: str
    released: int  # now mapped and stored
    still_held: int


def reprocess_quarantine(
    database: Database, mapper: RecordMapper, *, clock: Clock = lambda: datetime.now(UTC), batch_size: int = 500
) -> ReprocessReport:
    """Map every open quarantine entry of ``mapper.system`` again; store and release those that now map."""
    quarantine = QuarantineStore(database)
    records = SourceRecordStore(database)
    released = still_held = 0
    entries = quarantine.list(mapper.system, limit=1_000_000)
    for start in range(0, len(entries), batch_size):
        now = clock()
        with database.transaction() as connection:
            for entry in entries[start : start + batch_size]:
                raw = RawRecord(
                    record_id=entry.record_id or "",
                    payload=entry.raw,
                    location=SourceLocation(entry.location),
                )
                outcome = mapper(raw, now)
                if isinstance(outcome, SourceRecord):
                    records.save_in(connection, [outcome], now=now)
                    quarantine.resolve_in(connection, entry.id, "re-processed: mapped and stored", now)
                    released += 1
                else:
                    still_held += 1
    return ReprocessReport(mapper.system, released, still_held)
