"""The "tell us once" form: which change, about whom, and its fields, read and checked as GOV.UK forms are.

Pure: it turns the posted form into the canonical fields tell us once carries (``joinedup.tellusonce.FIELDS``)
or into field errors, each keyed by the id of the input it belongs to, for the error summary to link to.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from joinedup.tellusonce import ChangeKind


@dataclass(frozen=True)
class FormField:
    name: str  # the canonical field, and the input's id and name
    label: str
    hint: str = ""
    width: str = "20"  # a GOV.UK input width class
    autocomplete: str = "off"
    missing: str = ""  # the error when it is left blank; a field with one is required


@dataclass(frozen=True)
class KindChoice:
    kind: ChangeKind
    label: str
    hint: str
    fields: tuple[FormField, ...]


KINDS: tuple[KindChoice, ...] = (
    KindChoice(ChangeKind.ADDRESS, "A new address", "They have moved home", (
        FormField("address_line_1", "Address line 1", width="30", missing="Enter the first line of the new address"),
        FormField("address_line_2", "Address line 2 (optional)", width="30"),
        FormField("town", "Town or city (optional)"),
        FormField("postcode", "Postcode", width="10", missing="Enter the postcode of the new address"),
        FormField("uprn", "UPRN (optional)", "The property's unique reference number, up to 12 digits", "10"),
    )),
    KindChoice(ChangeKind.NAME, "A new name", "For example after marriage or by deed poll", (
        FormField("given_name", "Given name (optional)"),
        FormField("middle_name", "Middle names (optional)"),
        FormField("family_name", "Family name", missing="Enter the family name"),
    )),
    KindChoice(ChangeKind.CONTACT, "New contact details", "A phone number, an email address or both", (
        FormField("phone", "Phone number", "For example, 01632 960 001 or +44 7700 900 982", "20"),
        FormField("email", "Email address", width="30"),
    )),
    KindChoice(ChangeKind.DEATH, "They have died", "Services stop writing to them and close their records", ()),
    KindChoice(ChangeKind.HOUSEHOLD_MEMBER, "Someone new lives with them", "A new member of their household", (
        FormField("member_resident_id", "The new member's resident id", "From their record in this dashboard",
                  "20", missing="Enter the new member's resident id"),
        FormField("relationship", "Relationship to the resident (optional)", "For example, partner or child"),
    )),
)  # fmt: skip
DEATH_DATE = "date_of_death"
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]+$")
_RESIDENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_MAX_LENGTH = 200


@dataclass
class ReadChange:
    """What the form said: the change's kind and canonical fields when it is valid, else the errors."""

    resident_id: str
    kind: ChangeKind | None
    fields: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # input id -> message, in the order of the page

    @property
    def summary(self) -> list[dict[str, str]]:
        return [{"field": name, "message": message} for name, message in self.errors.items()]


def choice_of(kind: ChangeKind) -> KindChoice:
    return next(choice for choice in KINDS if choice.kind is kind)


def _postcode(text: str) -> str | None:
    compact = re.sub(r"\s", "", text).upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def _date_of_death(form: Mapping[str, str], today: dt.date) -> tuple[str | None, str | None]:
    """The date as ISO text, or the error message."""
    parts = [form.get(f"{DEATH_DATE}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None, "Enter the date they died"
    if not all(part.isdigit() for part in parts):
        return None, "The date they died must include a day, month and year, in numbers"
    try:
        died = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None, "The date they died must be a real date"
    if died > today:
        return None, "The date they died must be today or in the past"
    if died.year < 1900:
        return None, "The date they died must be after 1900"
    return died.isoformat(), None


def _check_value(name: str, value: str, resident_id: str) -> tuple[str, str | None]:
    """The canonical value for one field, and an error message if it is not acceptable."""
    if len(value) > _MAX_LENGTH:
        return value, f"Must be {_MAX_LENGTH} characters or fewer"
    if not value:
        return value, None
    if name == "postcode":
        found = _postcode(value)
        return (found, None) if found else (value, "Enter a real postcode, for example KT1 4MX")
    if name == "uprn":
        return value, None if value.isdigit() and len(value) <= 12 else "Enter the UPRN as up to 12 digits"
    if name == "email":
        return value, None if _EMAIL.match(value) else "Enter an email address like name@example.com"
    if name == "phone":
        digits = re.sub(r"\D", "", value)
        ok = _PHONE.match(value) and 10 <= len(digits) <= 15
        return value, None if ok else "Enter a phone number, like 01632 960 001 or +44 7700 900 982"
    if name == "member_resident_id":
        if not _RESIDENT_ID.match(value):
            return value, "Enter the resident id as shown on their record"
        if value == resident_id:
            return value, "The new member must be someone other than the resident"
    return value, None


def read_change(form: Mapping[str, str], today: dt.date) -> ReadChange:
    """Read the posted form; only the fields of the chosen kind are read (the others may be left filled in)."""
    resident_id = form.get("resident_id", "").strip()
    kind = next((k for k in ChangeKind if k.value == form.get("kind", "")), None)
    read = ReadChange(resident_id, kind)
    if not resident_id:
        read.errors["resident_id"] = "Enter the resident's id"
    elif not _RESIDENT_ID.match(resident_id):
        read.errors["resident_id"] = "Enter the resident id as shown on their record, for example res-1a2b3c"
    if kind is None:
        read.errors["kind"] = "Select what has changed"
        return read
    if kind is ChangeKind.DEATH:
        died, problem = _date_of_death(form, today)
        if problem is not None:
            read.errors[f"{DEATH_DATE}-day"] = problem
        elif died is not None:
            read.fields[DEATH_DATE] = died
        return read
    for each in choice_of(kind).fields:
        value, problem = _check_value(each.name, form.get(each.name, "").strip(), resident_id)
        if problem is None and each.missing and not value:
            problem = each.missing
        if problem is not None:
            read.errors[each.name] = problem
        elif value or kind in (ChangeKind.ADDRESS, ChangeKind.NAME):
            read.fields[each.name] = value  # a blank line of a new address or name clears the old one's
    if kind is ChangeKind.CONTACT and not read.errors and not read.fields:
        read.errors["phone"] = "Enter a phone number, an email address or both"
    return read
