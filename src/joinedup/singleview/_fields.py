"""The fields a golden record is built from: how each is read from a canonical person and compared.

The names are the place file's (``joinedup.place.SURVIVORSHIP_FIELDS``); a test keeps the two lists equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from joinedup.model import Address, ContactSystem, Person, PersonName, Sex

from ._agreement import addresses_agree, emails_agree, names_agree, phones_agree, sexes_agree


def _equal(a: object, b: object) -> bool:
    return a == b


def _first_contact(person: Person, *systems: ContactSystem) -> str | None:
    return next((point.value for point in person.contact_points if point.system in systems), None)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One survived field: where its value is in a person, when two values agree, how it reads aloud."""

    name: str
    label: str
    value_of: Callable[[Person], Any]
    agree: Callable[[Any, Any], bool] = _equal
    informative: Callable[[Any], bool] = bool
    absence_is_a_value: bool = False
    """For a death: a system that holds the resident as alive disagrees with one that records the death."""

    def show(self, value: Any) -> str:
        """The value as a person reads it (personal data: for the staff view, never for logs)."""
        return show_value(value)


def show_value(value: Any) -> str:
    if value is None:
        return "(none recorded)"
    if isinstance(value, PersonName):
        parts = (value.title, value.given, *value.middle, value.family)
        return " ".join(part for part in parts if part)
    if isinstance(value, Address):
        uprn = f" [UPRN {value.uprn}]" if value.uprn is not None else ""
        return ", ".join(value.display_lines() or ("(no lines)",)) + uprn
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Sex):
        return value.value
    return str(value)


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "Name", lambda p: p.name, names_agree),
    FieldSpec("date_of_birth", "Date of birth", lambda p: p.date_of_birth),
    FieldSpec("date_of_death", "Date of death", lambda p: p.date_of_death, absence_is_a_value=True),
    FieldSpec("sex", "Sex", lambda p: p.sex, sexes_agree, informative=lambda s: s is not Sex.UNKNOWN),
    FieldSpec("nhs_number", "NHS number", lambda p: p.nhs_number),
    FieldSpec("ni_number", "NI number", lambda p: p.ni_number),
    FieldSpec("address", "Address", lambda p: p.address, addresses_agree),
    FieldSpec("phone", "Phone", lambda p: _first_contact(p, ContactSystem.PHONE, ContactSystem.SMS), phones_agree),
    FieldSpec("email", "Email", lambda p: _first_contact(p, ContactSystem.EMAIL), emails_agree),
)
FIELD_NAMES = tuple(spec.name for spec in FIELDS)
FIELDS_BY_NAME = {spec.name: spec for spec in FIELDS}
