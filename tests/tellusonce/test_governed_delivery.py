"""Deliveries to the running simulated systems pass governance's decision point and are audited: one decision
per subscription asked (with the outbox), one disclosure per delivery a system took (with its receipt), and the
resident's "who has seen my data" lists each system that received the change."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from joinedup import audit
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database, audit_log
from joinedup.store.place_registry import register_place
from joinedup.tellusonce import ChangeDesk, DeliveryWorker, MappingRecordDirectory, OutboxStore

from .support import governed, kettleby, move, pool_for, resident_in

SYSTEMS = ("council-tax", "housing", "gp")


def test_the_worker_records_each_delivery_as_a_disclosure_the_resident_sees(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    place = kettleby()
    register_place(database, place)
    policy = governed(place)
    resident = resident_in(directory, SYSTEMS)
    records = MappingRecordDirectory.from_pairs(
        (resident, system, record) for system, record in directory.records_of(resident) if system in SYSTEMS
    )
    accepted = ChangeDesk(database, place.subscriptions, records, policy).tell(move(resident))
    worker = DeliveryWorker(database, pool_for(running, SYSTEMS), audit=policy)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(
            r.status in ("pending", "in_flight") for r in OutboxStore(database).of_change(accepted.change_id)
        ):
            if worker.run_once() == 0:
                time.sleep(0.05)
    finally:
        worker.connectors.close()

    rows = OutboxStore(database).of_change(accepted.change_id)
    assert {r.system: r.status for r in rows} == dict.fromkeys(SYSTEMS, "delivered")
    with database.transaction() as connection:
        kinds = [row.kind for row in audit_log.entries_about(connection, resident, ["decision", "disclosure"])]
        seen = audit.who_has_seen_in(
            connection, resident, today=datetime.now(UTC).date(),
            organisation_names={o.code: o.name for o in place.organisations},
            system_names={s.code: s.name for s in place.systems},
        )  # fmt: skip
    assert kinds.count("decision") == len(SYSTEMS) and kinds.count("disclosure") == len(rows)
    shown = {(item.system, item.organisation) for item in seen}
    assert shown == {(place.system(code).name, place.organisation(place.system(code).organisation).name)
                     for code in SYSTEMS}  # fmt: skip
    assert all(item.agreement == "kettleby-tell-us-once v1.0" and item.channel == "delivery" for item in seen)
