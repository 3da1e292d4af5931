"""A small place for the governance page tests: the demo place's register and one resident held by the GP and
housing systems, linked as linkage would leave them (written through the real stores)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from joinedup.model import Address, Person, PersonName, SourceRecord
from joinedup.model.person import ContactPoint, ContactSystem
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.place_registry import register_place
from joinedup.store.residents import ResidentStore
from joinedup.store.source_records import SourceRecordStore

RESIDENT = "R-GOV-0001"
FAMILY = "Fairweather"
BORN = "6 May 1990"  # as the pages show the date of birth
PHONE = "+441632960123"


def load_governance_place(database: Database) -> None:
    register_place(database, load_place(demo_place_path()))
    received = datetime(2026, 11, 1, tzinfo=UTC)
    person = Person(
        name=PersonName(given="Wilhelmina", family=FAMILY), date_of_birth=date(1990, 5, 6), nhs_number="9434765919",
        address=Address(lines=("1 Oak Road",), town="Kettleby", postcode="KB1 4AA"),
        contact_points=(ContactPoint(system=ContactSystem.PHONE, value=PHONE),),
    )  # fmt: skip
    records = [
        SourceRecord(system="gp", record_id="G-77", version=1, raw={}, person=person, received_at=received),
        SourceRecord(system="housing", record_id="H-12", version=1, raw={}, person=person, received_at=received),
    ]
    SourceRecordStore(database).save(records, now=received)
    store = ResidentStore(database)
    with database.transaction() as connection:
        store.create_in(connection, RESIDENT, received)
        for record in records:
            store.attach_in(connection, (record.system, record.record_id), RESIDENT, "test", received)
