"""Source records and their history: a changed payload becomes a new version, an unchanged one costs a lookup."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, RowMapping, bindparam, func, select, text, update

from joinedup.model import FLAT_HASH_PREFIX, EntityType, Person, Property, SourceRecord, flat_payload_hash

from ._bulk_writes import (
    _HEAD_COLUMNS,
    _copy_versions,
    _insert_versions,
    _require_all_aware,
    _stamper,
    _write_rows,
)
from ._json_text import compact_json
from .database import Database
from .source_locks import hold_systems_in
from .tables import source_record_heads, source_records

_LOOKUP_CHUNK = 2_000
_SQLITE_HEADS = text(
    "SELECT record_id, version, content_hash FROM source_record_heads"
    " WHERE system = :system AND record_id IN (SELECT value FROM json_each(:record_ids))"
)

# One primary-key probe per id, whatever the planner believes about the table's size. A plain IN list is
# planned from statistics, and while a first load is filling the table they say it is nearly empty: the
# plan then scans every head of the system for each lookup, and the load slows as it grows (quadratic).
# The LIMIT 1 (the key is unique, so it changes no answer) keeps PostgreSQL from flattening the lateral
# subquery into a plain join, which it would otherwise plan as a hash of every head of the system: a
# re-sync of a million unchanged rows took 322 s that way, each 5,000-id lookup 0.5 s instead of 12 ms.
_PG_HEADS = text(
    "SELECT k.record_id, h.version, h.content_hash"
    " FROM unnest(CAST(:record_ids AS text[])) AS k(record_id)"
    " CROSS JOIN LATERAL (SELECT version, content_hash FROM source_record_heads"
    " WHERE system = :system AND record_id = k.record_id LIMIT 1) AS h"
)

# Only the ids whose head differs from the hash sent come back, and as one row (two arrays on PostgreSQL, one
# JSON array of [id, hash] pairs on SQLite): a re-sync of unchanged data gets nothing back, and a first load,
# where every id is new, pays no per-row cost of the driver and SQLAlchemy. The same key probe per id as above.
_SQLITE_DIFFERING = text(
    "SELECT json_group_array(json_array(k.value ->> 0, h.content_hash)) FROM json_each(:pairs) AS k"
    " LEFT JOIN source_record_heads AS h ON h.system = :system AND h.record_id = k.value ->> 0"
    " WHERE h.content_hash IS NOT k.value ->> 1"
)
_PG_DIFFERING = text(
    "SELECT array_agg(k.record_id), array_agg(h.content_hash)"
    " FROM unnest(CAST(:record_ids AS text[]), CAST(:digests AS text[])) AS k(record_id, digest)"
    " LEFT JOIN LATERAL (SELECT content_hash FROM source_record_heads"
    " WHERE system = :system AND record_id = k.record_id LIMIT 1) AS h ON true"
    " WHERE h.content_hash IS DISTINCT FROM k.digest"
)


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


class StagedVersion(NamedTuple):
    """One incoming version in the lean form the store writes: the raw payload and canonical form already
    encoded as JSON text and the raw payload's content hash already computed.

    Ingest builds one per record on its hot path instead of a validated :class:`SourceRecord` (whose
    validation, and the second encoding of the same payload, cost more than the write itself). A tuple, so it
    is cheap to create and to pass between processes.
    """

    system: str
    record_id: str
    entity: str
    raw_json: str
    canonical_json: str  # "null" when there is no canonical form, as the JSON column has always stored it
    content_hash: str
    received_at: datetime
    changed_at: datetime | None


Heads = dict[tuple[str, str], tuple[int, str]]
"""(system, record_id) -> (newest version, its content hash), for the keys that have one."""

_JSON = compact_json(sort_keys=False)


def encode_json(value: Any) -> str:
    """JSON text for a document column. Built once per value, by the caller, rather than by the column type."""
    return _JSON(value)


# The same text raw_content_hash hashes (sorted keys, compact, unescaped), without its str() fallback: a payload
# that is not plain JSON is refused here as the raw column has always refused it.
_SORTED_JSON = compact_json(sort_keys=True)


def raw_json(payload: Mapping[str, Any]) -> str:
    """The raw payload's stored JSON, keys sorted (JSON readers, and PostgreSQL's jsonb, ignore their order)."""
    return _SORTED_JSON(payload if isinstance(payload, dict) else dict(payload))


def content_hash(payload: Mapping[str, Any]) -> str:
    """The hash a version is stored with, by which an unchanged payload is recognised.

    A flat payload gets :func:`joinedup.model.flat_payload_hash` (BLAKE2b over its key and value texts: the
    cheap path a re-sync of unchanged data takes per record). Any other payload gets the SHA-256 of its sorted
    JSON, :func:`joinedup.model.raw_content_hash`, which every version stored before had; :func:`holds_content`
    still recognises those.
    """
    return flat_payload_hash(payload) or hashlib.sha256(raw_json(payload).encode("utf-8")).hexdigest()


def holds_content(stored: str, digest: str, sorted_json: str | Callable[[], str]) -> bool:
    """Whether a stored hash is that of the payload whose :func:`content_hash` is ``digest``.

    A version stored before flat payloads had their own hash carries the SHA-256 of the sorted JSON; that is
    compared too (``sorted_json`` is the payload's :func:`raw_json`, or makes it: it is only needed then), so
    upgrading stores no new versions.
    """
    if stored == digest:
        return True
    legacy = digest.startswith(FLAT_HASH_PREFIX) and not stored.startswith(FLAT_HASH_PREFIX)
    if not legacy:
        return False
    text = sorted_json if isinstance(sorted_json, str) else sorted_json()
    return stored == hashlib.sha256(text.encode("utf-8")).hexdigest()


def stage(record: SourceRecord) -> StagedVersion:
    """The lean form of a validated source record."""
    canonical = record.person or record.property
    return StagedVersion(
        record.system,
        record.record_id,
        record.entity.value,
        raw_json(record.raw),
        "null" if canonical is None else canonical_json(canonical),
        content_hash(record.raw),
        record.received_at,
        record.changed_at,
    )


def canonical_json(canonical: Person | Property) -> str:
    """The stored canonical form: what ``model_dump(mode="json", exclude_none=True, exclude_defaults=True)``
    gives, serialised by pydantic-core directly (a fraction of the cost of dumping to dicts and encoding)."""
    serializer = canonical.__pydantic_serializer__
    return serializer.to_json(canonical, exclude_none=True, exclude_defaults=True).decode("utf-8")


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
        return self.save_staged_in(connection, [stage(record) for record in batch], now=now)

    def save_staged_in(
        self,
        connection: Connection,
        batch: Sequence[StagedVersion],
        *,
        now: datetime | None = None,
        heads: Heads | None = None,
    ) -> SaveResult:
        """Store staged versions inside the caller's transaction.

        ``heads`` may carry what :meth:`heads_in` just returned for these keys in the same transaction, which
        saves looking them up twice; it must cover every key of the batch (a key without a head is new).
        """
        # One writer per system at a time, from before the heads are read to commit: see source_locks.
        hold_systems_in(connection, {r.system for r in batch})
        now = now or datetime.now(UTC)
        if heads is None:
            heads = _current_heads(connection, {(r.system, r.record_id) for r in batch})
        else:
            heads = dict(heads)  # updated below as versions are numbered; the caller's copy stays as it was
        inserts: list[tuple[StagedVersion, int]] = []
        new_keys: set[tuple[str, str]] = set()
        new = changed = unchanged = 0
        for record in batch:
            key = (record.system, record.record_id)
            head = heads.get(key)
            if head is not None and holds_content(head[1], record.content_hash, record.raw_json):
                unchanged += 1
                continue
            if head is None:
                version = 1
                new += 1
                new_keys.add(key)  # stays new even if the same batch brings a second version of it
            else:
                version = head[0] + 1
                changed += 1
            heads[key] = (version, record.content_hash)
            inserts.append((record, version))
        if inserts:
            self._write_versions(connection, inserts, new_keys, now)
        return SaveResult(new=new, changed=changed, unchanged=unchanged)

    def _write_versions(
        self,
        connection: Connection,
        inserts: list[tuple[StagedVersion, int]],
        new_keys: set[tuple[str, str]],
        now: datetime,
    ) -> None:
        _require_all_aware(inserts)
        if connection.dialect.name == "postgresql":
            ids = _copy_versions(connection, inserts)
        else:
            ids = _insert_versions(connection, inserts)
        # Only the newest version of each key becomes its head.
        latest: dict[tuple[str, str], tuple[int, StagedVersion, int]] = {}
        for pk, (record, version) in zip(ids, inserts, strict=True):
            latest[(record.system, record.record_id)] = (pk, record, version)
        stamp = _stamper(connection, source_record_heads.c.updated_at)(now)
        fresh = [
            (record.system, record.record_id, version, record.content_hash, pk, stamp)
            for key, (pk, record, version) in latest.items()
            if key in new_keys
        ]
        moved = [
            {
                "h_system": record.system,
                "h_record_id": record.record_id,
                "version": version,
                "content_hash": record.content_hash,
                "source_record_pk": pk,
                "updated_at": now,
            }
            for key, (pk, record, version) in latest.items()
            if key not in new_keys
        ]
        if fresh:
            _write_rows(connection, source_record_heads, _HEAD_COLUMNS, fresh)
        if moved:
            connection.execute(
                update(source_record_heads)
                .where(source_record_heads.c.system == bindparam("h_system"))
                .where(source_record_heads.c.record_id == bindparam("h_record_id")),
                moved,
            )

    def heads_in(self, connection: Connection, system: str, record_ids: Iterable[str]) -> Heads:
        """The newest stored version and content hash of each of these records that has one."""
        return _current_heads(connection, {(system, record_id) for record_id in record_ids})

    def differing_heads_in(
        self, connection: Connection, system: str, record_ids: Sequence[str], digests: Sequence[str]
    ) -> dict[str, str | None]:
        """For records arriving with these content hashes (pairwise), the stored head hash of each record whose
        head does not hold exactly its hash, None where it has no head. A record left out is held unchanged.

        What a sync asks of every batch it reads; unlike :meth:`heads_in`, the database does the comparing, so
        a batch of unchanged records brings back nothing.
        """
        found: dict[str, str | None] = {}
        postgres = connection.dialect.name == "postgresql"
        for start in range(0, len(record_ids), _LOOKUP_CHUNK):
            ids, hashes = record_ids[start : start + _LOOKUP_CHUNK], digests[start : start + _LOOKUP_CHUNK]
            if postgres:
                parameters = {"record_ids": list(ids), "digests": list(hashes), "system": system}
                differing_ids, stored = connection.execute(_PG_DIFFERING, parameters).one()
                found.update(zip(differing_ids or (), stored or (), strict=True))
            else:
                pairs = json.dumps(list(zip(ids, hashes, strict=True)), ensure_ascii=False)
                differing = connection.execute(_SQLITE_DIFFERING, {"pairs": pairs, "system": system}).scalar_one()
                found.update(json.loads(differing))
        return found

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


def _current_heads(connection: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
    """The head (version, hash) of each key that has one, looked up per system by primary key.

    Each backend gets the ids as one array parameter (PostgreSQL ``unnest``, SQLite ``json_each``) rather than
    an IN list of bound literals: a re-sync of unchanged data is mostly this lookup, and building and binding
    hundreds of parameters per batch cost more than the lookups themselves.
    """
    found: dict[tuple[str, str], tuple[int, str]] = {}
    by_system: dict[str, list[str]] = {}
    for system, record_id in keys:
        by_system.setdefault(system, []).append(record_id)
    statement = _PG_HEADS if connection.dialect.name == "postgresql" else _SQLITE_HEADS
    for system, record_ids in by_system.items():
        record_ids.sort()
        for start in range(0, len(record_ids), _LOOKUP_CHUNK):
            chunk = record_ids[start : start + _LOOKUP_CHUNK]
            ids = chunk if statement is _PG_HEADS else json.dumps(chunk)
            for record_id, version, digest in connection.execute(statement, {"record_ids": ids, "system": system}):
                found[(system, record_id)] = (version, digest)
    return found
