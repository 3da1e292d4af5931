"""The tell-us-once outbox: accepted changes, their deliveries, claims by workers, outcomes and receipts.

Claiming is safe with several workers: on PostgreSQL the candidates are locked with ``FOR UPDATE SKIP LOCKED``
so two workers never take the same delivery; SQLite has one writer at a time, and the claim's UPDATE re-checks
that each row is still claimable. Order per resident and system: a delivery is only claimable when every
earlier delivery of the same resident to the same system has been delivered or refused, so two quick moves
arrive in the order they were told (a held or dead one holds back the later ones until someone acts).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Text, bindparam, func, insert, select, update

from . import tellusonce_claims as claims
from ._sqlite_writers import writer_lock
from .database import Database
from .tellusonce_tables import tellusonce_changes as changes
from .tellusonce_tables import tellusonce_deliveries as deliveries
from .types import UtcDateTime

STATUSES = ("pending", "in_flight", "queued", "delivered", "held", "dead", "refused")


@dataclass(frozen=True)
class NewDelivery:
    system: str
    record_id: str
    fields: Mapping[str, Any]
    expected_version: str | None = None
    agreement: str | None = None
    refused: str | None = None  # set when the delivery policy refused it: recorded, never sent


@dataclass(frozen=True)
class NewChange:
    kind: str
    resident_id: str
    fields: Mapping[str, Any]
    source: str
    raised_by: str
    raised_at: datetime
    key: str | None = None  # None: a random one; a detected change's key is derived from where it was detected


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    change_id: int
    resident_id: str
    system: str
    record_id: str
    fields: dict[str, Any]
    idempotency_key: str
    expected_version: str | None
    agreement: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    reason: str | None
    receipt: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt, to be recorded: a new status, with the reason or the receipt."""

    delivery_id: int
    status: str  # delivered | pending (retry later) | held | dead
    reason: str | None = None
    receipt: str | None = None
    next_attempt_at: datetime | None = None
    attempted: bool = True


def _row(row: Any) -> DeliveryRow:
    return DeliveryRow(
        id=row.id, change_id=row.change_id, resident_id=row.resident_id, system=row.system, record_id=row.record_id,
        fields=dict(row.fields), idempotency_key=row.idempotency_key, expected_version=row.expected_version,
        agreement=row.agreement, status=row.status, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
        reason=row.reason, receipt=row.receipt, created_at=row.created_at, delivered_at=row.delivered_at,
    )  # fmt: skip


def _as_recorded(row: DeliveryRow, outcome: Outcome, moment: datetime) -> DeliveryRow:
    """A claimed row as ``OutboxStore.record`` leaves it for this outcome."""
    return replace(
        row, status=outcome.status, reason=outcome.reason, receipt=outcome.receipt or row.receipt,
        attempts=row.attempts + (1 if outcome.attempted else 0),
        next_attempt_at=outcome.next_attempt_at or row.next_attempt_at,
        delivered_at=moment if outcome.status == "delivered" else row.delivered_at,
    )  # fmt: skip


def idempotency_key(change_key: str, system: str, index: int) -> str:
    return f"tuo-{change_key}-{system}-{index}"


