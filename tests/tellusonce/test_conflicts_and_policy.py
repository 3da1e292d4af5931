"""Write-back conflicts are held for review, refusals by the policy are recorded, and the screen is written."""

from __future__ import annotations

import time

from joinedup.connectors import open_connector
from joinedup.ingest import compile_mapping
from joinedup.ingest.sync import RecordMapper, SourceSync
from joinedup.model import EntityType
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.store.place_registry import register_place
from joinedup.tellusonce import (
    ChangeDesk,
    DeliveryWorker,
    MappingRecordDirectory,
    OutboxStore,
    StoredRecordVersions,
)

from .support import governed, kettleby, move, pool_for, record_of, resident_in

ASC = "adult-social-care"


def ingest(database: Database, running: SimulatedPlace, system: str) -> None:
    place = kettleby()
    register_place(database, place)
    mapping = next(compile_mapping(m) for m in place.mappings if m.system == system)
    with open_connector(running.kind(system), running.connection(system), {}) as connector:
        SourceSync(database, connector, RecordMapper(system, EntityType.PERSON, mapping)).run()


def deliver(worker: DeliveryWorker, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and worker.run_once():
        pass


def test_a_record_changed_since_it_was_read_is_held_for_review_then_released(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    ingest(database, running, ASC)
    place = kettleby()
    desk = ChangeDesk(database, place.subscriptions, directory, governed(place), StoredRecordVersions(database))
    calm, busy = resident_in(directory, [ASC]), resident_in(directory, [ASC], skip=1)
    asc = running.adult_social_care
    assert asc is not None
    asc.change_client(record_of(directory, busy, ASC), TEL_NO="01632 960999")  # a caseworker edits it meanwhile
    calm_change, busy_change = desk.tell(move(calm)), desk.tell(move(busy))
    worker = DeliveryWorker(database, pool_for(running, [ASC]))
    store = OutboxStore(database)
    try:
        deliver(worker)
        (calm_row,) = [r for r in store.of_change(calm_change.change_id) if r.system == ASC]
        (busy_row,) = [r for r in store.of_change(busy_change.change_id) if r.system == ASC]
        assert calm_row.status == "delivered" and calm_row.expected_version == "1"
        assert busy_row.status == "held"
        assert busy_row.reason is not None and "changed since joinedup last read it" in busy_row.reason
        assert asc.read_client(busy_row.record_id)["POST_CODE"] != "KT1 4MX"  # not overwritten blindly

        # A second change after joinedup's own write is not mistaken for someone else's.
        again = desk.tell(move(calm, address_line_1="3 Later Lane"))
        assert store.retry(busy_row.id, overwrite=True)
        deliver(worker)
    finally:
        worker.connectors.close()
    assert [r.status for r in store.of_change(again.change_id) if r.system == ASC] == ["delivered"]
    assert asc.read_client(calm_row.record_id)["ADDR1"] == "3 Later Lane"
    assert asc.read_client(busy_row.record_id)["POST_CODE"] == "KT1 4MX"


def test_a_delivery_the_policy_refuses_is_recorded_with_its_reason_and_never_sent(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    place = kettleby()
    no_agreement = tuple(
        s.model_copy(update={"agreement": None}) if s.system == "gp" else s for s in place.subscriptions
    )
    place = place.model_copy(update={"subscriptions": no_agreement})
    desk = ChangeDesk(database, place.subscriptions, directory, governed(place))
    resident = resident_in(directory, ["gp", "housing"])
    accepted = desk.tell(move(resident))
    worker = DeliveryWorker(database, pool_for(running, ["gp", "housing"]))
    try:
        deliver(worker)
    finally:
        worker.connectors.close()

    rows = {r.system: r for r in OutboxStore(database).of_change(accepted.change_id)}
    assert rows["gp"].status == "refused" and rows["gp"].attempts == 0 and rows["gp"].fields == {}
    assert rows["gp"].reason == (
        "refused: The subscription of gp (kettleby-primary-care) names no information sharing agreement: no "
        "delivery from kettleby-council may be made without one."
    )
    assert rows["housing"].status == "delivered"
    assert running.rest is not None and running.rest.writes("gp") == []


def test_the_legacy_screen_is_written_through_its_edit_form(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    resident = resident_in(directory, ["childrens-services"])
    place = kettleby()
    desk = ChangeDesk(database, place.subscriptions, directory, governed(place))
    accepted = desk.tell(move(resident))
    worker = DeliveryWorker(database, pool_for(running, ["childrens-services"]))
    try:
        deliver(worker, 90)
    finally:
        worker.connectors.close()

    (row,) = [r for r in OutboxStore(database).of_change(accepted.change_id) if r.system == "childrens-services"]
    assert row.status == "delivered", row.reason
    assert running.childrens_services is not None
    held = running.childrens_services.record(row.record_id)
    assert (held["addr_line1"], held["addr_postcode"]) == ("14 Mill Lane", "KT1 4MX")
