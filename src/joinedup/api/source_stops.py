"""Clearing a source stopped by schema drift, as a signed-in member of staff: what the API's
``POST /sources/{system}/accept-shape`` and the dashboard's Sources form both call.

Only a person acting in a role that administers sources (``auth.roles.SOURCE_ADMIN_ROLES``) may; a system's API
key may not, since the record names the person who took responsibility for the new shape. Who accepted is the
signed-in person's subject (an opaque id, as the review queue keeps reviewers), never a name typed in a form.
The place file is read again for each acceptance, not taken from the gate's copy loaded at start-up: clearing a
stop follows an edit to the place file, and the record must hold the shape the file declares now.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from joinedup.ingest.accept_shape import accept_current_shape
from joinedup.place import Place, demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.shape_acceptances import ShapeAcceptance

from .auth.roles import SOURCE_ADMIN_ROLES, source_admin_role

log = logging.getLogger(__name__)


class NotSourceAdministrator(PermissionError):
    """The caller acts in no role that administers sources."""

    def __init__(self) -> None:
        roles = " or ".join(SOURCE_ADMIN_ROLES)
        super().__init__(f"Only a member of staff acting as {roles} may clear a source's stop.")


def current_place(state: Any) -> Place:
    """The place file as it reads now (the demo place when none is set). Raises PlaceFileError."""
    return load_place(state.settings.place_file or demo_place_path())


def accept_shape_as(
    state: Any,
    system: str,
    *,
    subject: str,
    roles: Sequence[str],
    preferred_role: str | None = None,
    note: str | None = None,
) -> ShapeAcceptance:
    """Clear ``system``'s stop for the person ``subject``, if one of ``roles`` administers sources.

    Raises NotSourceAdministrator, PlaceFileError, UnknownSystem, SourceNotStopped, or ValueError (a note too
    long)."""
    role = source_admin_role(roles, preferred_role)
    if role is None or not subject:
        raise NotSourceAdministrator
    database: Database = state.database
    given = " ".join(note.split()) if note else None
    accepted = accept_current_shape(
        database, current_place(state), system, accepted_by=subject, note=given or None, now=datetime.now(UTC)
    )
    # Codes and the opaque subject only, as the request log keeps them.
    log.info("source stop cleared", extra={"system": system, "subject": subject, "role": role})
    return accepted
