"""The canonical models: validation, and the published JSON Schemas that partners build against."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from joinedup.model import (
    Address,
    ContactPoint,
    ContactSystem,
    NameUse,
    Person,
    PersonName,
    Property,
    SourceRecord,
    published_schemas,
    render_schema,
)

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def _william() -> Person:
    return Person(
        name=PersonName(title="Mr", given="William", middle=("James",), family="Smith"),
        other_names=(PersonName(use=NameUse.NICKNAME, given="Bill", family="Smith"),),
        date_of_birth=date(1961, 4, 3),
        sex="male",
        nhs_number="943 476 5919",
        ni_number="ab123456c",
        contact_points=(ContactPoint(system=ContactSystem.PHONE, value="+441632960001", use="home"),),
        address=Address(uprn="100023336956", pao="14", street="Mill Lane", town="Kettleby", postcode="kb1 4aa"),
    )


def test_person_is_normalised_on_the_way_in() -> None:
    person = _william()
    assert person.nhs_number == "9434765919"
    assert person.ni_number == "AB123456C"
    assert person.address is not None
    assert person.address.postcode == "KB1 4AA"
    assert person.address.uprn == 100023336956
    assert person.address.display_lines() == ("14 Mill Lane", "Kettleby", "KB1 4AA")


def test_a_person_needs_a_name() -> None:
    with pytest.raises(ValidationError, match="given or a family name"):
        Person(name=PersonName(title="Mr"))


def test_death_before_birth_is_refused() -> None:
    with pytest.raises(ValidationError, match="date_of_death is before"):
        Person(name=PersonName(family="Smith"), date_of_birth=date(2000, 1, 1), date_of_death=date(1999, 1, 1))


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Person.model_validate({"name": {"family": "Smith"}, "shoe_size": 9})


def test_source_record_timestamps_must_be_aware() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        SourceRecord(system="gp", record_id="1", raw={}, received_at=datetime(2026, 1, 1))  # noqa: DTZ001


def test_provenance_points_back_at_the_record() -> None:
    received = datetime.fromisoformat("2026-03-01T10:00:00+00:00")
    record = SourceRecord(system="gp", record_id="P-1", version=3, raw={"a": 1}, received_at=received)
    provenance = record.provenance()
    assert (provenance.system, provenance.record_id, provenance.version) == ("gp", "P-1", 3)
    assert provenance.observed_at == received


def test_content_hash_ignores_key_order_but_not_values() -> None:
    received = datetime.fromisoformat("2026-03-01T10:00:00+00:00")
    first = SourceRecord(system="gp", record_id="1", raw={"a": 1, "b": "x"}, received_at=received)
    reordered = first.model_copy(update={"raw": {"b": "x", "a": 1}})
    changed = first.model_copy(update={"raw": {"a": 1, "b": "y"}})
    assert first.content_hash() == reordered.content_hash()
    assert first.content_hash() != changed.content_hash()


@pytest.mark.parametrize("name", sorted(published_schemas()))
def test_published_schema_matches_the_models(name: str) -> None:
    published = SCHEMAS / name
    assert published.exists(), f"schemas/{name} is missing: run `joinedup schemas --write`"
    assert published.read_text(encoding="utf-8") == render_schema(published_schemas()[name]), (
        f"schemas/{name} has drifted from the model: run `joinedup schemas --write` and review the diff"
    )


def test_no_stale_schema_files() -> None:
    assert {path.name for path in SCHEMAS.glob("*.json")} == set(published_schemas())


def test_model_output_validates_against_its_published_schema() -> None:
    person_schema = json.loads((SCHEMAS / "person.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(person_schema).validate(_william().model_dump(mode="json"))
    property_schema = json.loads((SCHEMAS / "property.schema.json").read_text(encoding="utf-8"))
    home = Property(uprn=10001, address=Address(uprn=10001, postcode="KB1 4AA"))
    jsonschema.Draft202012Validator(property_schema).validate(home.model_dump(mode="json"))


def test_published_schema_rejects_a_malformed_nhs_number() -> None:
    person_schema = json.loads((SCHEMAS / "person.schema.json").read_text(encoding="utf-8"))
    document = _william().model_dump(mode="json") | {"nhs_number": "12345"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(person_schema).validate(document)
