"""Retention: per record type (a source system's code) records older than their schedule are purged.

The purge records what it removed (how many, which record ids) in the audit log, never the data itself, in
the same transaction as the deletion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from joinedup.store import audit_records

from ._chain import AuditEntry
from ._events import PurgeEvent, RecordRef
from ._log import AuditLog

# One purge event names at most this many records; a larger purge is recorded over several entries.
_IDS_PER_ENTRY = 5_000


@dataclass(frozen=True)
class PurgeResult:
    record_type: str
    records: int
    versions: int
    entries: tuple[AuditEntry, ...]


def purge_in(
    connection: Connection,
    schedule: Mapping[str, int],
    *,
    now: datetime | None = None,
    log: AuditLog | None = None,
) -> list[PurgeResult]:
    """Purge every record type in ``schedule`` (type -> retention in days); types not listed are kept."""
    now, log = now or datetime.now(UTC), log or AuditLog()
    results = []
    for record_type, days in sorted(schedule.items()):
        if days < 0:
            raise ValueError(f"the retention for record type {record_type!r} is negative ({days} days)")
        cutoff = now - timedelta(days=days)
        keys = audit_records.records_older_than(connection, record_type, cutoff)
        versions = audit_records.delete_records(connection, keys)
        chunks = [keys[start : start + _IDS_PER_ENTRY] for start in range(0, len(keys), _IDS_PER_ENTRY)] or [[]]
        events = [
            PurgeEvent(
                record_type=record_type,
                retention_days=days,
                cutoff=cutoff,
                count=len(chunk),
                records=tuple(RecordRef(system=system, record_id=record_id) for system, record_id in chunk),
            )
            for chunk in chunks
        ]
        entries = log.append_many_in(connection, events)
        results.append(PurgeResult(record_type, len(keys), versions, tuple(entries)))
    return results
