"""Ingestion: map what source systems send into the canonical model, keeping the raw record and every version."""

from .canonical_rows import (
    CANONICAL_PERSON_COLUMNS,
    MappedPerson,
    MappedProperty,
    person_from_canonical_row,
    property_from_canonical_row,
)

__all__ = [
    "CANONICAL_PERSON_COLUMNS",
    "MappedPerson",
    "MappedProperty",
    "person_from_canonical_row",
    "property_from_canonical_row",
]
