"""Which system is the source of truth for which field, and what a new version of its record tells.

A place declares a source of truth for a field in its survivorship rules: a ``most-trusted`` rule whose
``sources`` list starts with the system (``{field: date_of_death, strategy: most-trusted, sources: [gp]}``). That
system's value always survives into the golden record when it holds one, so a change there is the change the
other systems should hear about. Pure functions of the stored canonical documents (the JSON ingest keeps).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from joinedup.place import Place
from joinedup.place._survivorship import Strategy

from ._events import REQUIRED, ChangeKind

# Survivorship field (group) -> the change of circumstance a new value of it is.
KIND_OF_FIELD: dict[str, ChangeKind] = {
    "address": ChangeKind.ADDRESS,
    "name": ChangeKind.NAME,
    "phone": ChangeKind.CONTACT,
    "email": ChangeKind.CONTACT,
    "date_of_death": ChangeKind.DEATH,
}

Document = Mapping[str, Any]


def sources_of_truth(place: Place) -> dict[str, frozenset[str]]:
    """``{system: the fields it is the source of truth for}``, from the place's survivorship rules."""
    found: dict[str, set[str]] = {}
    for rule in place.survivorship.fields:
        if rule.strategy is Strategy.MOST_TRUSTED and rule.sources and rule.field in KIND_OF_FIELD:
            found.setdefault(rule.sources[0], set()).add(rule.field)
    return {system: frozenset(fields) for system, fields in found.items()}


def _address(document: Document | None) -> dict[str, str]:
    address = (document or {}).get("address") or {}
    if address.get("lines"):
        lines = [line for line in address["lines"] if line not in (address.get("town"), address.get("postcode"))]
    else:
        first = " ".join(part for part in (address.get("pao"), address.get("street")) if part)
        lines = [part for part in (address.get("sao"), first, address.get("locality")) if part]
    values = {
        "address_line_1": lines[0] if lines else "",
        "address_line_2": ", ".join(lines[1:]),
        "town": address.get("town") or "",
        "postcode": address.get("postcode") or "",
    }
    if address.get("uprn"):
        values["uprn"] = str(address["uprn"])
    return values


def _name(document: Document | None) -> dict[str, str]:
    name = (document or {}).get("name") or {}
    return {
        "given_name": name.get("given") or "",
        "middle_name": " ".join(name.get("middle") or ()),
        "family_name": name.get("family") or "",
    }


def _contact(document: Document | None, system: str) -> str:
    points = (document or {}).get("contact_points") or ()
    return next((str(point["value"]) for point in points if point.get("system") == system), "")


def _values(field: str, document: Document | None) -> dict[str, str]:
    if field == "address":
        return _address(document)
    if field == "name":
        return _name(document)
    if field in ("phone", "email"):
        return {field: _contact(document, field)}
    return {"date_of_death": str((document or {}).get("date_of_death") or "")}


def changes_between(before: Document | None, after: Document | None, fields: frozenset[str]) -> list[
    tuple[ChangeKind, dict[str, str]]
]:  # fmt: skip
    """The changes of circumstance a new version tells about ``fields``, in a fixed order; none for a first
    version (a new record is not a change). A value the new version no longer holds is not a change to tell
    (a source that drops an address has not told us the resident has none), nor is one a kind cannot carry."""
    if before is None or after is None:
        return []
    told: dict[ChangeKind, dict[str, str]] = {}
    for field in sorted(fields):
        old, new = _values(field, before), _values(field, after)
        if old == new or not any(new.values()):
            continue
        kind = KIND_OF_FIELD[field]
        told.setdefault(kind, {}).update(new if kind is not ChangeKind.CONTACT else {k: v for k, v in new.items() if v})
    return [
        (kind, values) for kind, values in told.items() if all(values.get(name, "").strip() for name in REQUIRED[kind])
    ]


__all__ = ["KIND_OF_FIELD", "changes_between", "sources_of_truth"]
