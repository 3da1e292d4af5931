"""The organisations and systems of the loaded place file, mirrored into the database.

Records reference their system by code; keeping the register in the database lets every backend enforce
that a record names a system the place declares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from joinedup.place import Place

from .database import Database
from .tables import organisations, source_systems


def _upsert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert new codes, update known ones. Codes are never deleted: old records may still name them."""
    existing = set(connection.execute(select(table.c.code)).scalars())
    fresh = [dict(row) for row in rows if row["code"] not in existing]
    if fresh:
        connection.execute(insert(table), fresh)
    for row in rows:
        if row["code"] in existing:
            connection.execute(update(table).where(table.c.code == row["code"]).values(**row))


def register_place(database: Database, place: Place, *, now: datetime | None = None) -> None:
    """Make the database's register of organisations and systems match the place file."""
    stamp = now or datetime.now(UTC)
    with database.transaction() as connection:
        _upsert(
            connection,
            organisations,
            [
                {"code": o.code, "name": o.name, "type": o.type.value, "ods_code": o.ods_code, "updated_at": stamp}
                for o in place.organisations
            ],
        )
        _upsert(
            connection,
            source_systems,
            [
                {
                    "code": s.code,
                    "name": s.name,
                    "organisation_code": s.organisation,
                    "kind": s.kind.value,
                    "entity": s.entity.value,
                    "updated_at": stamp,
                }
                for s in place.systems
            ],
        )


def registered_systems(database: Database) -> list[dict[str, Any]]:
    """The systems in the register, with their organisation's name, ordered by code."""
    statement = (
        select(
            source_systems.c.code,
            source_systems.c.name,
            source_systems.c.kind,
            source_systems.c.entity,
            organisations.c.name.label("organisation"),
        )
        .join(organisations, organisations.c.code == source_systems.c.organisation_code)
        .order_by(source_systems.c.code)
    )
    with database.engine.connect() as connection:
        return [dict(row) for row in connection.execute(statement).mappings()]
