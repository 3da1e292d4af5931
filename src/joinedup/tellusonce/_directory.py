"""Simple record directories and version lookups: for tests, benchmarks and the demo until linkage plugs in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from joinedup.store import Database
from joinedup.store.source_records import SourceRecordStore
from joinedup.store.tellusonce_outbox import OutboxStore


class MappingRecordDirectory:
    """A directory held in memory: ``{resident_id: [(system, record_id), ...]}``, e.g. from a simulator's truth."""

    def __init__(self, records: Mapping[str, Iterable[tuple[str, str]]] | None = None) -> None:
        self._records: dict[str, list[tuple[str, str]]] = {key: list(value) for key, value in (records or {}).items()}

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str, str]]) -> MappingRecordDirectory:
        """From ``(resident_id, system, record_id)`` triples."""
        directory = cls()
        for resident_id, system, record_id in pairs:
            directory.add(resident_id, system, record_id)
        return directory

    def add(self, resident_id: str, system: str, record_id: str) -> None:
        self._records.setdefault(resident_id, []).append((system, record_id))

    def records_of(self, resident_id: str) -> list[tuple[str, str]]:
        return list(self._records.get(resident_id, ()))

    def residents(self) -> list[str]:
        return list(self._records)


class StoredRecordVersions:
    """Versions read from the newest stored copy of each record (what ingest last read from the system).

    Once joinedup has itself written to a record after that copy was read, the stored version is out of date by
    joinedup's own doing; then no version is given (the write is not held as a conflict it caused itself). The
    next sync reads the record again and the check applies once more.
    """

    def __init__(self, database: Database) -> None:
        self._records = SourceRecordStore(database)
        self._outbox = OutboxStore(database)

    def version_of(self, system: str, record_id: str, field: str) -> str | None:
        stored = self._records.current(system, record_id)
        if stored is None or stored.raw.get(field) in (None, ""):
            return None
        written = self._outbox.last_written(system, record_id)
        if written is not None and written >= stored.received_at:
            return None
        return str(stored.raw[field])
