"""Source records and their history: a changed payload becomes a new version, an unchanged one costs a lookup."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, func, insert, select, update

from joinedup.model import EntityType, Person, Property, SourceRecord, raw_content_hash

from .database import Database
from .tables import source_record_heads, source_records

_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class SaveResult:
    """What a save did: how many records were new, changed (a new version) or unchanged."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def __add__(self, other: SaveResult) -> SaveResult:
        return SaveResult(self.new + other.new, self.changed + other.changed, self.unchanged + other.unchanged)

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged


@dataclass(frozen=True)
class SystemCounts:
    system: str
    records: int
    versions: int


def _canonical_of(record: SourceRecord) -> dict[str, Any] | None:
    canonical = record.person or record.property
    return None if canonical is None else canonical.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def _record_from_row(row: RowMapping) -> SourceRecord:
    canonical = row["canonical"]
    entity = EntityType(row["entity"])
    return SourceRecord(
        system=row["system"],
        record_id=row["record_id"],
        entity=entity,
        version=row["version"],
        raw=row["raw"],
        person=Person.model_validate(canonical) if canonical and entity is EntityType.PERSON else None,
        property=Property.model_validate(canonical) if canonical and entity is EntityType.PROPERTY else None,
        received_at=row["received_at"],
        changed_at=row["changed_at"],
    )


