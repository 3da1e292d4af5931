"""Changes of circumstance as typed events: what kind of change, about which resident, with which values.

Each kind carries a fixed set of canonical fields (the columns ingest maps every system onto), so a change of
address cannot smuggle in a new name, and a receiving system's subscription can say which of them it takes.
Values are text, as the canonical rows hold them; a blank value clears the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class ChangeKind(StrEnum):
    """The changes of circumstance a resident tells once. Values are the event names subscriptions use."""

    ADDRESS = "person.address-changed"
    NAME = "person.name-changed"
    CONTACT = "person.contact-changed"
    DEATH = "person.died"
    HOUSEHOLD_MEMBER = "household.member-added"


FIELDS: dict[ChangeKind, frozenset[str]] = {
    ChangeKind.ADDRESS: frozenset({"address_line_1", "address_line_2", "town", "postcode", "uprn"}),
    ChangeKind.NAME: frozenset({"given_name", "middle_name", "family_name"}),
    ChangeKind.CONTACT: frozenset({"phone", "email"}),
    ChangeKind.DEATH: frozenset({"date_of_death"}),
    ChangeKind.HOUSEHOLD_MEMBER: frozenset({"member_resident_id", "relationship"}),
}
REQUIRED: dict[ChangeKind, frozenset[str]] = {
    ChangeKind.ADDRESS: frozenset({"address_line_1", "postcode"}),
    ChangeKind.NAME: frozenset({"family_name"}),
    ChangeKind.CONTACT: frozenset(),
    ChangeKind.DEATH: frozenset({"date_of_death"}),
    ChangeKind.HOUSEHOLD_MEMBER: frozenset({"member_resident_id"}),
}
_MAX_VALUE_LENGTH = 200


class ChangeError(ValueError):
    """A change that cannot be accepted; the message names the field and the rule, never the value."""


@dataclass(frozen=True)
class ChangeOfCircumstance:
    """One change told once: ``fields`` are canonical field -> new value (text)."""

    kind: ChangeKind
    resident_id: str
    fields: Mapping[str, str]
    source: str = "api"  # where it was told: api, dashboard, or the code of the system it was detected in
    raised_by: str = ""  # the principal's subject, for the record; never shown to receiving systems
    raised_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        check_change(self.kind, self.resident_id, self.fields)
        if self.raised_at.tzinfo is None:
            raise ChangeError("raised_at must carry a timezone")


def check_change(kind: ChangeKind, resident_id: str, fields: Mapping[str, object]) -> None:
    """Raise ChangeError naming every problem with the change's shape."""
    problems: list[str] = []
    if not resident_id or len(resident_id) > 64:
        problems.append("resident_id must be 1 to 64 characters")
    allowed = FIELDS[kind]
    unknown = sorted(set(fields) - allowed)
    if unknown:
        problems.append(f"{kind.value} does not carry {', '.join(unknown)} (it carries {', '.join(sorted(allowed))})")
    missing = sorted(name for name in REQUIRED[kind] if not str(fields.get(name) or "").strip())
    if missing:
        problems.append(f"{kind.value} needs {', '.join(missing)}")
    if not fields:
        problems.append(f"{kind.value} needs at least one field")
    for name, value in fields.items():
        if not isinstance(value, str):
            problems.append(f"{name} must be text")
        elif len(value) > _MAX_VALUE_LENGTH:
            problems.append(f"{name} is longer than {_MAX_VALUE_LENGTH} characters")
    if problems:
        raise ChangeError("; ".join(problems))
