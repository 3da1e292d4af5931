"""Residents as stored: which resident each source record belongs to now, and every change of id with its reason.

Writes happen inside the caller's transaction (a linkage run persists residents, memberships, events, review
items and households together); reads open their own connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update

from .database import Database
from .residents_sources import CurrentDocument
from .residents_tables import linkage_runs, resident_events, resident_records, residents
from .tables import source_record_heads, source_records

RecordRef = tuple[str, str]
"""(system, record_id)"""

_CHUNK = 5_000


@dataclass(frozen=True)
class StoredAssignment:
    """The current membership: record -> resident id, and each active resident's creation time."""

    records: dict[RecordRef, str]
    created: dict[str, datetime]


@dataclass(frozen=True)
class ResidentEvent:
    """A change of resident id for some records: kind, the ids concerned, the records, why, and the evidence."""

    kind: str
    resident_id: str
    other_resident_id: str | None
    records: tuple[str, ...]
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class LinkageRun:
    """A finished bulk run: its size, what it changed, and the model it used (JSON text)."""

    finished_at: datetime
    records: int
    residents: int
    events: int
    review_items_added: int
    model: str


@dataclass(frozen=True)
class MembershipChange:
    """What one linkage run decided, ready to be stored."""

    assignment: Mapping[RecordRef, str]
    new_ids: frozenset[str]
    retired: frozenset[str]
    merged_into: Mapping[str, str]
    events: Sequence[ResidentEvent]
    linked_by: str = "bulk"


