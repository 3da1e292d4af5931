"""The place file: a YAML description of a place's organisations, systems and what they share.

Read one with :func:`load_place` (raises :class:`PlaceFileError`) or check one with
:func:`validate_place_file`, which reports every problem with its line. See ``docs/place-file.md``.
"""

from joinedup.place._loading import (
    PlaceCheck,
    demo_place_path,
    load_place,
    load_place_text,
    validate_place_file,
    validate_place_text,
)
from joinedup.place._models import (
    Agreement,
    Article6Basis,
    Article9Condition,
    EntityKind,
    FieldMapping,
    LawfulBasis,
    Organisation,
    OrganisationType,
    Place,
    PlaceDetails,
    SourceMapping,
    SourceSystem,
    Subscription,
    SystemKind,
    Transform,
)
from joinedup.place._problems import PlaceFileError, PlaceProblem, PlaceValidation

__all__ = [
    "Agreement",
    "Article6Basis",
    "Article9Condition",
    "EntityKind",
    "FieldMapping",
    "LawfulBasis",
    "Organisation",
    "OrganisationType",
    "Place",
    "PlaceCheck",
    "PlaceDetails",
    "PlaceFileError",
    "PlaceProblem",
    "PlaceValidation",
    "SourceMapping",
    "SourceSystem",
    "Subscription",
    "SystemKind",
    "Transform",
    "demo_place_path",
    "load_place",
    "load_place_text",
    "validate_place_file",
    "validate_place_text",
]
