"""Rows in the canonical person columns (the interchange CSV layout) mapped into the canonical model.

A source system's fields are mapped into these columns first (by its mapping in the place file, or by the
system itself when it exports them); this module turns one such row into a :class:`~joinedup.model.Person`.
An identifier that fails its check is left out of the canonical form (the raw record keeps it) and named in
the result, so linkage never trusts a broken NHS number and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from typing import Any

from pydantic import ValidationError

from joinedup.model import (
    Address,
    ContactSystem,
    Person,
    Property,
    Sex,
    normalise_nhs_number,
    normalise_ni_number,
    normalise_postcode,
    normalise_uprn,
)
from joinedup.store.source_records import encode_json

CANONICAL_PERSON_COLUMNS = (
    "source",
    "record_id",
    "given_name",
    "middle_name",
    "family_name",
    "date_of_birth",
    "sex",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "uprn",
    "phone",
    "email",
    "nhs_number",
    "ni_number",
)

_SEX_CODES = {"f": Sex.FEMALE, "female": Sex.FEMALE, "m": Sex.MALE, "male": Sex.MALE}
_SEX_CODES |= {"u": Sex.UNKNOWN, "unknown": Sex.UNKNOWN, "o": Sex.OTHER, "other": Sex.OTHER}


@dataclass(frozen=True)
class MappedPerson:
    """The outcome of mapping one row: a person, or the reason there is none; and what was left out."""

    person: Person | None
    dropped_fields: tuple[str, ...] = ()
    error: str | None = None


def _clean(row: Mapping[str, Any], column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _checked(value: str | None, check: Callable[[str], Any]) -> tuple[Any, bool]:
    """(normalised value, whether it was dropped)."""
    if value is None:
        return None, False
    try:
        return check(value), False
    except ValueError:
        return None, True


def _iso_date(value: str) -> date:
    return date.fromisoformat(value)


def person_from_canonical_row(row: Mapping[str, Any]) -> MappedPerson:
    """Map one row of the canonical person columns. Never raises for bad data: it says what was wrong."""
    data, dropped, error = _person_data(row)
    if data is None:
        return MappedPerson(None, error=error)
    try:
        # One validation of the whole person (nested parts included) rather than a constructor per part:
        # the same checks, for a third of the cost on ingest's hot path.
        person = Person.model_validate(data)
    except ValidationError as invalid:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in invalid.errors(include_input=False))
        return MappedPerson(None, dropped, error=problems)
    return MappedPerson(person, dropped)


_NO_NAME = "the record has neither a given nor a family name"


def person_json_from_canonical_row(row: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Ingest's hot path: (the stored canonical JSON of the row's person, or None and the reason there is none).

    The same checks as :func:`person_from_canonical_row`, without building a Person: every value goes through
    the normaliser :func:`_person_data` uses, which is all that validating the model would do again (the model
    adds no rule a normalised row can break), and the JSON is what the model's serializer gives with
    ``exclude_none`` and ``exclude_defaults`` (its fields in the model's order, only those with a value).
    Written out flat rather than through :func:`_person_data`, whose list of dropped fields the hot path does
    not need: this runs once per record of every sync. tests/ingest/test_canonical_rows.py checks both claims
    against the model on random rows; a rule added to Person must be added here too, and that test will say so.
    """
    clean = _cleaned(row).get
    given, family = clean("given_name"), clean("family_name")
    if not (given or family):
        return None, _NO_NAME
    name: dict[str, Any] = {}
    if given:
        name["given"] = given
    if middle := clean("middle_name"):
        name["middle"] = [middle]
    if family:
        name["family"] = family
    document: dict[str, Any] = {"name": name}
    if (born := clean("date_of_birth")) is not None and (iso := _iso_date_text(born)) is not None:
        document["date_of_birth"] = iso
    if (sex_text := clean("sex")) and (sex := _SEX_CODES.get(sex_text.lower())) is not None:
        document["sex"] = sex.value
    for field, check in _IDENTIFIER_CHECKS:
        if (value := clean(field)) is not None and (checked := check(value)[0]) is not None:
            document[field] = checked
    contacts = []
    if phone := clean("phone"):
        contacts.append({"system": ContactSystem.PHONE.value, "value": phone})
    if (email := clean("email")) and "@" in email:
        contacts.append({"system": ContactSystem.EMAIL.value, "value": email.lower()})
    if contacts:
        document["contact_points"] = contacts
    line_1, line_2 = clean("address_line_1"), clean("address_line_2")
    postcode = None if (text := clean("postcode")) is None else _checked_postcode(text)[0]
    uprn = None if (text := clean("uprn")) is None else _checked_uprn(text)[0]
    if line_1 or line_2 or postcode or uprn:
        address: dict[str, Any] = {}
        if uprn:
            address["uprn"] = uprn
        if town := clean("town"):
            address["town"] = town
        if postcode:
            address["postcode"] = postcode
        if lines := [line for line in (line_1, line_2) if line]:
            address["lines"] = lines
        document["address"] = address
    return encode_json(document), None


