"""Telling one change and seeing it through: used by the demo, the CLI and benchmarks.

``deliver_until_settled`` runs a worker in the calling thread until none of a change's deliveries is still
waiting, so a caller can show the receipts straight away.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from joinedup.place import Place
from joinedup.store import Database
from joinedup.store.tellusonce_outbox import DeliveryRow

from ._connectors import ConnectorPool, connections_opener
from ._desk import ChangeDesk
from ._events import ChangeOfCircumstance
from ._ports import DeliveryAudit, DeliveryPolicy, RecordDirectory
from ._worker import DeliveryWorker

WAITING = ("pending", "in_flight", "queued")


def pool_from_connections(
    connections: Mapping[str, Mapping[str, Any]], environ: Mapping[str, str] | None = None
) -> ConnectorPool:
    """A connector pool from ``{system: {"kind": ..., "connection": {...}}}``."""
    kinds = {code: str(entry["kind"]) for code, entry in connections.items()}
    return ConnectorPool(connections_opener(connections, environ or {}), kinds)


def place_connections(place: Place) -> dict[str, dict[str, Any]]:
    """The place file's systems as ``{system: {"kind": ..., "connection": {...}}}`` (``${ENV}`` unresolved)."""
    return {system.code: {"kind": system.kind.value, "connection": dict(system.connection)} for system in place.systems}


def deliver_until_settled(worker: DeliveryWorker, change_id: int, timeout_seconds: float = 60.0) -> list[DeliveryRow]:
    """Run ``worker`` until no delivery of the change is waiting (or the time is up); returns its deliveries."""
    deadline = time.monotonic() + timeout_seconds
    rows = worker.outbox.of_change(change_id)
    while any(row.status in WAITING for row in rows) and time.monotonic() < deadline:
        if worker.run_once() == 0:
            time.sleep(0.05)
        rows = worker.outbox.of_change(change_id)
    return rows


def tell_once(
    database: Database,
    place: Place,
    directory: RecordDirectory,
    connections: Mapping[str, Mapping[str, Any]],
    change: ChangeOfCircumstance,
    *,
    policy: DeliveryPolicy,
    audit: DeliveryAudit | None = None,
    timeout_seconds: float = 60.0,
) -> dict[str, list[DeliveryRow]]:
    """Tell one change and deliver it now; the deliveries (receipts, refusals, holds) by system. ``policy`` and
    ``audit`` are governance's (``GovernedDeliveries``): decisions and disclosures are audited."""
    desk = ChangeDesk(database, place.subscriptions, directory, policy)
    accepted = desk.tell(change)
    worker = DeliveryWorker(database, pool_from_connections(connections), audit=audit)
    try:
        rows = deliver_until_settled(worker, accepted.change_id, timeout_seconds)
    finally:
        worker.connectors.close()
    by_system: dict[str, list[DeliveryRow]] = {}
    for row in rows:
        by_system.setdefault(row.system, []).append(row)
    return by_system


__all__ = ["deliver_until_settled", "place_connections", "pool_from_connections", "tell_once"]
