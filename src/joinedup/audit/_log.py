"""AuditLog: the one way anything is written to the audit log, always inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection

from joinedup.store import audit_log as storage

from ._chain import AuditEntry, entry_from_row, seal, subject_of
from ._events import AuditEvent


class AuditLog:
    """Append typed events to the hash-chained log, and read them back.

    ``append_in`` writes in the transaction of the act it records: if the act rolls back, so does its entry,
    and an act cannot commit without its entry. Appends serialise on the chain head, so the chain stays
    linear under any number of concurrent writers.
    """

    def append_in(self, connection: Connection, event: AuditEvent) -> AuditEntry:
        return self.append_many_in(connection, [event])[0]

    def append_many_in(self, connection: Connection, events: Sequence[AuditEvent]) -> list[AuditEntry]:
        """Append several events in order under one lock (one act that discloses to several recipients)."""
        if not events:
            return []
        recorded_at = datetime.now(UTC)
        entries: list[AuditEntry] = []

        def sealed(first: int, previous_hash: str) -> list[storage.StoredEntry]:
            rows = []
            for offset, event in enumerate(events):
                entry = seal(first + offset, recorded_at, event, previous_hash)
                entries.append(entry)
                rows.append(
                    storage.StoredEntry(entry.sequence, event.kind, subject_of(event), entry.body, entry.entry_hash)
                )
                previous_hash = entry.entry_hash
            return rows

        storage.append(connection, len(events), sealed)
        return entries

    def read_in(self, connection: Connection, *, start: int = 1, stop: int | None = None) -> list[AuditEntry]:
        """Typed entries from ``start`` to ``stop`` inclusive (for reports; verification reads raw rows)."""
        return [
            entry_from_row(row.sequence, row.body, row.entry_hash)
            for row in storage.iter_entries(connection, start=start, stop=stop)
        ]