def _cleaned(row: Mapping[str, Any]) -> dict[str, str]:
    """Every column with a value, its whitespace collapsed (what :func:`_clean` gives, for all at once)."""
    cleaned = {}
    for column, value in row.items():
        if value is not None and (text := " ".join((value if type(value) is str else str(value)).split())):
            cleaned[column] = text
    return cleaned


# Remembered per distinct input, like the mapping's own transforms: postcodes and birth dates repeat a great
# deal across a source, and the checks are pure functions of the text.
_checked_postcode = lru_cache(maxsize=1 << 16)(partial(_checked, check=normalise_postcode))
_checked_date = lru_cache(maxsize=1 << 16)(partial(_checked, check=_iso_date))
_checked_uprn = partial(_checked, check=normalise_uprn)
_IDENTIFIERS = (
    ("date_of_birth", _checked_date),
    ("nhs_number", partial(_checked, check=normalise_nhs_number)),
    ("ni_number", partial(_checked, check=normalise_ni_number)),
)
_IDENTIFIER_CHECKS = _IDENTIFIERS[1:]


@lru_cache(maxsize=1 << 16)
def _iso_date_text(text: str) -> str | None:
    """The ISO text of a valid date of birth, or None (the hot path's form of ``_checked_date``)."""
    born = _checked_date(text)[0]
    return None if born is None else born.isoformat()


def _person_data(row: Mapping[str, Any]) -> tuple[dict[str, Any] | None, tuple[str, ...], str | None]:
    """The row as Person's fields (only those with a value), what was dropped, and why there is no person."""
    dropped: list[str] = []
    clean = _cleaned(row).get

    def keep(column: str, check: Callable[[str | None], tuple[Any, bool]]) -> Any:
        value, was_dropped = check(clean(column))
        if was_dropped:
            dropped.append(column)
        return value

    given, family = clean("given_name"), clean("family_name")
    if not (given or family):
        return None, (), "the record has neither a given nor a family name"
    name: dict[str, Any] = {"given": given, "family": family}
    if middle := clean("middle_name"):
        name["middle"] = (middle,)
    data: dict[str, Any] = {"name": name}
    contacts = []
    if phone := clean("phone"):
        contacts.append({"system": ContactSystem.PHONE, "value": phone})
    if (email := clean("email")) and "@" in email:
        contacts.append({"system": ContactSystem.EMAIL, "value": email.lower()})
    elif email:
        dropped.append("email")
    if contacts:
        data["contact_points"] = contacts
    lines = tuple(line for line in (clean("address_line_1"), clean("address_line_2")) if line)
    postcode = keep("postcode", _checked_postcode)
    uprn = keep("uprn", _checked_uprn)
    if lines or postcode or uprn:
        data["address"] = {"uprn": uprn, "lines": lines, "town": clean("town"), "postcode": postcode}
    if sex_text := clean("sex"):
        sex = _SEX_CODES.get(sex_text.lower())
        if sex is None:
            dropped.append("sex")
        data["sex"] = sex
    for field, check in _IDENTIFIERS:
        if (value := keep(field, check)) is not None:
            data[field] = value
    return data, tuple(dropped), None


@dataclass(frozen=True)
class MappedProperty:
    property: Property | None
    error: str | None = None


def property_from_canonical_row(row: Mapping[str, Any]) -> MappedProperty:
    """Map a property-centred row (e.g. a waste service's round list): the UPRN is required, the rest kept."""
    uprn, uprn_dropped = _checked(_clean(row, "uprn"), normalise_uprn)
    if uprn is None:
        reason = "the UPRN is not valid" if uprn_dropped else "the record has no UPRN"
        return MappedProperty(None, error=reason)
    postcode, _ = _checked(_clean(row, "postcode"), normalise_postcode)
    lines = tuple(line for line in (_clean(row, "address_line_1"), _clean(row, "address_line_2")) if line)
    address = Address(uprn=uprn, lines=lines, town=_clean(row, "town"), postcode=postcode)
    return MappedProperty(Property(uprn=uprn, address=address))
