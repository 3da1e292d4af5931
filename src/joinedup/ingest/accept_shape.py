"""Clearing a source that schema drift stopped, against the shape the place file now declares.

One function for every door: ``joinedup sources accept-shape``, ``POST /api/v1/sources/{system}/accept-shape``
and the dashboard's Sources page all clear a stop here, so each records the same thing (who, when, the drift
message, the declared layout) in the same transaction as the stop is lifted (``store.shape_acceptances``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from joinedup.place import Place
from joinedup.store import Database
from joinedup.store.shape_acceptances import ShapeAcceptance, ShapeAcceptanceStore

NOTE_MOST = 500  # a note names a change notice or a ticket: a sentence, not a document


class UnknownSystem(ValueError):
    """The place file declares no system with this code, so there is no shape to accept."""


def declared_shape(kind: str, connection: Mapping[str, Any]) -> dict[str, Any] | None:
    """The shape a source's connection settings expect (names only), as its drift checks read them; None when
    they declare none (the files' id column alone, or the REST API's first record of each read)."""
    if kind == "file":
        if connection.get("format") == "fixed-width":
            return {"columns": [field["name"] for field in connection.get("fields") or ()]}
        return {"columns": list(connection["columns"])} if connection.get("columns") else None
    if kind == "api" and connection.get("fields"):
        return {"fields": list(connection["fields"]), "optional_fields": list(connection.get("optional_fields") or ())}
    return None


def accept_current_shape(
    database: Database, place: Place, system: str, *, accepted_by: str, now: datetime, note: str | None = None
) -> ShapeAcceptance:
    """Clear ``system``'s stop, recording the shape ``place`` declares for it now.

    Raises UnknownSystem when the place declares no such system, SourceNotStopped when there is no stop to clear,
    and ValueError when ``accepted_by`` is empty or the note is too long."""
    declared = next((each for each in place.systems if each.code == system), None)
    if declared is None:
        raise UnknownSystem(f"the place file declares no system '{system}'")
    if note is not None and len(note) > NOTE_MOST:
        raise ValueError(f"the note must be {NOTE_MOST} characters or fewer")
    shape = declared_shape(declared.kind.value, declared.connection)
    return ShapeAcceptanceStore(database).accept(system, accepted_by=accepted_by, shape=shape, note=note, now=now)


__all__ = ["NOTE_MOST", "UnknownSystem", "accept_current_shape", "declared_shape"]
