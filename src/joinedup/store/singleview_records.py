"""Read-only access for the single view: the current version of a resident's records, one resident or all.

Which records belong to a resident is linkage's table (``resident_records``); this repository only reads
it, joined to each record's newest version, so the single view never needs a query per record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from sqlalchemy import ColumnElement, or_, select

from joinedup.model import SourceRecord

from .database import Database
from .residents_tables import resident_records
from .source_records import _record_from_row
from .tables import source_record_heads, source_records

_CHUNK = 400  # keys per query: two bound parameters each, well inside every backend's limit


def _heads_of(keys: Sequence[tuple[str, str]]) -> ColumnElement[bool]:
    """The heads of ``keys`` as one condition per system. SQLite plans a row-value IN, ``(system, record_id) IN
    (VALUES ...)``, as a scan of every head; ``system = ? AND record_id IN (...)`` searches the primary key."""
    by_system: dict[str, list[str]] = defaultdict(list)
    for system, record_id in keys:
        by_system[system].append(record_id)
    heads = source_record_heads.c
    return or_(*((heads.system == system) & heads.record_id.in_(ids) for system, ids in by_system.items()))


class SingleViewRecords:
    """The records a single view is built from; reads only."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def current(self, keys: Sequence[tuple[str, str]]) -> list[SourceRecord]:
        """The newest stored version of each (system, record id) that has one, in (system, record id) order."""
        wanted = sorted(set(keys))
        found: list[SourceRecord] = []
        with self._database.engine.connect() as connection:
            for start in range(0, len(wanted), _CHUNK):
                statement = (
                    select(source_records)
                    .join(source_record_heads, source_record_heads.c.source_record_pk == source_records.c.id)
                    .where(_heads_of(wanted[start : start + _CHUNK]))
                )
                found += [_record_from_row(row) for row in connection.execute(statement).mappings()]
        return sorted(found, key=lambda record: (record.system, record.record_id))

    def by_resident(self, *, batch_size: int = 5_000) -> Iterator[tuple[str, list[SourceRecord]]]:
        """Every resident linkage holds, with the newest version of each of their records, resident by resident."""
        statement = (
            select(resident_records.c.resident_id, source_records)
            .join(
                source_record_heads,
                (source_record_heads.c.system == resident_records.c.system)
                & (source_record_heads.c.record_id == resident_records.c.record_id),
            )
            .join(source_records, source_records.c.id == source_record_heads.c.source_record_pk)
            .order_by(resident_records.c.resident_id, resident_records.c.system, resident_records.c.record_id)
        )
        with self._database.engine.connect() as connection:
            rows = connection.execution_options(yield_per=batch_size).execute(statement).mappings()
            resident: str | None = None
            records: list[SourceRecord] = []
            for row in rows:
                if row["resident_id"] != resident:
                    if resident is not None:
                        yield resident, records
                    resident, records = row["resident_id"], []
                records.append(_record_from_row(row))
            if resident is not None:
                yield resident, records
