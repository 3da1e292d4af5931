"""A REST system's bulk write endpoint gives each delivery the outcome its own request would have given it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.store.tellusonce_outbox import NewChange, NewDelivery
from joinedup.tellusonce import Backoff, DeliveryWorker, OutboxStore

from .support import pool_for

SYSTEM = "housing"


def _status(store: OutboxStore, delivery_id: int) -> str | None:
    row = store.get(delivery_id)
    return row.status if row is not None else None


@pytest.mark.parametrize("path", ["bulk", "per-record"])
def test_each_item_of_a_batch_becomes_its_own_deliverys_outcome(
    database: Database, running: SimulatedPlace, path: str
) -> None:
    rest = running.rest
    assert rest is not None
    good, stale, rejected, failing = (str(r["personRef"]) for r in rest.records(SYSTEM)[:4])
    planned = {
        good: NewDelivery(SYSTEM, good, {"addressLine1": "1 Good Row"}),
        stale: NewDelivery(SYSTEM, stale, {"addressLine1": "2 Stale Row"}, expected_version='"not-its-etag"'),
        rejected: NewDelivery(SYSTEM, rejected, {"noSuchField": "3 Rejected Row"}),
        failing: NewDelivery(SYSTEM, failing, {"addressLine1": "4 Failing Row"}),
    }
    store = OutboxStore(database)
    now = datetime.now(UTC)
    for n, delivery in enumerate(planned.values()):
        change = NewChange("address", f"resident-{n}", dict(delivery.fields), "test", "tester", now)
        store.add_change(change, [delivery])
    rest.faults(SYSTEM).fail_records = {failing}
    rest.faults(SYSTEM).fail_status = 503
    overrides = {"write": {}} if path == "per-record" else {}
    worker = DeliveryWorker(database, pool_for(running, [SYSTEM], **overrides), backoff=Backoff(base_seconds=0.01))
    try:
        assert worker.run_once() == 4
        rows = {row.record_id: row for row in store.list(system=SYSTEM)}
        assert {record: rows[record].status for record in planned} == {
            good: "delivered",
            stale: "held",
            rejected: "dead",
            failing: "pending",
        }
        assert rows[rejected].reason == "rejected by housing: refused (HTTP 422)"
        assert rows[failing].reason is not None and "RestUnavailableError" in rows[failing].reason

        rest.faults(SYSTEM).fail_records = set()
        deadline = time.monotonic() + 10
        while _status(store, rows[failing].id) != "delivered" and time.monotonic() < deadline:
            worker.run_once()
    finally:
        worker.connectors.close()
    retried = store.get(rows[failing].id)
    assert retried is not None and (retried.status, retried.attempts) == ("delivered", 2)
    assert rest.record(SYSTEM, good)["addressLine1"] == "1 Good Row"
    assert rest.record(SYSTEM, failing)["addressLine1"] == "4 Failing Row"
    assert rest.record(SYSTEM, stale)["addressLine1"] != "2 Stale Row"  # held, not written over
    assert {w.bulk for w in rest.writes(SYSTEM)} == {path == "bulk"}
