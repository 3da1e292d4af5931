"""Events for audit tests: realistic shapes, field names only (as in production)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert

from joinedup.audit import Actor, Channel, DecisionEvent, DisclosureEvent, Outcome
from joinedup.model import Address, Person, PersonName, SourceRecord
from joinedup.store import Database
from joinedup.store.source_records import SourceRecordStore
from joinedup.store.tables import organisations, source_systems

HOUSING = Actor(person_id="hb-officer-1", role="housing-officer", organisation="kettleby-council")
SOCIAL = Actor(person_id="sw-7", role="social-worker", organisation="kettleby-childrens-services")


def decision(resident: str = "R-1", *, outcome: Outcome = Outcome.PERMIT, actor: Actor = HOUSING) -> DecisionEvent:
    return DecisionEvent(
        actor=actor,
        purpose="housing-allocation",
        reference="case-42",
        subject_resident_id=resident,
        channel=Channel.API,
        fields_requested=("name", "address", "date_of_birth"),
        fields_permitted=("name", "address") if outcome is Outcome.PERMIT else (),
        outcome=outcome,
        reasons=("agreement housing-isa v3 permits name, address",),
        agreement_code="housing-isa",
        agreement_version="3",
        lawful_basis="UK GDPR Art 6(1)(e)",
    )


def disclosure(
    resident: str = "R-1", *, actor: Actor = HOUSING, withheld_until: date | None = None, purpose: str = "housing"
) -> DisclosureEvent:
    return DisclosureEvent(
        actor=actor,
        purpose=purpose,
        purpose_description="Deciding a housing application",
        subject_resident_id=resident,
        channel=Channel.DASHBOARD,
        fields_disclosed=("name", "address"),
        agreement_code="housing-isa",
        agreement_version="3",
        lawful_basis="UK GDPR Art 6(1)(e)",
        withheld_until=withheld_until,
    )


T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def register_systems(database: Database) -> SourceRecordStore:
    """Two organisations, three person systems, and the store to save records into."""
    with database.transaction() as connection:
        connection.execute(
            insert(organisations),
            [
                {"code": "kettleby-council", "name": "Kettleby Borough Council", "type": "local-authority"}
                | {"updated_at": T0},
                {"code": "kettleby-gp", "name": "Kettleby Surgery", "type": "nhs", "updated_at": T0},
            ],
        )
        connection.execute(
            insert(source_systems),
            [
                {"code": code, "name": name, "organisation_code": organisation, "kind": "file", "entity": "person"}
                | {"updated_at": T0}
                for code, name, organisation in (
                    ("council-tax", "Council tax", "kettleby-council"),
                    ("housing", "Housing register", "kettleby-council"),
                    ("gp", "GP practice system", "kettleby-gp"),
                )
            ],
        )
    return SourceRecordStore(database)


def person_record(
    system: str, record_id: str, surname: str, *, received_at: datetime = T0, born: date | None = None
) -> SourceRecord:
    return SourceRecord(
        system=system,
        record_id=record_id,
        raw={"ID": record_id, "SURNAME": surname, "POSTCODE": "KB1 4AA"},
        person=Person(
            name=PersonName(given="Alex", family=surname),
            date_of_birth=born,
            address=Address(postcode="KB1 4AA"),
        ),
        received_at=received_at,
    )