class ResidentStore:
    """The residents' repository."""

    def __init__(self, database: Database) -> None:
        self._database = database

    # --- writes, inside the caller's transaction -------------------------------------------------------------

    def assignment_in(self, connection: Connection) -> StoredAssignment:
        records = {
            (system, record_id): resident
            for system, record_id, resident in connection.execute(
                select(resident_records.c.system, resident_records.c.record_id, resident_records.c.resident_id)
            )
        }
        created = {
            resident: when
            for resident, when in connection.execute(
                select(residents.c.id, residents.c.created_at).where(residents.c.status == "active")
            )
        }
        return StoredAssignment(records, created)

    def apply_in(self, connection: Connection, change: MembershipChange, now: datetime) -> None:
        """Store a run's outcome: new residents, changed memberships only, retired ids, and the events."""
        if change.new_ids:
            rows = [{"id": rid, "status": "active", "created_at": now, "updated_at": now} for rid in change.new_ids]
            _in_chunks(connection, insert(residents), sorted(rows, key=lambda row: row["id"]))
        previous = self.assignment_in(connection).records
        fresh = [ref for ref in change.assignment if ref not in previous]
        moved = [ref for ref, rid in change.assignment.items() if ref in previous and previous[ref] != rid]
        gone = [ref for ref in previous if ref not in change.assignment]
        if gone:
            removal = delete(resident_records).where(
                resident_records.c.system == bindparam("s"), resident_records.c.record_id == bindparam("r")
            )
            _in_chunks(connection, removal, [{"s": s, "r": r} for s, r in gone])
        if moved:
            statement = (
                update(resident_records)
                .where(resident_records.c.system == bindparam("s"), resident_records.c.record_id == bindparam("r"))
                .values(resident_id=bindparam("rid"), linked_by=bindparam("by"), linked_at=bindparam("at"))
            )
            rows = [
                {"s": s, "r": r, "rid": change.assignment[(s, r)], "by": change.linked_by, "at": now} for s, r in moved
            ]
            _in_chunks(connection, statement, rows)
        if fresh:
            rows = [
                {"system": s, "record_id": r, "resident_id": change.assignment[(s, r)]}
                | {"linked_by": change.linked_by, "linked_at": now}
                for s, r in fresh
            ]
            _in_chunks(connection, insert(resident_records), rows)
        for old in sorted(change.retired):
            target = change.merged_into.get(old)
            connection.execute(
                update(residents)
                .where(residents.c.id == old)
                .values(status="merged" if target else "retired", merged_into=target, updated_at=now)
            )
        self.add_events_in(connection, change.events, now)

    def add_events_in(self, connection: Connection, events: Iterable[ResidentEvent], now: datetime) -> None:
        rows = [
            {
                "kind": e.kind,
                "resident_id": e.resident_id,
                "other_resident_id": e.other_resident_id,
                "records": list(e.records),
                "reason": e.reason,
                "evidence": dict(e.evidence),
                "occurred_at": e.occurred_at or now,
            }
            for e in events
        ]
        if rows:
            _in_chunks(connection, insert(resident_events), rows)

    def create_in(self, connection: Connection, resident_id: str, now: datetime) -> None:
        connection.execute(insert(residents).values(id=resident_id, status="active", created_at=now, updated_at=now))

    def attach_in(
        self, connection: Connection, ref: RecordRef, resident_id: str, linked_by: str, now: datetime
    ) -> None:
        """Make one record a member of a resident (real-time matching), replacing any earlier membership."""
        key = (resident_records.c.system == ref[0]) & (resident_records.c.record_id == ref[1])
        connection.execute(delete(resident_records).where(key))
        connection.execute(
            insert(resident_records).values(
                system=ref[0], record_id=ref[1], resident_id=resident_id, linked_by=linked_by, linked_at=now
            )
        )

    def record_run_in(self, connection: Connection, run: LinkageRun) -> None:
        connection.execute(insert(linkage_runs).values(**vars(run)))

    # --- reads ------------------------------------------------------------------------------------------------

    def current_id(self, resident_id: str) -> str | None:
        """The id that answers for ``resident_id`` now: itself, or the id it was merged into (followed to the
        end); None for an id never issued."""
        with self._database.engine.connect() as connection:
            seen: set[str] = set()
            current = resident_id
            while current not in seen:
                seen.add(current)
                row = connection.execute(
                    select(residents.c.status, residents.c.merged_into).where(residents.c.id == current)
                ).first()
                if row is None:
                    return None
                if row.status != "merged" or row.merged_into is None:
                    return current
                current = row.merged_into
            return current

    def records_of(self, resident_id: str) -> list[RecordRef]:
        """The (system, record_id) of every record the resident holds now; a merged id answers for its heir."""
        current = self.current_id(resident_id)
        if current is None:
            return []
        statement = (
            select(resident_records.c.system, resident_records.c.record_id)
            .where(resident_records.c.resident_id == current)
            .order_by(resident_records.c.system, resident_records.c.record_id)
        )
        with self._database.engine.connect() as connection:
            return [(system, record_id) for system, record_id in connection.execute(statement)]

    def resident_of(self, system: str, record_id: str) -> str | None:
        statement = select(resident_records.c.resident_id).where(
            resident_records.c.system == system, resident_records.c.record_id == record_id
        )
        with self._database.engine.connect() as connection:
            return connection.execute(statement).scalar_one_or_none()

    def events_of(self, resident_id: str) -> list[ResidentEvent]:
        """Every id change that involved the resident, oldest first."""
        statement = (
            select(resident_events)
            .where(
                or_(resident_events.c.resident_id == resident_id, resident_events.c.other_resident_id == resident_id)
            )
            .order_by(resident_events.c.id)
        )
        with self._database.engine.connect() as connection:
            return [
                ResidentEvent(
                    row.kind,
                    row.resident_id,
                    row.other_resident_id,
                    tuple(row.records),
                    row.reason,
                    row.evidence,
                    row.occurred_at,
                )
                for row in connection.execute(statement)
            ]

    def documents_of(self, resident_ids: Iterable[str]) -> dict[str, list[CurrentDocument]]:
        """The newest canonical document of every record each resident holds now, in one query and without
        building models (real-time matching reads a resident's addresses and search keys on every call)."""
        wanted = sorted(set(resident_ids))
        found: dict[str, list[CurrentDocument]] = {resident: [] for resident in wanted}
        if not wanted:
            return found
        statement = (
            select(
                resident_records.c.resident_id,
                source_records.c.system,
                source_records.c.record_id,
                source_records.c.entity,
                source_records.c.canonical,
                source_records.c.changed_at,
                source_records.c.received_at,
            )
            .join(
                source_record_heads,
                (source_record_heads.c.system == resident_records.c.system)
                & (source_record_heads.c.record_id == resident_records.c.record_id),
            )
            .join(source_records, source_records.c.id == source_record_heads.c.source_record_pk)
            .where(resident_records.c.resident_id.in_(wanted))
            .order_by(source_records.c.system, source_records.c.record_id)
        )
        with self._database.engine.connect() as connection:
            for row in connection.execute(statement):
                document = CurrentDocument(
                    row.system, row.record_id, row.entity, row.canonical, row.changed_at or row.received_at
                )
                found[row.resident_id].append(document)
        return found

    def has_records(self) -> bool:
        """Whether any record belongs to a resident (a bulk run or a real-time match has stored one)."""
        with self._database.engine.connect() as connection:
            return connection.execute(select(resident_records.c.system).limit(1)).first() is not None

    def latest_run(self) -> LinkageRun | None:
        """The newest bulk run (its model is the one real-time matching should score with)."""
        statement = select(linkage_runs).order_by(linkage_runs.c.id.desc()).limit(1)
        with self._database.engine.connect() as connection:
            row = connection.execute(statement).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values.pop("id")
        return LinkageRun(**values)

    def status_of(self, resident_id: str) -> str | None:
        with self._database.engine.connect() as connection:
            return connection.execute(select(residents.c.status).where(residents.c.id == resident_id)).scalar()

    def held_across_systems(self, limit: int = 5) -> list[str]:
        """Residents whose records come from the most systems (ties by id): examples for a demo or a check."""
        systems = func.count(func.distinct(resident_records.c.system))
        statement = (
            select(resident_records.c.resident_id)
            .group_by(resident_records.c.resident_id)
            .having(systems > 1)
            .order_by(systems.desc(), resident_records.c.resident_id)
            .limit(limit)
        )
        with self._database.engine.connect() as connection:
            return list(connection.execute(statement).scalars())

    def counts(self) -> tuple[int, int]:
        """(active residents, residents whose records come from more than one system)."""
        per_resident = (
            select(resident_records.c.resident_id, func.count(func.distinct(resident_records.c.system)).label("n"))
            .group_by(resident_records.c.resident_id)
            .subquery()
        )
        with self._database.engine.connect() as connection:
            active = connection.execute(
                select(func.count()).select_from(residents).where(residents.c.status == "active")
            ).scalar_one()
            multi = connection.execute(
                select(func.count()).select_from(per_resident).where(per_resident.c.n > 1)
            ).scalar_one()
        return active, multi


def _in_chunks(connection: Connection, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        connection.execute(statement, list(rows[start : start + _CHUNK]))


__all__ = [
    "LinkageRun",
    "MembershipChange",
    "RecordRef",
    "ResidentEvent",
    "ResidentStore",
    "StoredAssignment",
]
