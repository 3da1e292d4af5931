"""The connected systems' freshness and quarantine: what an integration architect watches.

Quarantine entries are listed without their raw content: that is personal data, and it leaves the core only
through the disclosure gate (a later capability). Where a record came from and why it was held is enough to
fix a mapping.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from joinedup.store.ingest_state import QuarantineStore
from joinedup.store.source_freshness import freshness_of_sources

from ..auth import CurrentPrincipal


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

    return router
