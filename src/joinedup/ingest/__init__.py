"""Ingestion: map what source systems send into the canonical model, keeping the raw record and every version."""

from .canonical_rows import (
    CANONICAL_PERSON_COLUMNS,
    MappedPerson,
    MappedProperty,
    person_from_canonical_row,
    property_from_canonical_row,
)
from .mapping import CompiledMapping, MappingError, MappingOutcome, check_mappings, compile_mapping
from .transforms import TRANSFORMS, TransformError

__all__ = [
    "CANONICAL_PERSON_COLUMNS",
    "TRANSFORMS",
    "CompiledMapping",
    "MappedPerson",
    "MappedProperty",
    "MappingError",
    "MappingOutcome",
    "TransformError",
    "check_mappings",
    "compile_mapping",
    "person_from_canonical_row",
    "property_from_canonical_row",
]
