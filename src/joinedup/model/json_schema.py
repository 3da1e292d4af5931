"""The JSON Schema of each published model, as published under ``schemas/`` in the repository."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from .address import Address, Property
from .person import Person
from .records import Provenance, SourceRecord

SCHEMA_BASE_URI = "https://joinedup.example/schemas/"  # an identifier, not fetched

_PUBLISHED: dict[str, type[BaseModel]] = {
    "person": Person,
    "address": Address,
    "property": Property,
    "source-record": SourceRecord,
    "provenance": Provenance,
}


def published_schemas() -> dict[str, dict[str, Any]]:
    """File name (``person.schema.json``...) to JSON Schema (draft 2020-12), generated from the models."""
    documents: dict[str, dict[str, Any]] = {}
    for name, model in _PUBLISHED.items():
        schema = model.model_json_schema(mode="validation")
        documents[f"{name}.schema.json"] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE_URI}{name}.schema.json",
            **schema,
        }
    return documents


def render_schema(document: dict[str, Any]) -> str:
    """The exact text written to disk, so that a byte comparison detects drift."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
