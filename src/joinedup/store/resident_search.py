"""The resident search index as stored: each resident's normalised search keys, and its name words.

Linkage keeps it up to date (rebuilt whole at a bulk run, one resident at a time in real time); the dashboard's
search reads it, so a search costs a few indexed lookups whatever the number of residents. Migration
``0009_resident_search`` creates the tables. The index holds derived data only: it decides *who* to list, never
what is shown of them (that is the disclosure gate's answer, from the golden record).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Index, String, Table, Text, delete, insert, intersect, select

from .database import Database
from .resident_search_keys import SearchEntry
from .residents_tables import resident_records
from .tables import metadata

# One row per (kind, key, resident). The key's order makes a lookup by kind and key read the primary key alone.
resident_search_keys = Table(
    "resident_search_keys",
    metadata,
    Column("kind", String(8), primary_key=True),  # name | dob | postcode | uprn | nhs
    Column("key", String(64), primary_key=True),
    Column("resident_id", String(40), primary_key=True),
)
Index("ix_resident_search_keys_resident_id", resident_search_keys.c.resident_id)

# The resident's name words (every way its records write it), to score candidates without building records.
resident_search_names = Table(
    "resident_search_names",
    metadata,
    Column("resident_id", String(40), primary_key=True),
    Column("names", Text, nullable=False),  # lower-case ASCII words, space-separated
)

_CHUNK = 5_000
_IDS_PER_QUERY = 400


@dataclass(frozen=True)
class KeyCriterion:
    """One thing the resident must match: any of ``keys`` of ``kind`` (or a key starting with ``prefix``)."""

    kind: str
    keys: frozenset[str] = frozenset()
    prefix: str | None = None


class SearchIndex:
    """The search index's repository."""

    def __init__(self, database: Database) -> None:
        self._database = database

    # --- writes, inside the caller's transaction -------------------------------------------------------------

    def replace_all_in(self, connection: Connection, entries: Iterable[SearchEntry]) -> int:
        """Rebuild the whole index (a bulk run has just decided every resident); returns the residents indexed."""
        connection.execute(delete(resident_search_keys))
        connection.execute(delete(resident_search_names))
        return self._insert(connection, entries)

    def replace_in(self, connection: Connection, resident_ids: Iterable[str], entries: Iterable[SearchEntry]) -> None:
        """Drop what the index holds of ``resident_ids`` and store ``entries`` (a resident without one is gone)."""
        ids = sorted(set(resident_ids))
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            connection.execute(delete(resident_search_keys).where(resident_search_keys.c.resident_id.in_(chunk)))
            connection.execute(delete(resident_search_names).where(resident_search_names.c.resident_id.in_(chunk)))
        self._insert(connection, entries)

    def _insert(self, connection: Connection, entries: Iterable[SearchEntry]) -> int:
        keys: list[dict[str, str]] = []
        names: list[dict[str, str]] = []
        count = 0
        for entry in entries:
            count += 1
            keys += [{"resident_id": entry.resident_id, "kind": k, "key": v} for k, v in sorted(entry.keys)]
            names.append({"resident_id": entry.resident_id, "names": " ".join(entry.names)})
            if len(keys) >= _CHUNK:
                connection.execute(insert(resident_search_keys), keys)
                connection.execute(insert(resident_search_names), names)
                keys, names = [], []
        if keys:
            connection.execute(insert(resident_search_keys), keys)
        if names:
            connection.execute(insert(resident_search_names), names)
        return count

    # --- reads ------------------------------------------------------------------------------------------------

    def candidates(self, criteria: Sequence[KeyCriterion], *, limit: int) -> list[str]:
        """Residents that match every criterion (at most ``limit``, by id). Each criterion is one indexed lookup;
        the database intersects them."""
        if not criteria:
            return []
        lookups = []
        for criterion in criteria:
            column = resident_search_keys.c.key
            condition = (
                (column >= criterion.prefix) & (column < criterion.prefix + "\uffff")
                if criterion.prefix is not None
                else column.in_(sorted(criterion.keys))
            )
            lookups.append(
                select(resident_search_keys.c.resident_id).where(
                    resident_search_keys.c.kind == criterion.kind, condition
                )
            )
        combined = lookups[0].distinct() if len(lookups) == 1 else intersect(*lookups)
        statement = select(combined.subquery().c.resident_id).order_by("resident_id").limit(limit)
        with self._database.engine.connect() as connection:
            return list(connection.execute(statement).scalars())

    def names_of(self, resident_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Each resident's name words, for scoring candidates."""
        found: dict[str, tuple[str, ...]] = {}
        with self._database.engine.connect() as connection:
            for start in range(0, len(resident_ids), _IDS_PER_QUERY):
                chunk = list(resident_ids[start : start + _IDS_PER_QUERY])
                statement = select(resident_search_names).where(resident_search_names.c.resident_id.in_(chunk))
                found |= {row.resident_id: tuple(row.names.split()) for row in connection.execute(statement)}
        return found

    def records_of(self, resident_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """The (system, record_id) of each found resident's records, in one query (a result page's worth)."""
        found: dict[str, list[tuple[str, str]]] = {resident: [] for resident in resident_ids}
        statement = (
            select(resident_records.c.resident_id, resident_records.c.system, resident_records.c.record_id)
            .where(resident_records.c.resident_id.in_(list(resident_ids)))
            .order_by(resident_records.c.system, resident_records.c.record_id)
        )
        with self._database.engine.connect() as connection:
            for resident, system, record_id in connection.execute(statement):
                found[resident].append((system, record_id))
        return found

    def is_empty(self) -> bool:
        """Whether the index holds no resident at all (a database migrated after its last bulk run)."""
        with self._database.engine.connect() as connection:
            return connection.execute(select(resident_search_names.c.resident_id).limit(1)).first() is None

    def keys_of(self, resident_id: str) -> Mapping[str, frozenset[str]]:
        """The keys held for one resident, by kind (for checks and tests)."""
        statement = select(resident_search_keys.c.kind, resident_search_keys.c.key).where(
            resident_search_keys.c.resident_id == resident_id
        )
        by_kind: dict[str, set[str]] = {}
        with self._database.engine.connect() as connection:
            for kind, key in connection.execute(statement):
                by_kind.setdefault(kind, set()).add(key)
        return {kind: frozenset(keys) for kind, keys in by_kind.items()}


__all__ = ["KeyCriterion", "SearchIndex", "resident_search_keys", "resident_search_names"]
