"""The seven simulated systems of Kettleby: who they hold, and their habits with data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CANONICAL_COLUMNS: tuple[str, ...] = (
    "source", "record_id", "given_name", "middle_name", "family_name", "date_of_birth", "sex",
    "address_line_1", "address_line_2", "town", "postcode", "uprn", "phone", "email", "nhs_number",
    "ni_number",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SimSystem:
    """A simulated source system: its code, display name, owning organisation and native layout.

    `entity` is "person" when the system keeps a record per person, "property" when per property
    (waste). `native_fields` are the field names of the system's own payload, in order.
    """

    code: str
    name: str
    organisation: str
    entity: Literal["person", "property"]
    native_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Habits:
    """How carefully a system keeps its data: rates per record (0-1) and how stale it tends to be."""

    stale_years: float  # mean age of the last update before the end of its window
    duplicate: float  # duplicate registrations of the same person
    typo: float  # per name field
    nickname: float
    initials: float
    swapped: float  # given and family names swapped
    maiden: float  # a married woman still held under her birth surname
    dob_swap: float  # day and month swapped
    dob_placeholder: float  # 01/01/1900 or 1 January of the birth year
    case_noise: float
    spacing: float
    nhs_error: float  # one wrong digit
    # Share of records where the field is present (absent means blank).
    has_middle: float
    has_dob: float
    has_phone: float
    has_email: float
    has_nhs: float
    has_ni: float
    has_uprn: float
    has_locality: float
    upper_case: bool = False


_COUNCIL = "kettleby-council"

SIM_SYSTEMS: tuple[SimSystem, ...] = (
    SimSystem(
        "council-tax", "Council Tax (revenues)", _COUNCIL, "person",
        ("ACCOUNT_REF", "TITLE", "FORENAMES", "SURNAME", "DOB", "NINO", "PROPERTY_REF", "ADDR1", "ADDR2",
         "ADDR3", "POSTCODE", "TEL_NO", "EMAIL_ADDR", "LIABLE_FROM"),
    ),
    SimSystem(
        "housing", "Housing management", _COUNCIL, "person",
        ("personRef", "tenancyRef", "personRole", "title", "firstName", "middleNames", "lastName",
         "dateOfBirth", "gender", "addressLine1", "addressLine2", "town", "postCode", "uprn",
         "phoneNumber", "emailAddress", "niNumber", "lastUpdated"),
    ),
    SimSystem(
        "adult-social-care", "Adult social care case management", _COUNCIL, "person",
        ("Person ID", "Forename", "Surname", "Date of Birth", "Gender", "NHS Number", "NI Number",
         "Address", "Postcode", "UPRN", "Telephone", "Email", "Date of Death", "Last Modified"),
    ),
    SimSystem(
        "childrens-services", "Children's social care", _COUNCIL, "person",
        ("cs_id", "person_role", "forename", "middle_names", "surname", "dob", "gender", "nhs_no",
         "ni_no", "addr_line1", "addr_line2", "addr_town", "addr_postcode", "uprn", "contact_tel",
         "contact_email", "updated_on"),
    ),
    SimSystem(
        "gp", "GP clinical system", "kettleby-primary-care", "person",
        ("PatientID", "NHSNumber", "Forenames", "Surname", "DateOfBirth", "Sex", "AddressLine1",
         "Locality", "Town", "Postcode", "UPRN", "Telephone", "Email", "DateOfDeath", "LastAmended"),
    ),
    SimSystem(
        "schools", "School management information system", "kettleby-schools-trust", "person",
        ("UPN", "LegalForename", "MiddleNames", "LegalSurname", "DOB", "Gender", "AddressLine1",
         "AddressLine2", "Town", "Postcode", "UPRN", "Telephone", "Contact1Name", "Contact1Relationship",
         "Contact1Phone", "Contact1Email", "LastUpdated"),
    ),
    SimSystem(
        "waste", "Waste and recycling rounds", _COUNCIL, "property",
        ("property_id", "uprn", "usrn", "property_address", "postcode", "occupier_name", "contact_phone",
         "collection_day", "updated"),
    ),
)  # fmt: skip

_BASE = dict(
    stale_years=1.0, duplicate=0.02, typo=0.02, nickname=0.04, initials=0.01, swapped=0.005, maiden=0.03,
    dob_swap=0.01, dob_placeholder=0.005, case_noise=0.03, spacing=0.02, nhs_error=0.01,
    has_middle=0.7, has_dob=0.98, has_phone=0.7, has_email=0.4, has_nhs=0.0, has_ni=0.0, has_uprn=0.5,
    has_locality=0.6,
)  # fmt: skip


def _habits(**overrides: float | bool) -> Habits:
    values: dict[str, float | bool] = {**_BASE, **overrides}
    return Habits(**values)  # type: ignore[arg-type]


HABITS: dict[str, Habits] = {
    "council-tax": _habits(
        stale_years=0.3,
        duplicate=0.015,
        initials=0.45,
        has_middle=0.5,
        has_dob=0.35,
        has_phone=0.4,
        has_email=0.25,
        has_ni=0.3,
        has_uprn=1.0,
        has_locality=0.9,
        dob_swap=0.02,
        dob_placeholder=0.03,
        upper_case=True,
    ),
    "housing": _habits(
        stale_years=0.8,
        duplicate=0.01,
        nickname=0.08,
        has_dob=0.95,
        has_ni=0.6,
        has_uprn=1.0,
        has_email=0.5,
        dob_placeholder=0.01,
    ),
    "adult-social-care": _habits(
        stale_years=1.5,
        duplicate=0.03,
        typo=0.03,
        nickname=0.06,
        has_middle=0.6,
        has_dob=0.99,
        has_nhs=0.85,
        has_ni=0.4,
        has_uprn=0.7,
        has_email=0.15,
        dob_placeholder=0.01,
    ),
    "childrens-services": _habits(
        stale_years=1.5,
        duplicate=0.04,
        typo=0.03,
        has_middle=0.6,
        has_dob=0.97,
        has_nhs=0.55,
        has_ni=0.2,
        has_uprn=0.4,
        dob_placeholder=0.01,
    ),
    "gp": _habits(
        stale_years=1.2,
        duplicate=0.02,
        typo=0.01,
        nickname=0.03,
        swapped=0.003,
        maiden=0.05,
        dob_swap=0.005,
        dob_placeholder=0.002,
        has_middle=0.9,
        has_dob=0.998,
        has_nhs=0.995,
        nhs_error=0.003,
        has_uprn=0.25,
        has_phone=0.8,
    ),
    "schools": _habits(
        stale_years=0.4,
        duplicate=0.01,
        typo=0.005,
        nickname=0.02,
        swapped=0.002,
        dob_swap=0.003,
        dob_placeholder=0.0,
        has_middle=0.95,
        has_dob=1.0,
        has_uprn=0.3,
        has_phone=0.35,
        has_email=0.0,
    ),
    "waste": _habits(
        stale_years=2.0,
        duplicate=0.005,
        typo=0.03,
        initials=0.25,
        has_middle=0.0,
        has_dob=0.0,
        has_phone=0.2,
        has_email=0.1,
        has_uprn=1.0,
        has_locality=0.3,
        upper_case=True,
    ),
}
