"""What the audit package's rights and retention jobs do to stored records: find old ones, delete, restrict."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, tuple_

from .audit_tables import audit_restrictions
from .residents_tables import resident_records
from .tables import organisations, source_record_heads, source_records, source_systems

RecordKey = tuple[str, str]
_CHUNK = 500


def records_older_than(connection: Connection, system: str, cutoff: datetime) -> list[RecordKey]:
    """Records of ``system`` whose newest version was received before ``cutoff`` (nothing newer came since)."""
    statement = (
        select(source_record_heads.c.system, source_record_heads.c.record_id)
        .join(source_records, source_records.c.id == source_record_heads.c.source_record_pk)
        .where(source_record_heads.c.system == system, source_records.c.received_at < cutoff)
        .order_by(source_record_heads.c.record_id)
    )
    return [(row[0], row[1]) for row in connection.execute(statement)]


def delete_records(connection: Connection, keys: Sequence[RecordKey]) -> int:
    """Delete every version of these records (heads first: they point at versions). Returns versions deleted."""
    deleted = 0
    for start in range(0, len(keys), _CHUNK):
        chunk = list(keys[start : start + _CHUNK])
        head_key = tuple_(source_record_heads.c.system, source_record_heads.c.record_id)
        connection.execute(delete(source_record_heads).where(head_key.in_(chunk)))
        version_key = tuple_(source_records.c.system, source_records.c.record_id)
        deleted += connection.execute(delete(source_records).where(version_key.in_(chunk))).rowcount
    return deleted


def restrict(connection: Connection, keys: Sequence[RecordKey], resident_id: str, ground: str, at: datetime) -> None:
    lift(connection, keys)
    if keys:
        rows = [
            {"system": s, "record_id": r, "subject_resident_id": resident_id, "ground": ground, "restricted_at": at}
            for s, r in keys
        ]
        connection.execute(insert(audit_restrictions), rows)


def lift(connection: Connection, keys: Sequence[RecordKey]) -> None:
    if keys:
        key = tuple_(audit_restrictions.c.system, audit_restrictions.c.record_id)
        connection.execute(delete(audit_restrictions).where(key.in_(list(keys))))


def restricted(connection: Connection, resident_id: str | None = None) -> list[RecordKey]:
    """Restricted records (of one resident, or all): other capabilities consult this before processing."""
    statement = select(audit_restrictions.c.system, audit_restrictions.c.record_id)
    if resident_id is not None:
        statement = statement.where(audit_restrictions.c.subject_resident_id == resident_id)
    return [(row[0], row[1]) for row in connection.execute(statement.order_by(*audit_restrictions.primary_key))]


def organisation_names(connection: Connection) -> dict[str, str]:
    """Organisation code -> name, so a resident reads names rather than codes."""
    return {row[0]: row[1] for row in connection.execute(select(organisations.c.code, organisations.c.name))}


def system_names(connection: Connection) -> dict[str, str]:
    """System code -> name, so a delivery reads "Council Tax" rather than a code."""
    return {row[0]: row[1] for row in connection.execute(select(source_systems.c.code, source_systems.c.name))}


def resident_ids(connection: Connection) -> dict[RecordKey, str]:
    """(system, record id) -> resident id for every linked record (one read, for extracts)."""
    statement = select(resident_records.c.system, resident_records.c.record_id, resident_records.c.resident_id)
    return {(row[0], row[1]): row[2] for row in connection.execute(statement)}
