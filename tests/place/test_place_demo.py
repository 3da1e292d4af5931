"""The bundled Kettleby place file, the public surface, and the Place model used from code."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import joinedup.place as place_package
from joinedup.place import (
    EntityKind,
    OrganisationType,
    Place,
    SystemKind,
    demo_place_path,
    load_place,
    validate_place_file,
)


def test_demo_place_file_validates_without_problems() -> None:
    result = validate_place_file(demo_place_path())

    assert result.problems == []
    assert result.ok
    assert result.place is not None
    assert result.place.place.code == "kettleby"


def test_demo_place_declares_the_agreed_systems_exactly() -> None:
    place = load_place(demo_place_path())

    expected = {
        "council-tax": ("kettleby-council", SystemKind.FILE, EntityKind.PERSON),
        "housing": ("kettleby-council", SystemKind.API, EntityKind.PERSON),
        "adult-social-care": ("kettleby-council", SystemKind.SQL, EntityKind.PERSON),
        "childrens-services": ("kettleby-council", SystemKind.SCREEN, EntityKind.PERSON),
        "waste": ("kettleby-council", SystemKind.API, EntityKind.PROPERTY),
        "gp": ("kettleby-primary-care", SystemKind.API, EntityKind.PERSON),
        "schools": ("kettleby-schools-trust", SystemKind.FILE, EntityKind.PERSON),
    }
    actual = {s.code: (s.organisation, s.kind, s.entity) for s in place.systems}
    assert actual == expected


def test_demo_place_declares_the_agreed_organisations() -> None:
    place = load_place(demo_place_path())

    types = {o.code: o.type for o in place.organisations}
    assert types == {
        "kettleby-council": OrganisationType.LOCAL_AUTHORITY,
        "kettleby-primary-care": OrganisationType.PRIMARY_CARE_NETWORK,
        "kettleby-schools-trust": OrganisationType.ACADEMY_TRUST,
        "kettleby-police": OrganisationType.POLICE,
        "kettleby-homes": OrganisationType.HOUSING_ASSOCIATION,
    }
    assert place.organisation("kettleby-primary-care").ods_code is not None
    assert place.systems_of("kettleby-police") == ()


def test_demo_connections_only_reference_environment_variables_for_secrets() -> None:
    place = load_place(demo_place_path())

    assert place.system("childrens-services").connection["password"] == "${KETTLEBY_CHILDRENS_PASSWORD}"
    assert place.system("waste").connection["api_key"] == "${KETTLEBY_WASTE_API_KEY}"


def test_lookup_by_code_raises_key_error_for_unknown_codes() -> None:
    place = load_place(demo_place_path())

    assert place.system("gp").organisation == "kettleby-primary-care"
    with pytest.raises(KeyError):
        place.system("no-such-system")
    with pytest.raises(KeyError):
        place.organisation("no-such-organisation")


def test_place_built_in_code_is_held_to_the_cross_reference_rules() -> None:
    data = {
        "place": {"name": "Testville", "code": "testville"},
        "organisations": [{"code": "council", "name": "Council", "type": "local-authority"}],
        "systems": [{"code": "tax", "name": "Tax", "organisation": "elsewhere", "kind": "file", "entity": "person"}],
    }

    with pytest.raises(ValidationError, match="names organisation 'elsewhere'"):
        Place.model_validate(data)


def test_public_surface_is_complete_and_exported() -> None:
    exported = set(place_package.__all__)
    required = {
        "Place", "Organisation", "SourceSystem", "OrganisationType", "SystemKind", "PlaceProblem",
        "PlaceValidation", "PlaceFileError", "validate_place_file", "load_place", "load_place_text",
        "demo_place_path",
    }  # fmt: skip
    assert required <= exported
    public_names = {name for name in vars(place_package) if not name.startswith("_")}
    assert public_names == exported
