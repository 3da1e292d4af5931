"""The delivery worker: claim due deliveries, write them through each system's connector, record what happened.

At least once, exactly once in effect: a delivery is marked delivered only after the system took it, and every
attempt carries the same idempotency key, so a worker killed between the write and the record simply writes
again and the system recognises the repeat (REST Idempotency-Key, change files carrying the key, SQL and
screen writes that find the values already there). Each system's share of a round is written as one batch
(``Connector.write_many``), and every delivery in it still gets its own outcome. Claims are leases: a worker
that dies leaves its deliveries to be taken again once the lease runs out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError, OperationalError

from joinedup.connectors import Change, Connector, ConnectorError
from joinedup.store import Database
from joinedup.store.tellusonce_outbox import DeliveryRow, OutboxStore, Outcome

from ._connectors import ConnectorPool
from ._ports import DeliveryAudit
from ._retry import Backoff, after_failure, after_receipt

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def change_for(delivery: DeliveryRow) -> Change:
    return Change(delivery.record_id, delivery.fields, delivery.idempotency_key, delivery.expected_version)


def one_write_per_record(rows: list[DeliveryRow]) -> list[list[DeliveryRow]]:
    """The rows as batches in which no record is written twice (two residents of one household may share a
    system's record, e.g. a property's waste round): the second write to a record waits for the next batch."""
    batches: list[list[DeliveryRow]] = []
    taken: list[set[str]] = []
    for row in rows:
        level = next((n for n, records in enumerate(taken) if row.record_id not in records), len(batches))
        if level == len(batches):
            batches.append([])
            taken.append(set())
        batches[level].append(row)
        taken[level].add(row.record_id)
    return batches


class DeliveryWorker:
    def __init__(
        self,
        database: Database,
        connectors: ConnectorPool,
        *,
        name: str | None = None,
        batch_size: int = 200,
        lease_seconds: float = 60.0,
        backoff: Backoff | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        audit: DeliveryAudit | None = None,
    ) -> None:
        self.outbox = OutboxStore(database)
        # Records each delivery a system took as a disclosure, in the transaction recording its receipt.
        self.on_delivered = audit.delivered_in if audit is not None else None
        self.connectors = connectors
        self.name = name or worker_name()
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.backoff = backoff or Backoff()
        self._clock = clock

    def run_once(self, systems: tuple[str, ...] | None = None) -> int:
        """One round: claim a batch, deliver it, record the outcomes. Returns how many were attempted."""
        claimed = self.outbox.claim(
            self.name, self.batch_size, lease_seconds=self.lease_seconds,
            systems=systems if systems is not None else self.connectors.systems, now=self._clock(),
        )  # fmt: skip
        if not claimed:
            return 0
        outcomes = self.deliver(claimed)
        self.outbox.record(self.name, outcomes, now=self._clock(), on_delivered=self.on_delivered, claimed=claimed)
        return len(claimed)

    def deliver(self, claimed: list[DeliveryRow]) -> list[Outcome]:
        """Write each system's share of the claimed deliveries as one batch through its connector's
        ``write_many`` (systems in parallel), and say what became of each delivery; never raises.

        Every delivery keeps its own outcome: a batch is one transaction or one file or requests side by side,
        but a change the system refuses, or one that could not be sent, is that delivery's outcome only.
        Order is not at risk: a round never holds two deliveries of one resident to one system (the claim rule).
        """
        by_system: dict[str, list[DeliveryRow]] = {}
        for delivery in claimed:
            by_system.setdefault(delivery.system, []).append(delivery)
        futures = [
            (rows, self.connectors.submit(system, self._write_batches(rows))) for system, rows in by_system.items()
        ]
        outcomes: list[Outcome] = []
        for rows, future in futures:
            try:
                outcomes.extend(future.result())
            except Exception as error:  # noqa: BLE001 - opening the connector failed: retry later like any outage
                outcomes.extend(after_failure(delivery, error, self.backoff, self._clock()) for delivery in rows)
        for outcome in outcomes:
            if outcome.status != "delivered":
                log.info(
                    "tellusonce.delivery.not_delivered",
                    extra={"delivery_id": outcome.delivery_id, "status": outcome.status},
                )
        return outcomes

    def _write_batches(self, rows: list[DeliveryRow]) -> Callable[[Connector], list[Outcome]]:
        def write_batches(connector: Connector) -> list[Outcome]:
            outcomes: list[Outcome] = []
            for batch in one_write_per_record(rows):
                outcomes.extend(self._write_batch(connector, batch))
            return outcomes

        return write_batches

    def _write_batch(self, connector: Connector, batch: list[DeliveryRow]) -> list[Outcome]:
        try:
            results = connector.write_many([change_for(delivery) for delivery in batch])
            if len(results) != len(batch):
                raise ConnectorError(f"write_many answered {len(results)} results for {len(batch)} changes")
        except Exception as error:  # noqa: BLE001 - the batch as a whole failed: each delivery is retried
            return [after_failure(delivery, error, self.backoff, self._clock()) for delivery in batch]
        return [
            after_failure(delivery, result, self.backoff, self._clock())
            if isinstance(result, Exception)
            else after_receipt(delivery, result)
            for delivery, result in zip(batch, results, strict=True)
        ]

    def run(
        self, stop: threading.Event, *, idle_seconds: float = 0.05, on_round: Callable[[int], None] | None = None
    ) -> None:
        """Deliver until ``stop`` is set: one loop per system, so a slow system (a browser-driven screen) never
        holds up the others' rounds. A database that goes away (a restart) is waited out, not fatal."""
        loops = [
            threading.Thread(
                target=self._loop, args=((system,), stop, idle_seconds, on_round), name=f"tuo-loop-{system}"
            )
            for system in self.connectors.systems
        ]
        for loop in loops:
            loop.start()
        for loop in loops:
            loop.join()

    def _loop(
        self, systems: tuple[str, ...], stop: threading.Event, idle_seconds: float,
        on_round: Callable[[int], None] | None,
    ) -> None:  # fmt: skip
        pause = idle_seconds
        while not stop.is_set():
            try:
                handled = self.run_once(systems)
                pause = idle_seconds
            except (OperationalError, DBAPIError) as error:
                log.warning("tellusonce.worker.database_unavailable", extra={"error": type(error).__name__})
                handled, pause = 0, min(5.0, max(0.2, pause * 2))
            except Exception:  # one system's loop must not die and leave its deliveries behind
                log.exception("tellusonce.worker.round_failed", extra={"systems": list(systems)})
                handled, pause = 0, min(5.0, max(0.2, pause * 2))
            if on_round is not None:
                on_round(handled)
            if handled == 0:
                stop.wait(pause)
