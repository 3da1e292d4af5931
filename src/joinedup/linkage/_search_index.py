"""Keeping the resident search index in step with linkage: rebuilt whole by a bulk run; a real-time match
re-indexes the residents it touched in its own transaction (``_incoming.py``), and ``refresh`` does the same
for any residents from what is stored. The keys are those of every record a resident holds now, so a resident
can be found by any name, address or number a system knows them by. A database that has residents but an empty
index (migrated to 0009 after its last bulk run) is filled on first use (``fill_if_empty``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection

from joinedup.linkage._columns import unique_id
from joinedup.linkage._stored_records import collect, person_row
from joinedup.store import Database
from joinedup.store.resident_search import SearchIndex
from joinedup.store.resident_search_keys import SearchEntry, entry_for
from joinedup.store.residents import ResidentStore
from joinedup.store.residents_sources import iter_current_documents


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


def fill_if_empty(database: Database) -> int:
    """Index every resident when residents exist but the index holds none; returns the residents indexed (0 when
    nothing needed doing). Cheap to call when the index is already filled: two one-row queries."""
    index, store = SearchIndex(database), ResidentStore(database)
    if not index.is_empty() or not store.has_records():
        return 0
    stored = collect(iter_current_documents(database))
    with database.transaction() as connection:
        held = store.assignment_in(connection).records
        assignment = {unique_id(*ref): resident for ref, resident in held.items()}
        return rebuild_in(connection, database, assignment, stored.rows)


def refresh(database: Database, resident_ids: Iterable[str]) -> None:
    """Re-index some residents from their current records (a resident with no records leaves the index)."""
    store = ResidentStore(database)
    wanted = sorted(set(resident_ids))
    entries: list[SearchEntry] = []
    for resident, documents in store.documents_of(wanted).items():
        rows = [
            person_row(d.system, d.record_id, d.canonical) for d in documents if d.entity == "person" and d.canonical
        ]
        if rows and store.current_id(resident) == resident:
            entries.append(entry_for(resident, rows))
    with database.transaction() as connection:
        SearchIndex(database).replace_in(connection, wanted, entries)


__all__ = ["fill_if_empty", "rebuild_in", "refresh"]
