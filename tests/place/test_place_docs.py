"""docs/place-file.md documents every field of every place model and every allowed value."""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Union, get_args, get_origin

from pydantic import BaseModel

from joinedup.place import Place

DOCS = Path(__file__).resolve().parents[2] / "docs" / "place-file.md"
TOP_LEVEL_HEADING = "Top level"


def inner_types(annotation: object) -> Iterator[object]:
    """The annotation and everything nested in it (list items, optional parts, Annotated bases)."""
    yield annotation
    if get_origin(annotation) in {tuple, list, dict, Union, types.UnionType, Annotated}:
        for arg in get_args(annotation):
            yield from inner_types(arg)


def documented_models(model: type[BaseModel] = Place, path: str = "") -> Iterator[tuple[str, type[BaseModel]]]:
    """Each model with the heading path the docs use for it, e.g. ``mappings[].fields[]``."""
    yield path, model
    for name, field in model.model_fields.items():
        nested = [t for t in inner_types(field.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
        if nested:
            is_list = get_origin(field.annotation) in {tuple, list}
            child = f"{path}.{name}" if path else name
            yield from documented_models(nested[0], child + ("[]" if is_list else ""))


def enums_used(model: type[BaseModel] = Place) -> set[type[Enum]]:
    found: set[type[Enum]] = set()
    for _, each in documented_models(model):
        for field in each.model_fields.values():
            found |= {t for t in inner_types(field.annotation) if isinstance(t, type) and issubclass(t, Enum)}
    return found


def sections() -> dict[str, str]:
    """Heading text -> the text under it, up to the next heading."""
    parts = re.split(r"^#{2,4} (.+)$", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {heading.strip(): body for heading, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_the_walk_finds_every_section_model() -> None:
    paths = [path for path, _ in documented_models()]

    assert paths == [
        "",
        "place",
        "organisations[]",
        "organisations[].people[]",
        "systems[]",
        "mappings[]",
        "mappings[].fields[]",
        "mappings[].fields[].transforms[]",
        "subscriptions[]",
        "agreements[]",
        "agreements[].purposes[]",
        "agreements[].lawful_basis",
        "agreements[].shares[]",
        "agreements[].signatories[]",
        "survivorship",
        "survivorship.fields[]",
    ]


def test_every_field_of_every_model_has_a_row_in_its_section() -> None:
    docs = sections()
    undocumented = []
    for path, model in documented_models():
        heading = TOP_LEVEL_HEADING if path == "" else f"`{path}`"
        body = docs.get(heading)
        assert body is not None, f"docs/place-file.md has no section headed {heading}"
        for name in model.model_fields:
            if not re.search(rf"^\| `{re.escape(name)}` \|", body, flags=re.MULTILINE):
                undocumented.append(f"{path or '(top level)'}: {name}")
    assert undocumented == []


def test_every_allowed_value_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    enums = enums_used()

    assert len(enums) == 7  # organisation type, system kind, entity, Article 6 basis, Article 9 condition, consent rule
    # survivorship strategy
    missing = [f"{e.__name__}.{m.value}" for e in enums for m in e if f"`{m.value}`" not in text]
    assert missing == []
