"""The canonical model: Pydantic types for what joinedup holds, built on UK public-service identifiers.

This package imports nothing else of joinedup's; it knows no database, web framework or simulator.
"""

from .address import Address, Coordinates, Property
from .identifiers import (
    NhsNumber,
    NiNumber,
    Postcode,
    Uprn,
    Usrn,
    is_valid,
    nhs_check_digit,
    normalise_nhs_number,
    normalise_ni_number,
    normalise_postcode,
    normalise_uprn,
    normalise_usrn,
)
from .json_schema import published_schemas, render_schema
from .person import ContactPoint, ContactSystem, NameUse, Person, PersonName, Sex
from .records import (
    FLAT_HASH_PREFIX,
    EntityType,
    Provenance,
    SourceRecord,
    flat_payload_hash,
    flat_row_hasher,
    raw_content_hash,
)

__all__ = [
    "FLAT_HASH_PREFIX",
    "Address",
    "ContactPoint",
    "ContactSystem",
    "Coordinates",
    "EntityType",
    "NameUse",
    "NhsNumber",
    "NiNumber",
    "Person",
    "PersonName",
    "Postcode",
    "Property",
    "Provenance",
    "Sex",
    "SourceRecord",
    "Uprn",
    "Usrn",
    "flat_payload_hash",
    "flat_row_hasher",
    "is_valid",
    "nhs_check_digit",
    "normalise_nhs_number",
    "normalise_ni_number",
    "normalise_postcode",
    "normalise_uprn",
    "normalise_usrn",
    "published_schemas",
    "raw_content_hash",
    "render_schema",
]
