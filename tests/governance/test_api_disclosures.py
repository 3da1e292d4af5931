"""The disclosures API on both backends: a housing officer and a social worker ask for the same linked resident
through the gate and get different fields with reasons; each disclosure is audited; "known to you?" gives a
contact and no record data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from joinedup.api import create_app
from joinedup.audit import AuditLog, DisclosureEvent
from joinedup.model import Address, Person, PersonName, SourceRecord
from joinedup.place import demo_place_path, load_place
from joinedup.settings import Settings
from joinedup.store import Database
from joinedup.store.place_registry import register_place
from joinedup.store.residents import ResidentStore
from joinedup.store.source_records import SourceRecordStore

from ..api.support import serve

NOW = datetime(2026, 11, 1, tzinfo=UTC)
FIELDS = ["person.name", "person.date_of_birth", "person.address", "person.nhs_number", "health.summary"]


def held(system: str, record_id: str) -> SourceRecord:
    person = Person(
        name=PersonName(given="Ann", family="Example"), date_of_birth=date(1990, 5, 6), nhs_number="9434765919",
        address=Address(lines=("1 Oak Road",), town="Kettleby", postcode="KB1 4AA"),
    )  # fmt: skip
    return SourceRecord(
        system=system, record_id=record_id, version=1, raw={"id": record_id}, person=person,
        received_at=NOW, changed_at=NOW - timedelta(days=1),
    )  # fmt: skip


@pytest.fixture
def client(database: Database) -> Iterator[httpx.Client]:
    register_place(database, load_place(demo_place_path()), now=NOW)
    SourceRecordStore(database).save([held("gp", "G1"), held("housing", "H1")])
    residents = ResidentStore(database)
    with database.transaction() as connection:
        residents.create_in(connection, "R1", NOW)
        for ref in (("gp", "G1"), ("housing", "H1")):
            residents.attach_in(connection, ref, "R1", "bulk", NOW)
    settings = Settings(environment="development", database_url=database.url, dev_tokens=True)
    app = create_app(settings, database)
    with serve(app) as real:  # a real uvicorn server, as in the API's own tests
        yield real


def signed_in(client: httpx.Client, username: str) -> dict[str, str]:
    token = client.post("/api/v1/dev/token", json={"username": username}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_two_officers_get_different_fields_each_with_reasons_and_an_audit_entry(
    client: httpx.Client, database: Database
) -> None:
    housing = client.post(
        "/api/v1/residents/R1/disclosures", headers=signed_in(client, "housing-officer"),
        json={"purpose": "housing-management", "fields": FIELDS, "reference": "HM-1"},
    )  # fmt: skip
    social = client.post(
        "/api/v1/residents/R1/disclosures", headers=signed_in(client, "social-worker"),
        json={"purpose": "safeguarding-enquiry", "fields": FIELDS, "reference": "S47-1"},
    )  # fmt: skip

    assert housing.status_code == 200, housing.text
    body = housing.json()
    assert body["outcome"] == "PERMIT"
    assert set(body["values"]) == {"person.name", "person.address"}
    assert body["values"]["person.address"]["postcode"] == "KB1 4AA"
    assert body["reasons"][0]["agreement"] == "kettleby-housing-management"
    social_body = social.json()
    assert set(social_body["values"]) == {"person.name", "person.date_of_birth", "person.address", "person.nhs_number"}
    assert social_body["reasons"][0]["version"] == "3.0"
    with database.transaction() as connection:
        disclosed = [e.event for e in AuditLog().read_in(connection) if isinstance(e.event, DisclosureEvent)]
    assert [(d.actor.role, d.reference) for d in disclosed] == [("housing-officer", "HM-1"), ("social-worker", "S47-1")]


def test_no_personal_data_without_signing_in_and_no_acting_in_a_role_you_lack(client: httpx.Client) -> None:
    ask = {"purpose": "safeguarding-enquiry", "fields": FIELDS}
    assert client.post("/api/v1/residents/R1/disclosures", json=ask).status_code == 401
    pretending = client.post(
        "/api/v1/residents/R1/disclosures",
        headers=signed_in(client, "housing-officer"),
        json={**ask, "role": "social-worker"},
    )
    assert pretending.status_code == 403


def test_known_to_you_gives_a_contact_and_no_record_data(client: httpx.Client) -> None:
    answer = client.get(
        "/api/v1/residents/R1/known-to", headers=signed_in(client, "police-officer"),
        params={"organisation": "kettleby-primary-care", "purpose": "known-to-check"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["known"] is True and "PCN" in answer.json()["contact"]
    not_held = client.get(
        "/api/v1/residents/R1/known-to", headers=signed_in(client, "police-officer"),
        params={"organisation": "kettleby-schools-trust", "purpose": "known-to-check"},
    )  # fmt: skip
    assert not_held.json()["known"] is False and not_held.json()["contact"] is None