class OutboxStore:
    """The repository every tell-us-once part uses; give it the Database once."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction that writes the outbox. On SQLite, which has one writer at a time, this process's writers
        (the worker's loops, the desk) queue for it here rather than in SQLite's busy handler, which sleeps in
        steps of up to 100 ms while the lock is held."""
        with writer_lock(self.database), self.database.transaction() as connection:
            yield connection

    # -- accepting -------------------------------------------------------------------------------------------
    def add_change(self, change: NewChange, planned: Sequence[NewDelivery], *, now: datetime | None = None) -> int:
        with self.writing() as connection:
            return self.add_change_in(connection, change, planned, now=now)

    def add_change_in(
        self, connection: Connection, change: NewChange, planned: Sequence[NewDelivery], *, now: datetime | None = None
    ) -> int:
        """The change and all its deliveries, in the caller's transaction; returns the change's id."""
        return self.add_changes_in(connection, [(change, planned)], now=now)[0]

    def add_changes_in(
        self,
        connection: Connection,
        batch: Sequence[tuple[NewChange, Sequence[NewDelivery]]],
        *,
        now: datetime | None = None,
    ) -> list[int]:
        """Several changes and all their deliveries in two statements, in the caller's transaction; their ids."""
        if not batch:
            return []
        moment = now or datetime.now(UTC)
        keys = [change.key or uuid.uuid4().hex[:20] for change, _ in batch]
        change_rows = [
            {
                "key": key, "kind": change.kind, "resident_id": change.resident_id, "fields": dict(change.fields),
                "source": change.source, "raised_by": change.raised_by, "raised_at": change.raised_at,
                "accepted_at": moment,
            }
            for key, (change, _) in zip(keys, batch, strict=True)
        ]  # fmt: skip
        inserted = connection.execute(
            insert(changes).returning(changes.c.id, sort_by_parameter_order=True), change_rows
        ).scalars()
        change_ids = [int(change_id) for change_id in inserted]
        rows = [
            {
                "change_id": change_id, "resident_id": change.resident_id, "system": each.system,
                "record_id": each.record_id, "fields": dict(each.fields),
                "idempotency_key": idempotency_key(key, each.system, index), "expected_version": each.expected_version,
                "agreement": each.agreement, "status": "refused" if each.refused else "pending", "attempts": 0,
                "next_attempt_at": moment, "reason": each.refused, "created_at": moment, "updated_at": moment,
            }
            for change_id, key, (change, planned) in zip(change_ids, keys, batch, strict=True)
            for index, each in enumerate(planned)
        ]  # fmt: skip
        if rows:
            connection.execute(insert(deliveries), rows)
        return change_ids

    def existing_keys_in(self, connection: Connection, keys: Iterable[str]) -> set[str]:
        """Which of these change keys are already accepted (a detected change raised before is not raised again)."""
        wanted = list(keys)
        if not wanted:
            return set()
        return set(connection.execute(select(changes.c.key).where(changes.c.key.in_(wanted))).scalars())

    # -- claiming and recording ------------------------------------------------------------------------------
    def claim(
        self, owner: str, limit: int, *, lease_seconds: float = 60.0, status: str = "in_flight",
        systems: Iterable[str] | None = None, now: datetime | None = None,
    ) -> list[DeliveryRow]:  # fmt: skip
        """Take up to ``limit`` due deliveries for ``owner`` (status ``in_flight``, or ``queued`` for a broker)."""
        moment = now or datetime.now(UTC)
        sqlite = self.database.backend == "sqlite"
        some = systems is not None
        values: dict[str, Any] = {"c_now": moment, "c_limit": limit}
        if systems is not None:
            values["c_systems"] = list(systems)
        if sqlite:
            # Look first, outside any write: an idle worker's poll then never takes SQLite's one write lock.
            with self.database.engine.connect() as connection:
                ids = list(connection.execute(claims.choose(sqlite, some), values).scalars())
            if not ids:
                return []
            values["c_ids"] = ids
        lease = {"c_status": status, "c_owner": owner, "c_until": moment + timedelta(seconds=lease_seconds)}
        with self.writing() as connection:
            taken = connection.execute(claims.take(sqlite, some), {**values, **lease})
            return sorted((_row(row) for row in taken), key=lambda row: row.id)

    def record(
        self,
        owner: str | None,
        outcomes: Sequence[Outcome],
        *,
        now: datetime | None = None,
        on_delivered: Callable[[Connection, list[DeliveryRow]], None] | None = None,
        claimed: Sequence[DeliveryRow] = (),
    ) -> int:
        """Record outcomes of deliveries this owner holds; one transaction. Returns how many were recorded.

        A delivery whose lease another worker has since taken over is left alone: that worker's outcome counts.
        ``owner=None`` is for deliveries handed out by a broker: any still ``queued`` one is recorded.
        ``on_delivered`` gets the deliveries recorded as delivered by this call, in the same transaction (the
        disclosures' audit entries commit with the receipts). ``claimed``: the rows as the caller claimed them,
        if it has them, so that only which of them this call recorded is read back, not the rows again.
        """
        moment = now or datetime.now(UTC)
        if not outcomes:
            return 0
        held = (
            deliveries.c.lease_owner == bindparam("b_owner") if owner is not None else deliveries.c.status == "queued"
        )
        # One statement for the whole batch (executemany): values that only some outcomes set are coalesced.
        statement = (
            update(deliveries)
            .where(deliveries.c.id == bindparam("b_id"), held)
            .values(
                status=bindparam("b_status"), reason=bindparam("b_reason"), lease_owner=None, lease_until=None,
                updated_at=moment, attempts=deliveries.c.attempts + bindparam("b_tried"),
                receipt=func.coalesce(bindparam("b_receipt", type_=Text), deliveries.c.receipt),
                delivered_at=func.coalesce(bindparam("b_delivered", type_=UtcDateTime), deliveries.c.delivered_at),
                next_attempt_at=func.coalesce(bindparam("b_next", type_=UtcDateTime), deliveries.c.next_attempt_at),
            )
        )  # fmt: skip
        rows = [
            {
                "b_id": o.delivery_id, "b_owner": owner, "b_status": o.status, "b_reason": o.reason,
                "b_tried": 1 if o.attempted else 0, "b_receipt": o.receipt,
                "b_delivered": moment if o.status == "delivered" else None, "b_next": o.next_attempt_at,
            }
            for o in outcomes
        ]  # fmt: skip
        with self.writing() as connection:
            result = connection.execute(statement, rows)
            delivered = [o.delivery_id for o in outcomes if o.status == "delivered"]
            if on_delivered is not None and delivered:
                recorded = deliveries.c.id.in_(delivered), deliveries.c.delivered_at == moment
                known = {row.id: row for row in claimed}
                if known and all(delivery_id in known for delivery_id in delivered):
                    # The rows as just recorded, from the claimed ones and the outcomes (the statement above, in
                    # memory): decoding every row again (JSON, timestamps) cost more than the rest of the recording.
                    ids = connection.execute(select(deliveries.c.id).where(*recorded)).scalars()
                    by_id = {o.delivery_id: o for o in outcomes}
                    on_delivered(connection, [_as_recorded(known[i], by_id[i], moment) for i in sorted(ids)])
                else:
                    taken = connection.execute(select(deliveries).where(*recorded))
                    on_delivered(connection, [_row(row) for row in taken])
        return max(0, result.rowcount)

    def release(self, owner: str, ids: Sequence[int]) -> None:
        """Give back deliveries claimed but not attempted (a worker stopping)."""
        with self.writing() as connection:
            connection.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(list(ids)), deliveries.c.lease_owner == owner)
                .values(status="pending", lease_owner=None, lease_until=None)
            )

    # -- looking and acting ----------------------------------------------------------------------------------
    def get(self, delivery_id: int) -> DeliveryRow | None:
        with self.database.engine.connect() as connection:
            row = connection.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()
        return _row(row) if row is not None else None

    def of_change(self, change_id: int) -> list[DeliveryRow]:
        with self.database.engine.connect() as connection:
            rows = connection.execute(
                select(deliveries).where(deliveries.c.change_id == change_id).order_by(deliveries.c.id)
            )
            return [_row(row) for row in rows]

    def list(self, status: str | None = None, *, system: str | None = None, limit: int = 100) -> list[DeliveryRow]:
        query = select(deliveries).order_by(deliveries.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(deliveries.c.status == status)
        if system is not None:
            query = query.where(deliveries.c.system == system)
        with self.database.engine.connect() as connection:
            return [_row(row) for row in connection.execute(query)]

    def counts(self) -> dict[str, int]:
        with self.database.engine.connect() as connection:
            rows = connection.execute(select(deliveries.c.status, func.count()).group_by(deliveries.c.status))
            return {status: int(count) for status, count in rows}

    def change(self, change_id: int) -> dict[str, Any] | None:
        with self.database.engine.connect() as connection:
            row = connection.execute(select(changes).where(changes.c.id == change_id)).mappings().first()
        return dict(row) if row is not None else None

    def retry(self, delivery_id: int, *, overwrite: bool = False, now: datetime | None = None) -> bool:
        """Send a dead or held delivery again. ``overwrite`` (for a held conflict a reviewer has checked) drops the
        expected version, so the write no longer waits for the record to be as joinedup last read it."""
        moment = now or datetime.now(UTC)
        values: dict[str, Any] = {"status": "pending", "attempts": 0, "next_attempt_at": moment, "updated_at": moment}
        if overwrite:
            values["expected_version"] = None
        with self.writing() as connection:
            result = connection.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery_id, deliveries.c.status.in_(("dead", "held")))
                .values(**values)
            )
            return bool(result.rowcount)

    def last_written(self, system: str, record_id: str) -> datetime | None:
        """When joinedup last queued a write to this record (for telling a stale stored version)."""
        with self.database.engine.connect() as connection:
            return connection.execute(
                select(func.max(deliveries.c.created_at)).where(
                    deliveries.c.system == system, deliveries.c.record_id == record_id,
                    deliveries.c.status != "refused",
                )
            ).scalar()  # fmt: skip
