"""The canonical person columns that linkage reads, and how a record is named across sources."""

from __future__ import annotations

from typing import Final

# The same columns as the canonical person row; defined here so that linkage never depends on the simulator.
LINK_COLUMNS: Final[tuple[str, ...]] = (
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

UNIQUE_ID_SEPARATOR: Final = "|"


def unique_id(source: str, record_id: str) -> str:
    """A record's id across every source: `source|record_id` (record ids are unique only within a source)."""
    return f"{source}{UNIQUE_ID_SEPARATOR}{record_id}"


def split_unique_id(value: str) -> tuple[str, str]:
    """The (source, record_id) a unique id was made from."""
    source, _, record_id = value.partition(UNIQUE_ID_SEPARATOR)
    return source, record_id
