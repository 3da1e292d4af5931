"""Targets that fail: down for a while, answering 500, timing out, rejecting; changes told in quick succession."""

from __future__ import annotations

import time

from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.tellusonce import Backoff, DeliveryWorker, MappingRecordDirectory, OutboxStore

from .support import desk_for, move, pool_for, record_of, resident_in

REST = ("housing", "gp", "waste")


def drain(worker: DeliveryWorker, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if worker.run_once() == 0:
            if not any(s in ("pending", "in_flight") for s in worker.outbox.counts()):
                return
            time.sleep(0.05)


def test_two_quick_moves_arrive_in_order(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    resident = resident_in(directory, REST)
    desk = desk_for(database, directory)
    desk.tell(move(resident, address_line_1="1 First Street"))
    desk.tell(move(resident, address_line_1="2 Second Street"))
    worker = DeliveryWorker(database, pool_for(running, REST))
    try:
        drain(worker, 20)
    finally:
        worker.connectors.close()

    assert running.rest is not None
    record = record_of(directory, resident, "housing")
    written = [w.fields["addressLine1"] for w in running.rest.writes("housing") if w.record_id == record]
    assert written == ["1 First Street", "2 Second Street"]
    assert running.rest.record("housing", record)["addressLine1"] == "2 Second Street"


def test_a_target_down_for_a_while_catches_up_in_order(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    resident = resident_in(directory, REST)
    assert running.rest is not None
    running.rest.stop()
    desk = desk_for(database, directory)
    first = desk.tell(move(resident, address_line_1="1 First Street"))
    second = desk.tell(move(resident, address_line_1="2 Second Street"))
    worker = DeliveryWorker(
        database, pool_for(running, REST), backoff=Backoff(base_seconds=0.05, cap_seconds=0.2, max_attempts=1000)
    )
    store = OutboxStore(database)
    try:
        drain(worker, 1.5)  # every attempt fails while the server is down
        tried = [r for r in store.of_change(first.change_id) if r.system in REST]
        assert len(tried) == 3 and all(r.status == "pending" and r.attempts >= 1 for r in tried)
        assert all("failed" in (r.reason or "") for r in tried)
        # The second move waits behind the first: never attempted while the first is undelivered.
        later = [r for r in store.of_change(second.change_id) if r.system in REST]
        assert {(r.status, r.attempts) for r in later} == {("pending", 0)}
        running.rest.start()
        drain(worker, 20)
    finally:
        worker.connectors.close()

    assert {r.status for c in (first, second) for r in store.of_change(c.change_id) if r.system in REST} == {
        "delivered"
    }
    for system, field in (("housing", "addressLine1"), ("gp", "AddressLine1")):
        record = record_of(directory, resident, system)
        applied = [w.fields[field] for w in running.rest.writes(system) if w.record_id == record and not w.replayed]
        assert applied == ["1 First Street", "2 Second Street"]


def test_a_500_is_retried_until_it_is_taken(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    resident = resident_in(directory, ["gp"])
    assert running.rest is not None
    running.rest.faults("gp").fail_next = 2
    accepted = desk_for(database, directory).tell(move(resident))
    worker = DeliveryWorker(database, pool_for(running, ["gp"]), backoff=Backoff(base_seconds=0.02))
    try:
        drain(worker, 10)
    finally:
        worker.connectors.close()

    (row,) = [r for r in OutboxStore(database).of_change(accepted.change_id) if r.system == "gp"]
    assert row.status == "delivered" and row.attempts == 3
    assert running.rest.record("gp", row.record_id)["Postcode"] == "KT1 4MX"


def test_a_target_that_keeps_timing_out_is_dead_lettered_with_the_reason_then_retried(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    resident = resident_in(directory, ["waste"])
    assert running.rest is not None
    running.rest.faults("waste").delay_seconds = 1.0
    accepted = desk_for(database, directory).tell(move(resident))
    pool = pool_for(running, ["waste"], timeouts={"connect": 1.0, "read": 0.2})
    worker = DeliveryWorker(database, pool, backoff=Backoff(base_seconds=0.02, max_attempts=3))
    store = OutboxStore(database)
    try:
        drain(worker, 10)
        (row,) = [r for r in store.of_change(accepted.change_id) if r.system == "waste"]
        assert row.status == "dead" and row.attempts == 3
        assert row.reason is not None and row.reason.startswith("gave up after 3 attempts")
        assert "RestUnavailableError" in row.reason

        running.rest.faults("waste").delay_seconds = 0.0
        assert store.retry(row.id)
        drain(worker, 10)
    finally:
        worker.connectors.close()
    retried = store.get(row.id)
    assert retried is not None and retried.status == "delivered"
    assert running.rest.record("waste", row.record_id)["postcode"] == "KT1 4MX"


def test_a_rejected_payload_is_dead_lettered_at_once_with_the_systems_answer(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    from .support import kettleby

    place = kettleby()
    broken = [
        s.model_copy(update={"write": {**s.write, "postcode": "PostCodeNotThere"}}) if s.system == "housing" else s
        for s in place.subscriptions
    ]
    resident = resident_in(directory, ["housing"])
    accepted = desk_for(database, directory, place.model_copy(update={"subscriptions": tuple(broken)})).tell(
        move(resident)
    )
    worker = DeliveryWorker(database, pool_for(running, ["housing"]))
    try:
        drain(worker, 10)
    finally:
        worker.connectors.close()

    (row,) = [r for r in OutboxStore(database).of_change(accepted.change_id) if r.system == "housing"]
    assert (row.status, row.attempts) == ("dead", 1)
    assert row.reason == "rejected by housing: refused (HTTP 422)"
