"""A resident's single view as a FHIR R4 Patient, for health partners.

``fhir.resources`` 8.x models FHIR R5 at its top level; its ``R4B`` subpackage is FHIR 4.3.0, the R4-family
release it ships (there is no 4.0.1 subpackage). Patient is the same resource in R4 and R4B (R4B changed
medication definition and subscription resources), so a Patient that validates against R4B is an R4 Patient.
A resource that fails validation is an error, never a resource with parts silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from joinedup.model import Address, PersonName, SourceRecord

from ._golden import GoldenRecord, current_person_records

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ADDRESS_KEY_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AddressKey"
ADDRESS_KEY_TYPES = "https://fhir.hl7.org.uk/CodeSystem/UKCore-AddressKeyType"
DEFAULT_NAMESPACE = "urn:joinedup:system"
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


class FhirExportError(ValueError):
    """The Patient built for a resident is not valid FHIR. The message names the elements, never values."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("the FHIR Patient is not valid: " + "; ".join(problems))


def local_identifier_system(system: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """The identifier system URI for a source system's own record ids, e.g. 'urn:joinedup:system:gp'."""
    return f"{namespace}:{system}"


def _name(name: PersonName, use: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"use": use or name.use.value}
    if name.family:
        element["family"] = name.family
    given = [part for part in (name.given, *name.middle) if part]
    if given:
        element["given"] = given
    if name.title:
        element["prefix"] = [name.title]
    return element


def _address(address: Address) -> dict[str, Any]:
    element: dict[str, Any] = {"use": "home", "type": "physical"}
    lines = list(address.lines) or [
        part for part in (address.sao, " ".join(p for p in (address.pao, address.street) if p)) if part
    ]
    if address.locality and not address.lines:
        lines.append(address.locality)
    if lines:
        element["line"] = lines
    if address.town:
        element["city"] = address.town
    if address.postcode:
        element["postalCode"] = address.postcode
    if address.uprn is not None:
        element["extension"] = [
            {
                "url": ADDRESS_KEY_EXTENSION,
                "extension": [
                    {"url": "type", "valueCoding": {"system": ADDRESS_KEY_TYPES, "code": "uprn"}},
                    {"url": "value", "valueString": str(address.uprn)},
                ],
            }
        ]
    return element


def patient_resource(
    resident_id: str,
    golden: GoldenRecord,
    records: Iterable[SourceRecord],
    *,
    namespace: str = DEFAULT_NAMESPACE,
) -> dict[str, Any]:
    """The Patient as JSON-ready data, validated against FHIR (raises FhirExportError if it is not valid)."""
    resource: dict[str, Any] = {"resourceType": "Patient"}
    if _FHIR_ID.fullmatch(resident_id):
        resource["id"] = resident_id
    identifiers: list[dict[str, Any]] = []
    if golden.nhs_number:
        identifiers.append({"use": "official", "system": NHS_NUMBER_SYSTEM, "value": golden.nhs_number.value})
    for record in current_person_records(records):
        identifiers.append(
            {"use": "secondary", "system": local_identifier_system(record.system, namespace), "value": record.record_id}
        )
    if identifiers:
        resource["identifier"] = identifiers
    names = [_name(golden.name.value, "usual")] if golden.name else []
    names += [_name(other.name) for other in golden.other_names]
    if names:
        resource["name"] = names
    telecom = []
    if golden.phone:
        telecom.append({"system": "phone", "value": golden.phone.value})
    if golden.email:
        telecom.append({"system": "email", "value": golden.email.value})
    if telecom:
        resource["telecom"] = telecom
    if golden.sex:
        resource["gender"] = golden.sex.value.value
    if golden.date_of_birth:
        resource["birthDate"] = golden.date_of_birth.value.isoformat()
    if golden.date_of_death:
        resource["deceasedDateTime"] = golden.date_of_death.value.isoformat()
    if golden.address:
        resource["address"] = [_address(golden.address.value)]
    observed = [value.provenance.observed_at for value in golden.values()]
    if observed:
        resource["meta"] = {"lastUpdated": max(observed).isoformat()}
    return validated(resource)


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """Check a Patient with fhir.resources (R4B); give it back unchanged if it is valid, else raise."""
    from fhir.resources.R4B.patient import Patient  # imported here: a fifth of a second most commands never need

    try:
        Patient.model_validate(resource)
    except ValidationError as invalid:
        problems = [
            f"{'.'.join(str(part) for part in error['loc']) or 'Patient'}: {error['type']}"
            for error in invalid.errors(include_input=False, include_context=False, include_url=False)
        ]
        raise FhirExportError(problems) from None
    return resource
