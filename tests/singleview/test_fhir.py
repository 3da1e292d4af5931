"""FHIR R4 Patient export: it parses with fhir.resources and carries the identifiers health partners need."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fhir.resources.R4B import __fhir_version__ as r4b_version
from fhir.resources.R4B.patient import Patient

from joinedup.model import NameUse, PersonName, Sex
from joinedup.place import demo_place_path, load_place
from joinedup.singleview import (
    NHS_NUMBER_SYSTEM,
    FhirExportError,
    Strategy,
    SurvivorshipRules,
    build_single_view,
    local_identifier_system,
)
from joinedup.singleview._fhir import ADDRESS_KEY_EXTENSION, validated

from .support import at, record, sim_residents

RULES = SurvivorshipRules.uniform(Strategy.MOST_TRUSTED, {"gp": 5, "housing": 3})


def resident() -> list:  # type: ignore[type-arg]
    maiden = PersonName(use=NameUse.MAIDEN, given="Ann", family="Jones")
    return [
        record(
            "gp", "G1", given="Ann", family="Smith", sex=Sex.FEMALE, dob=date(1950, 6, 7), dod=date(2025, 2, 3),
            nhs="9434765919", address=at("1 Oak Road", uprn=100012345678), phone="+441632960001",
            email="ann@example.org", other_names=(maiden,),
        ),
        record("housing", "H7", given="Annie", family="Smith", sex=Sex.FEMALE, address=at("1 Oak Road")),
    ]  # fmt: skip


def test_the_r4b_subpackage_is_the_r4_family_release_we_validate_with() -> None:
    assert r4b_version.startswith("4.")


def test_the_patient_parses_and_carries_nhs_and_local_identifiers() -> None:
    patient = build_single_view("R000042", resident(), RULES).to_fhir()
    parsed = Patient.model_validate_json(json.dumps(patient))  # the JSON a partner receives parses back

    assert parsed.id == "R000042"
    identifiers = {(i.system, i.value) for i in parsed.identifier}
    assert identifiers == {
        (NHS_NUMBER_SYSTEM, "9434765919"),
        (local_identifier_system("gp"), "G1"),
        (local_identifier_system("housing"), "H7"),
    }
    assert patient["gender"] == "female"
    assert patient["birthDate"] == "1950-06-07"
    assert patient["deceasedDateTime"] == "2025-02-03"
    telecom = {t["system"]: t["value"] for t in patient["telecom"]}
    assert telecom == {"phone": "+441632960001", "email": "ann@example.org"}


def test_names_include_other_names_and_the_address_carries_its_uprn() -> None:
    patient = build_single_view("R1", resident(), RULES).to_fhir()

    names = [(n["use"], n.get("given", [None])[0], n.get("family")) for n in patient["name"]]
    assert names[0] == ("usual", "Ann", "Smith")
    assert ("maiden", "Ann", "Jones") in names
    assert ("usual", "Annie", "Smith") in names
    [address] = patient["address"]
    assert address["postalCode"] == "KB1 4AA"
    [key] = address["extension"]
    assert key["url"] == ADDRESS_KEY_EXTENSION
    parts = {part["url"]: part for part in key["extension"]}
    assert parts["type"]["valueCoding"]["code"] == "uprn"
    assert parts["value"]["valueString"] == "100012345678"


def test_a_living_resident_has_no_deceased_element() -> None:
    patient = build_single_view("R2", [record("gp", "G2", nhs="9434765919")], RULES).to_fhir()
    assert "deceasedDateTime" not in patient
    assert "deceasedBoolean" not in patient


def test_an_invalid_resource_is_an_error_that_names_the_element_but_not_the_value() -> None:
    with pytest.raises(FhirExportError) as raised:
        validated({"resourceType": "Patient", "birthDate": "7th June 1950", "gender": "female"})
    assert "birthDate" in str(raised.value)
    assert "1950" not in str(raised.value)


def test_every_sim_resident_exports_as_a_valid_patient() -> None:
    rules = SurvivorshipRules.from_place(load_place(demo_place_path()))
    _, records = sim_residents()
    for person_id, resident_records in list(records.items())[:150]:
        patient = build_single_view(person_id, resident_records, rules).to_fhir()
        assert len(patient["identifier"]) >= len(resident_records)
        Patient.model_validate(patient)
