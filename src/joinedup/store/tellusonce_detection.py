"""Change detection's reads and its cursor: new stored versions of a system's records, each beside the version
before it, and how far detection has read in each system.

Detection reads the versions ingest keeps (``source_records`` rows are inserted, never updated), so it needs
nothing from ingest but what ingest already stores. The cursor is the id of the last version examined; it is
advanced in the transaction that accepts the changes raised from those versions, so a crash either keeps both or
neither. An id is a safe cursor because a system's versions commit in the order of their ids (one writer per
system at a time: see :mod:`.source_locks`), so no version below a committed one can still appear.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from .database import Database
from .residents_tables import resident_records
from .tables import source_records
from .tellusonce_tables import tellusonce_detection_cursors as cursors


class StoredVersion(NamedTuple):
    """One stored version of a record and the canonical form of the version before it (None for a first one)."""

    pk: int
    record_id: str
    version: int
    canonical: Mapping[str, Any] | None
    before: Mapping[str, Any] | None


class DetectionStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def cursor_in(self, connection: Connection, system: str) -> int:
        found = connection.execute(select(cursors.c.last_record_pk).where(cursors.c.system == system)).scalar()
        return int(found or 0)

    def cursors(self) -> dict[str, int]:
        with self.database.engine.connect() as connection:
            return {
                system: int(pk) for system, pk in connection.execute(select(cursors.c.system, cursors.c.last_record_pk))
            }

    def versions_after_in(
        self, connection: Connection, system: str, after_pk: int, upto_pk: int, limit: int
    ) -> list[StoredVersion]:
        """Up to ``limit`` second-or-later versions of ``system``'s person records stored after ``after_pk`` (and
        not after ``upto_pk``), in the order stored. A first version is a new record, not a change."""
        before = aliased(source_records)
        statement = (
            select(
                source_records.c.id, source_records.c.record_id, source_records.c.version,
                source_records.c.canonical, before.c.canonical,
            )
            .outerjoin(
                before,
                and_(
                    before.c.system == source_records.c.system, before.c.record_id == source_records.c.record_id,
                    before.c.version == source_records.c.version - 1,
                ),
            )
            .where(source_records.c.system == system, source_records.c.id > after_pk, source_records.c.id <= upto_pk,
                   source_records.c.version > 1, source_records.c.entity == "person")
            .order_by(source_records.c.id)
            .limit(limit)
        )  # fmt: skip
        return [
            StoredVersion(int(pk), rid, int(v), now, then) for pk, rid, v, now, then in connection.execute(statement)
        ]

    def last_pk_in(self, connection: Connection, system: str, after_pk: int) -> int:
        """The newest stored version's id in ``system`` (of any entity), or ``after_pk`` when there is none newer."""
        newest = connection.execute(
            select(source_records.c.id).where(source_records.c.system == system, source_records.c.id > after_pk)
            .order_by(source_records.c.id.desc()).limit(1)
        ).scalar()  # fmt: skip
        return int(newest) if newest is not None else after_pk

    def advance_in(self, connection: Connection, system: str, pk: int, *, now: datetime | None = None) -> None:
        values = {"system": system, "last_record_pk": pk, "updated_at": now or datetime.now(UTC)}
        make = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        statement = make(cursors).values(values)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[cursors.c.system],
                set_={"last_record_pk": statement.excluded.last_record_pk, "updated_at": statement.excluded.updated_at},
            )
        )

    def reset(self, system: str) -> None:
        """Forget how far detection has read in ``system`` (it reads every stored version again; nothing already
        raised is raised twice, since a detected change's key is derived from the version it came from)."""
        with self.database.transaction() as connection:
            connection.execute(cursors.delete().where(cursors.c.system == system))

    def residents_of_in(self, connection: Connection, system: str, record_ids: Iterable[str]) -> dict[str, str]:
        """The resident each of these records is linked to (records not linked are left out)."""
        wanted = sorted(set(record_ids))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = connection.execute(
                select(resident_records.c.record_id, resident_records.c.resident_id).where(
                    resident_records.c.system == system, resident_records.c.record_id.in_(chunk)
                )
            )
            found.update({record_id: resident_id for record_id, resident_id in rows})
        return found


__all__ = ["DetectionStore", "StoredVersion"]
