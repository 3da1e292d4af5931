"""Keeping the resident search index in step with linkage: rebuilt whole by a bulk run, and refreshed for the
residents a real-time match touched. The keys are those of every record a resident holds now, so a resident
can be found by any name, address or number a system knows them by."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection

from joinedup.linkage._columns import unique_id
from joinedup.linkage._stored_records import person_row
from joinedup.store import Database
from joinedup.store.resident_search import SearchIndex
from joinedup.store.resident_search_keys import SearchEntry, entry_for
from joinedup.store.residents import ResidentStore
from joinedup.store.singleview_records import SingleViewRecords


def rebuild_in(connection: Connection, database: Database, assignment: Mapping[str, str],
               rows: Iterable[Mapping[str, str]]) -> int:  # fmt: skip
    """Replace the index with the residents of a bulk run: ``assignment`` maps "system|record_id" to resident."""
    grouped: dict[str, list[Mapping[str, str]]] = defaultdict(list)
    for row in rows:
        resident = assignment.get(unique_id(row["source"], row["record_id"]))
        if resident is not None:
            grouped[resident].append(row)
    entries = (entry_for(resident, held) for resident, held in grouped.items())
    return SearchIndex(database).replace_all_in(connection, entries)


def refresh(database: Database, resident_ids: Iterable[str]) -> None:
    """Re-index some residents from their current records (a resident with no records leaves the index)."""
    store, records = ResidentStore(database), SingleViewRecords(database)
    wanted = sorted(set(resident_ids))
    entries: list[SearchEntry] = []
    for resident in wanted:
        rows = [
            person_row(r.system, r.record_id, r.person) for r in records.current(store.records_of(resident)) if r.person
        ]
        if rows and store.current_id(resident) == resident:
            entries.append(entry_for(resident, rows))
    with database.transaction() as connection:
        SearchIndex(database).replace_in(connection, wanted, entries)


__all__ = ["rebuild_in", "refresh"]