class SourceRecordStore:
    """Every version of every record received from the source systems. Rows are inserted, never updated."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def save(self, records: Iterable[SourceRecord], *, now: datetime | None = None) -> SaveResult:
        """Store a batch in one transaction. The incoming ``version`` is ignored: the store numbers versions."""
        batch = list(records)
        if not batch:
            return SaveResult()
        with self._database.transaction() as connection:
            return self.save_in(connection, batch, now=now)

    def save_in(
        self, connection: Connection, batch: Sequence[SourceRecord], *, now: datetime | None = None
    ) -> SaveResult:
        """Store a batch inside the caller's transaction (e.g. together with a sync's checkpoint)."""
        now = now or datetime.now(UTC)
        heads = _current_heads(connection, {(r.system, r.record_id) for r in batch})
        inserts: list[dict[str, Any]] = []
        new_keys: set[tuple[str, str]] = set()
        new = changed = unchanged = 0
        for record in batch:
            key = (record.system, record.record_id)
            digest = raw_content_hash(record.raw)
            head = heads.get(key)
            if head is not None and head[1] == digest:
                unchanged += 1
                continue
            version = 1 if head is None else head[0] + 1
            if head is None:
                new += 1
                new_keys.add(key)  # stays new even if the same batch brings a second version of it
            else:
                changed += 1
            heads[key] = (version, digest)
            inserts.append(
                {
                    "system": record.system,
                    "record_id": record.record_id,
                    "version": version,
                    "entity": record.entity.value,
                    "raw": record.raw,
                    "canonical": _canonical_of(record),
                    "content_hash": digest,
                    "received_at": record.received_at,
                    "changed_at": record.changed_at,
                }
            )
        if inserts:
            self._write_versions(connection, inserts, new_keys, now)
        return SaveResult(new=new, changed=changed, unchanged=unchanged)

    def _write_versions(
        self, connection: Connection, inserts: list[dict[str, Any]], new_keys: set[tuple[str, str]], now: datetime
    ) -> None:
        statement = insert(source_records).returning(source_records.c.id, sort_by_parameter_order=True)
        ids = connection.execute(statement, inserts).scalars().all()
        # Only the newest version of each key becomes its head.
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for pk, row in zip(ids, inserts, strict=True):
            latest[(row["system"], row["record_id"])] = {
                "h_system": row["system"],
                "h_record_id": row["record_id"],
                "version": row["version"],
                "content_hash": row["content_hash"],
                "source_record_pk": pk,
                "updated_at": now,
            }
        fresh = [head for key, head in latest.items() if key in new_keys]
        moved = [head for key, head in latest.items() if key not in new_keys]
        if fresh:
            connection.execute(
                insert(source_record_heads),
                [{"system": h["h_system"], "record_id": h["h_record_id"], **_head_values(h)} for h in fresh],
            )
        if moved:
            connection.execute(
                update(source_record_heads)
                .where(source_record_heads.c.system == bindparam("h_system"))
                .where(source_record_heads.c.record_id == bindparam("h_record_id")),
                moved,
            )

    def unchanged_in(self, connection: Connection, system: str, hashes: dict[str, str]) -> set[str]:
        """Which of these record ids' newest stored version has exactly this raw-content hash.

        Lets a sync skip mapping and validating records it already holds, which is what makes a re-sync of
        unchanged data cheap.
        """
        heads = _current_heads(connection, {(system, record_id) for record_id in hashes})
        return {record_id for (_, record_id), (_, digest) in heads.items() if hashes[record_id] == digest}

    def current(self, system: str, record_id: str) -> SourceRecord | None:
        """The newest version of one record, or None if the system never sent it."""
        statement = (
            select(source_records)
            .join(source_record_heads, source_record_heads.c.source_record_pk == source_records.c.id)
            .where(source_record_heads.c.system == system, source_record_heads.c.record_id == record_id)
        )
        with self._database.engine.connect() as connection:
            row = connection.execute(statement).mappings().first()
        return None if row is None else _record_from_row(row)

    def history(self, system: str, record_id: str) -> list[SourceRecord]:
        """Every version of one record, oldest first."""
        statement = (
            select(source_records)
            .where(source_records.c.system == system, source_records.c.record_id == record_id)
            .order_by(source_records.c.version)
        )
        with self._database.engine.connect() as connection:
            return [_record_from_row(row) for row in connection.execute(statement).mappings()]

    def iter_current(self, system: str | None = None, *, batch_size: int = 5_000) -> Iterator[SourceRecord]:
        """The newest version of every record (of one system, or all), streamed in key order."""
        statement = select(source_records).join(
            source_record_heads, source_record_heads.c.source_record_pk == source_records.c.id
        )
        if system is not None:
            statement = statement.where(source_record_heads.c.system == system)
        statement = statement.order_by(source_records.c.system, source_records.c.record_id)
        with self._database.engine.connect() as connection:
            result = connection.execution_options(yield_per=batch_size).execute(statement).mappings()
            for row in result:
                yield _record_from_row(row)

    def counts(self) -> list[SystemCounts]:
        """Records and versions held per system."""
        statement = (
            select(
                source_records.c.system,
                func.count(func.distinct(source_records.c.record_id)),
                func.count(),
            )
            .group_by(source_records.c.system)
            .order_by(source_records.c.system)
        )
        with self._database.engine.connect() as connection:
            return [
                SystemCounts(system, records, versions) for system, records, versions in connection.execute(statement)
            ]


def _head_values(head: dict[str, Any]) -> dict[str, Any]:
    return {key: head[key] for key in ("version", "content_hash", "source_record_pk", "updated_at")}


def _current_heads(connection: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
    """The head (version, hash) of each key that has one. Looked up per system with a plain IN list, which
    every backend answers from the primary key (a row-value IN is not always planned as an index lookup)."""
    found: dict[tuple[str, str], tuple[int, str]] = {}
    by_system: dict[str, list[str]] = {}
    for system, record_id in keys:
        by_system.setdefault(system, []).append(record_id)
    for system, record_ids in by_system.items():
        record_ids.sort()
        for start in range(0, len(record_ids), _LOOKUP_CHUNK):
            chunk = record_ids[start : start + _LOOKUP_CHUNK]
            statement = select(
                source_record_heads.c.record_id, source_record_heads.c.version, source_record_heads.c.content_hash
            ).where(source_record_heads.c.system == system, source_record_heads.c.record_id.in_(chunk))
            for record_id, version, digest in connection.execute(statement):
                found[(system, record_id)] = (version, digest)
    return found
