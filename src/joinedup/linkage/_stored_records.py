"""The hub's stored records as linkage reads them: canonical persons flattened back to the canonical person
columns, and what every record (person or property) says about its current address.

It works on the stored canonical documents (what ``Person.model_dump(mode="json")`` gives) rather than on
validated models: a place is read whole at every bulk run, and the documents were validated when stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from joinedup.linkage._columns import LINK_COLUMNS, unique_id
from joinedup.linkage._households import AddressFact
from joinedup.model import Person
from joinedup.store.residents_sources import CurrentDocument

_PHONES = ("phone", "sms")


def _address_lines(address: Mapping[str, Any]) -> list[str]:
    """The address as written (its lines), else built from its elements; town and postcode stay separate."""
    if address.get("lines"):
        return [str(line) for line in address["lines"]]
    first = " ".join(str(part) for part in (address.get("pao"), address.get("street")) if part)
    return [str(part) for part in (address.get("sao"), first, address.get("locality")) if part]


def person_row(system: str, record_id: str, person: Mapping[str, Any] | Person) -> dict[str, str]:
    """One canonical person (a stored document or a model) as a row of the canonical person columns."""
    document = person.model_dump(mode="json", exclude_none=True) if isinstance(person, Person) else person
    name = document.get("name") or {}
    address = document.get("address") or {}
    lines = _address_lines(address)
    contacts = document.get("contact_points") or ()
    uprn = address.get("uprn")
    return {
        "source": system,
        "record_id": record_id,
        "given_name": name.get("given") or "",
        "middle_name": " ".join(name.get("middle") or ()),
        "family_name": name.get("family") or "",
        "date_of_birth": document.get("date_of_birth") or "",
        "sex": document.get("sex") or "",
        "address_line_1": lines[0] if lines else "",
        "address_line_2": " ".join(lines[1:]),
        "town": address.get("town") or "",
        "postcode": address.get("postcode") or "",
        "uprn": "" if uprn is None else str(uprn),
        "phone": next((c["value"] for c in contacts if c.get("system") in _PHONES), ""),
        "email": next((c["value"] for c in contacts if c.get("system") == "email"), ""),
        "nhs_number": document.get("nhs_number") or "",
        "ni_number": document.get("ni_number") or "",
    }


def address_fact(record: str, canonical: Mapping[str, Any], entity: str, observed_at: datetime) -> AddressFact | None:
    """What a record says about its current address (a person's address, or a property's own)."""
    address = canonical.get("address")
    if not address:
        return None
    uprn = address.get("uprn", canonical.get("uprn") if entity == "property" else None)
    lines = _address_lines(address) + ([address["town"]] if address.get("town") else [])
    return AddressFact(record, None if uprn is None else int(uprn), address.get("postcode"), tuple(lines), observed_at)


@dataclass
class StoredRecords:
    """Current person records as canonical rows, plus every record's address fact (properties included)."""

    rows: list[dict[str, str]] = field(default_factory=list)
    addresses: list[AddressFact] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(LINK_COLUMNS))

    def record_keys(self) -> list[str]:
        return [unique_id(row["source"], row["record_id"]) for row in self.rows]


def collect(documents: Iterable[CurrentDocument]) -> StoredRecords:
    """Sort the current records into linkage rows (persons) and address facts (persons and properties)."""
    collected = StoredRecords()
    for document in documents:
        if not document.canonical:
            continue  # a record stored without a canonical form (never mapped) has nothing to link on
        if document.entity == "person":
            collected.rows.append(person_row(document.system, document.record_id, document.canonical))
        fact = address_fact(
            unique_id(document.system, document.record_id), document.canonical, document.entity, document.observed_at
        )
        if fact is not None:
            collected.addresses.append(fact)
    return collected


__all__ = ["StoredRecords", "address_fact", "collect", "person_row"]
