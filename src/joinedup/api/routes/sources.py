"""The connected systems' freshness and quarantine: what an integration architect watches; and clearing a source
stopped by schema drift, which only the roles that administer sources may do (``api.source_stops``).

Quarantine entries are listed without their raw content: that is personal data, and it leaves the core only
through the disclosure gate (a later capability). Where a record came from and why it was held is enough to
fix a mapping.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from joinedup.ingest.accept_shape import NOTE_MOST, UnknownSystem
from joinedup.place import PlaceFileError
from joinedup.store.ingest_state import QuarantineStore
from joinedup.store.shape_acceptances import SourceNotStopped
from joinedup.store.source_freshness import freshness_of_sources

from ..auth import CurrentPrincipal
from ..source_stops import NotSourceAdministrator, accept_shape_as


class SourceFreshness(BaseModel):
    system: str
    name: str
    kind: str
    organisation: str
    last_success_at: datetime | None
    newest_change_at: datetime | None
    lag_seconds: float | None
    last_error: str | None
    stopped: str | None
    quarantined: int
    how_to_clear: str | None = None
    shape_accepted_at: datetime | None = None
    shape_accepted_by: str | None = None


class QuarantineEntry(BaseModel):
    id: int
    system: str
    record_id: str | None
    location: str
    reasons: list[str]
    first_seen_at: datetime
    last_seen_at: datetime


class AcceptShape(BaseModel):
    note: str | None = Field(
        default=None, max_length=NOTE_MOST, description="Why, e.g. the supplier's change notice (no personal data)."
    )
    role: str | None = Field(
        default=None, description="Which of your roles you act in (default: the first of them that may clear it)."
    )


class ShapeAccepted(BaseModel):
    system: str
    accepted_at: datetime
    accepted_by: str = Field(description="The subject of the member of staff who cleared the stop.")
    stop_reason: str = Field(description="The drift message the source was stopped with (names, never values).")
    shape: dict[str, Any] | None = Field(description="What the place file declares now: column or field names.")
    note: str | None


_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not acting in a role that administers sources (or called with an API key)"},
    404: {"description": "The place file declares no such system"},
    409: {"description": "The source is not stopped, or the place file cannot be read"},
}


def _refusal(error: Exception) -> HTTPException:
    """Fixed sentences: the system code came from the path, and answers never repeat what the caller sent."""
    if isinstance(error, NotSourceAdministrator):
        return HTTPException(status.HTTP_403_FORBIDDEN, str(error))
    if isinstance(error, UnknownSystem):
        return HTTPException(status.HTTP_404_NOT_FOUND, "The place file declares no system with this code.")
    if isinstance(error, SourceNotStopped):
        return HTTPException(status.HTTP_409_CONFLICT, "The source is not stopped: there is no stop to clear.")
    return HTTPException(status.HTTP_409_CONFLICT, "The place file cannot be read; check it with joinedup validate.")


def sources_router() -> APIRouter:
    router = APIRouter(tags=["sources"])

    @router.get("/sources", response_model=list[SourceFreshness], summary="Each connected system's freshness")
    def sources(request: Request, _principal: CurrentPrincipal) -> list[SourceFreshness]:
        rows = freshness_of_sources(request.app.state.database, datetime.now(UTC))
        return [SourceFreshness(**asdict(row)) for row in rows]

    @router.get(
        "/sources/{system}/quarantine",
        response_model=list[QuarantineEntry],
        summary="Records a system sent that could not be taken in, with where they came from and why",
    )
    def quarantine(
        system: str, request: Request, _principal: CurrentPrincipal, limit: int = Query(100, ge=1, le=1000)
    ) -> list[QuarantineEntry]:
        entries = QuarantineStore(request.app.state.database).list(system, limit=limit)
        return [
            QuarantineEntry(
                id=e.id, system=e.system, record_id=e.record_id, location=e.location, reasons=list(e.reasons),
                first_seen_at=e.first_seen_at, last_seen_at=e.last_seen_at,
            )
            for e in entries
        ]  # fmt: skip

    @router.post(
        "/sources/{system}/accept-shape", response_model=ShapeAccepted, responses=_REFUSALS,
        summary="Clear a source stopped by schema drift, recording the shape the place file now declares",
    )  # fmt: skip
    def accept_shape(
        system: str, request: Request, principal: CurrentPrincipal, body: AcceptShape | None = None
    ) -> ShapeAccepted:
        asked = body or AcceptShape()
        if asked.role is not None and asked.role not in principal.roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "You may only act in one of the roles you have.")
        try:
            accepted = accept_shape_as(
                request.app.state, system, subject=principal.subject if principal.kind == "staff" else "",
                roles=(asked.role,) if asked.role is not None else principal.roles, note=asked.note,
            )  # fmt: skip
        except (NotSourceAdministrator, UnknownSystem, SourceNotStopped, PlaceFileError) as error:
            raise _refusal(error) from error
        return ShapeAccepted(
            system=accepted.system, accepted_at=accepted.accepted_at, accepted_by=accepted.accepted_by,
            stop_reason=accepted.stop_reason, shape=dict(accepted.shape) if accepted.shape else None,
            note=accepted.note,
        )  # fmt: skip

    return router
