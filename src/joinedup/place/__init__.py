"""The place file: a YAML description of a place's organisations, systems and what they share.

Read one with :func:`load_place` (raises :class:`PlaceFileError`) or check one with
:func:`validate_place_file`, which reports every problem with its line. See ``docs/place-file.md``.
"""

from joinedup.place._governance import (
    KNOWN_TO,
    Agreement,
    Article6Basis,
    Article9Condition,
    ConsentRule,
    LawfulBasis,
    Organisation,
    OrganisationType,
    Purpose,
    Share,
    Signatory,
    StaffMember,
    is_special_category,
)
from joinedup.place._loading import (
    PlaceCheck,
    demo_place_path,
    load_place,
    load_place_text,
    validate_place_file,
    validate_place_text,
)
from joinedup.place._models import (
    EntityKind,
    FieldMapping,
    Place,
    PlaceDetails,
    SourceMapping,
    SourceSystem,
    SystemKind,
    Transform,
)
from joinedup.place._problems import PlaceFileError, PlaceProblem, PlaceValidation
from joinedup.place._subscriptions import Subscription

__all__ = [
    "KNOWN_TO",
    "Agreement",
    "Article6Basis",
    "Article9Condition",
    "ConsentRule",
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
    "Purpose",
    "Share",
    "Signatory",
    "SourceMapping",
    "SourceSystem",
    "StaffMember",
    "Subscription",
    "SystemKind",
    "Transform",
    "demo_place_path",
    "is_special_category",
    "load_place",
    "load_place_text",
    "validate_place_file",
    "validate_place_text",
]
