"""The canonical person columns that linkage reads, and how a record is named across sources."""

from __future__ import annotations

from typing import Final

from joinedup.ingest.canonical_rows import CANONICAL_PERSON_COLUMNS

# The canonical person row that ingest flattens each stored record into: linkage reads exactly those columns.
LINK_COLUMNS: Final[tuple[str, ...]] = CANONICAL_PERSON_COLUMNS

UNIQUE_ID_SEPARATOR: Final = "|"


def unique_id(source: str, record_id: str) -> str:
    """A record's id across every source: `source|record_id` (record ids are unique only within a source)."""
    return f"{source}{UNIQUE_ID_SEPARATOR}{record_id}"


def split_unique_id(value: str) -> tuple[str, str]:
    """The (source, record_id) a unique id was made from."""
    source, _, record_id = value.partition(UNIQUE_ID_SEPARATOR)
    return source, record_id
