"""Ingest's own state: the quarantine of records that could not be taken in, and each source's sync progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from joinedup.model import raw_content_hash

from .database import Database
from .tables import quarantine, sync_runs, sync_state


@dataclass(frozen=True)
class QuarantinedRecord:
    id: int
    system: str
    record_id: str | None
    location: str
    reasons: tuple[str, ...]
    raw: Mapping[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class SyncState:
    system: str
    cursor: str | None = None
    last_started_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    stopped: str | None = None
    newest_change_at: datetime | None = None


@dataclass(frozen=True)
class Rejection:
    """One record refused by ingest, as it goes into quarantine."""

    record_id: str | None
    location: str
    reasons: tuple[str, ...]
    raw: Mapping[str, Any]


class QuarantineStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    def add_in(self, connection: Connection, system: str, rejections: Sequence[Rejection], now: datetime) -> int:
        """Quarantine records inside the caller's transaction; a payload already held is only re-stamped."""
        added = 0
        for rejection in rejections:
            digest = raw_content_hash(dict(rejection.raw))
            key = (quarantine.c.system == system) & (quarantine.c.content_hash == digest)
            seen = connection.execute(update(quarantine).where(key).values(last_seen_at=now)).rowcount
            if not seen:
                connection.execute(
                    insert(quarantine).values(
                        system=system,
                        record_id=rejection.record_id,
                        location=rejection.location,
                        reasons=list(rejection.reasons),
                        raw=dict(rejection.raw),
                        content_hash=digest,
                        first_seen_at=now,
                        last_seen_at=now,
                    )
                )
                added += 1
        return added

    def list(
        self, system: str | None = None, *, include_resolved: bool = False, limit: int = 1000
    ) -> list[QuarantinedRecord]:
        statement = select(quarantine).order_by(quarantine.c.id).limit(limit)
        if system is not None:
            statement = statement.where(quarantine.c.system == system)
        if not include_resolved:
            statement = statement.where(quarantine.c.resolved_at.is_(None))
        with self._database.engine.connect() as connection:
            return [
                QuarantinedRecord(
                    id=row["id"],
                    system=row["system"],
                    record_id=row["record_id"],
                    location=row["location"],
                    reasons=tuple(row["reasons"]),
                    raw=row["raw"],
                    first_seen_at=row["first_seen_at"],
                    last_seen_at=row["last_seen_at"],
                    resolved_at=row["resolved_at"],
                )
                for row in connection.execute(statement).mappings()
            ]

    def resolve_in(self, connection: Connection, entry_id: int, resolution: str, now: datetime) -> None:
        connection.execute(
            update(quarantine).where(quarantine.c.id == entry_id).values(resolved_at=now, resolution=resolution)
        )

    def open_counts(self) -> dict[str, int]:
        statement = (
            select(quarantine.c.system, func.count())
            .where(quarantine.c.resolved_at.is_(None))
            .group_by(quarantine.c.system)
        )
        with self._database.engine.connect() as connection:
            return {system: count for system, count in connection.execute(statement)}


@dataclass(frozen=True)
class SyncRun:
    id: int
    system: str
    status: str
    started_at: datetime
    finished_at: datetime | None


class SyncStateStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    def get(self, system: str) -> SyncState:
        with self._database.engine.connect() as connection:
            row = connection.execute(select(sync_state).where(sync_state.c.system == system)).mappings().first()
        return SyncState(system) if row is None else SyncState(**row)

    def all(self) -> list[SyncState]:
        with self._database.engine.connect() as connection:
            rows = connection.execute(select(sync_state).order_by(sync_state.c.system)).mappings().all()
        return [SyncState(**row) for row in rows]

    def update_in(self, connection: Connection, system: str, **values: Any) -> None:
        """Set fields of a source's state inside the caller's transaction, creating the row if need be."""
        done = connection.execute(update(sync_state).where(sync_state.c.system == system).values(**values)).rowcount
        if not done:
            connection.execute(insert(sync_state).values(system=system, **values))

    def update(self, system: str, **values: Any) -> None:
        with self._database.transaction() as connection:
            self.update_in(connection, system, **values)

    def start_run(self, system: str, now: datetime) -> int:
        """Record a new run. A run still marked running was killed (one source syncs at a time): say so."""
        with self._database.transaction() as connection:
            connection.execute(
                update(sync_runs)
                .where(sync_runs.c.system == system, sync_runs.c.status == "running")
                .values(status="interrupted", finished_at=now, error="the process ended before the run finished")
            )
            self.update_in(connection, system, last_started_at=now)
            result = connection.execute(insert(sync_runs).values(system=system, started_at=now, status="running"))
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def runs(self, system: str) -> list[SyncRun]:
        """A source's runs, oldest first."""
        columns = (
            sync_runs.c.id,
            sync_runs.c.system,
            sync_runs.c.status,
            sync_runs.c.started_at,
            sync_runs.c.finished_at,
        )
        statement = select(*columns).where(sync_runs.c.system == system).order_by(sync_runs.c.id)
        with self._database.engine.connect() as connection:
            return [SyncRun(**row) for row in connection.execute(statement).mappings()]

    def finish_run(self, run_id: int, status: str, now: datetime, counts: Mapping[str, int], error: str | None) -> None:
        with self._database.transaction() as connection:
            connection.execute(
                update(sync_runs)
                .where(sync_runs.c.id == run_id)
                .values(status=status, finished_at=now, error=error, **counts)
            )
