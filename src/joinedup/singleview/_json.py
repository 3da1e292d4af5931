"""A single view as JSON-ready data, for the API and the dashboard: every value with its provenance."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from joinedup.model import Provenance

from ._view import SingleView


def _value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    if isinstance(value, date):
        return value.isoformat()
    return value  # text (identifiers, phone, email) and Sex, a str enum


def _provenance(provenance: Provenance) -> dict[str, Any]:
    return provenance.model_dump(mode="json")


def view_as_dict(view: SingleView) -> dict[str, Any]:
    """``{resident_id, records, golden, other_names, conflicts}``; a field no record holds is absent from
    ``golden``; a competing value of None in a conflict means "not recorded" (a death one system lacks)."""
    golden = {
        value.field: {
            "value": _value(value.value),
            "provenance": _provenance(value.provenance),
            "strategy": value.strategy.value,
            "supported_by": [_provenance(p) for p in value.supported_by],
        }
        for value in view.golden.values()
    }
    return {
        "resident_id": view.resident_id,
        "records": [_provenance(record.provenance()) for record in view.records],
        "golden": golden,
        "other_names": [
            {"name": _value(other.name), "provenance": _provenance(other.provenance)}
            for other in view.golden.other_names
        ],
        "conflicts": [
            {
                "field": conflict.field,
                "values": [
                    {"value": _value(v.value), "held_by": [_provenance(p) for p in v.held_by]} for v in conflict.values
                ],
            }
            for conflict in view.conflicts
        ],
    }
