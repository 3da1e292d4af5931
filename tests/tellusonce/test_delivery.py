"""A change told once reaches every system that holds the resident, once, with a receipt (both backends)."""

from __future__ import annotations

from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.tellusonce import DeliveryWorker, MappingRecordDirectory, OutboxStore

from .support import NEW_ADDRESS, desk_for, eventually, move, pool_for, record_of, resident_in

API_AND_FILES = ("council-tax", "housing", "gp", "schools", "waste")


def test_one_move_is_written_into_every_system_once(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    resident = resident_in(directory, API_AND_FILES)
    accepted = desk_for(database, directory).tell(move(resident))
    worker = DeliveryWorker(database, pool_for(running, API_AND_FILES))
    try:
        while worker.run_once():
            pass
    finally:
        worker.connectors.close()

    receipts = {row.system: row for row in OutboxStore(database).of_change(accepted.change_id)}
    assert set(API_AND_FILES) <= set(receipts)
    assert all(receipts[code].status == "delivered" and receipts[code].receipt for code in API_AND_FILES)
    assert running.rest is not None and running.council_tax is not None and running.schools is not None
    for code, field in (("housing", "addressLine1"), ("gp", "AddressLine1")):
        record = running.rest.record(code, record_of(directory, resident, code))
        assert record[field] == NEW_ADDRESS["address_line_1"]
        assert len([w for w in running.rest.writes(code) if not w.replayed]) == 1
    waste = running.rest.record("waste", record_of(directory, resident, "waste"))
    assert waste["property_address"] == "14 Mill Lane, Kettleby"
    assert waste["postcode"] == "KT1 4MX"
    council_tax, schools = running.council_tax, running.schools
    ctax_id, upn = record_of(directory, resident, "council-tax"), record_of(directory, resident, "schools")
    assert eventually(lambda: council_tax.record(ctax_id)["ADDR1"] == "14 Mill Lane")
    assert eventually(lambda: schools.record(upn)["Postcode"] == "KT1 4MX")
