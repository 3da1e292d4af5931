"""A resident's disclosure log, "who has seen my data": every disclosure about them, when, which organisation and
role, why in plain words, under which agreement, emergency looks marked.

It is ``audit.who_has_seen_in``'s answer, so a covert investigation's entries stay out until their release date
exactly as the audit package decides, and nothing about anyone else is shown. The log is itself personal data:
the gate decides who may read it (``audit.disclosures``) and audits each reading.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from joinedup.audit import DisclosureSeen, who_has_seen_in
from joinedup.store import Database
from joinedup.store.audit_records import organisation_names

from .._access import Viewer
from .._rendering import Renderer
from ._governed import DISCLOSURES, disclose_or_refuse, purpose_for
from .consents import current_resident
from .resident import FIELDS, RECORD_IDS, gate_of


def field_label(field: str) -> str:
    if field == RECORD_IDS:
        return "Record ids in each system"
    return FIELDS[field][1] if field in FIELDS else field


def disclosure_log_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    @router.get("/residents/{resident_id}/disclosures", response_class=HTMLResponse, name="resident_disclosures")
    def disclosures(request: Request, viewer: Viewer, resident_id: str) -> HTMLResponse:
        database: Database = request.app.state.database
        resident_id = current_resident(database, resident_id)
        gate = gate_of(request)
        today = gate.point.today

        def read(connection: Connection) -> list[DisclosureSeen]:
            names = organisation_names(connection)
            return who_has_seen_in(connection, resident_id, today=today, organisation_names=names)

        shown = disclose_or_refuse(database, gate, viewer, resident_id, DISCLOSURES, read)
        context = {
            "current": "search", "resident_id": resident_id, "seen": shown.values[DISCLOSURES],
            "purpose": purpose_for(gate.point, viewer, DISCLOSURES), "field_label": field_label,
        }  # fmt: skip
        return renderer.page(request, "disclosure_log.html", context)

    return router
