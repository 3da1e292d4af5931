"""Break-glass: an emergency look at a resident outside the agreements, with a mandatory reason.

The look goes through ``DisclosureGate.break_glass_in``, which marks the decision and disclosure as break-glass in
the audit log and flags the look for the data protection officer, all in one transaction. The page shows what was
released under a warning that says so; the gate still refuses an actor who is not registered in the place.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from joinedup.api.auth.roles import fallback_role
from joinedup.governance import Actor, BreakGlassError, Channel
from joinedup.governance import Request as DisclosureRequest
from joinedup.singleview import SurvivedValue
from joinedup.store import Database

from .._access import PageForbidden, PageNotFound, Viewer
from .._rendering import Renderer
from .._session import SignedInUser
from .consents import current_resident
from .resident import FIELDS, RECORD_IDS, display, fetch_from, gate_of, single_view_of

EMERGENCY = "emergency"  # the purpose code break-glass looks are recorded under
_REASON_MOST = 1000


def _actor(user: SignedInUser) -> Actor:
    # Break-glass is outside the agreements, so no share names the role to act in: the role chosen for the
    # session, else the first the sign-in gives. The audit entry and the DPO's flag record it.
    return Actor(user.subject, fallback_role(user.roles, user.acting_role), user.organisation or "")


def break_glass_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    def form(request: Request, resident_id: str, status_code: int = 200, **extra: Any) -> HTMLResponse:
        context: dict[str, Any] = {"current": "search", "resident_id": resident_id, "reason": "", "shown": None}
        return renderer.page(request, "break_glass.html", {**context, **extra}, status_code=status_code)

    @router.get("/residents/{resident_id}/break-glass", response_class=HTMLResponse, name="break_glass")
    def ask(request: Request, _viewer: Viewer, resident_id: str) -> HTMLResponse:
        return form(request, current_resident(request.app.state.database, resident_id))

    @router.post("/residents/{resident_id}/break-glass", response_class=HTMLResponse, name="break_glass_look")
    def look(request: Request, viewer: Viewer, resident_id: str, reason: Annotated[str, Form()] = "") -> HTMLResponse:
        database: Database = request.app.state.database
        gate = gate_of(request)
        view = single_view_of(database, gate, current_resident(database, resident_id))
        if view is None:
            raise PageNotFound
        given = " ".join(reason.split())
        problem = "Enter why you need to see this record now, and what the risk to life is" if not given else None
        if len(given) > _REASON_MOST:
            problem = f"The reason must be {_REASON_MOST} characters or fewer"
        asked = DisclosureRequest(
            _actor(viewer), EMERGENCY, view.resident_id, (*FIELDS, RECORD_IDS), channel=Channel.DASHBOARD
        )
        shown = None
        if problem is None:
            try:
                with database.transaction() as connection:
                    shown = gate.break_glass_in(connection, asked, given, fetch_from(view))
            except BreakGlassError as error:
                problem = str(error)[:1].upper() + str(error)[1:]
        if shown is None:
            errors = [{"field": "reason", "message": problem}]
            return form(request, view.resident_id, 400, reason=reason, errors=errors, reason_error=problem)
        if not shown.decision.permitted:
            raise PageForbidden(" ".join(r.text for r in shown.decision.reasons))
        values = [
            (FIELDS[f][1], display(v.value), v.provenance)
            for f, v in shown.values.items()
            if isinstance(v, SurvivedValue)
        ]
        records = shown.values.get(RECORD_IDS, ())
        return form(request, view.resident_id, shown=shown, values=values, records=records, reason=given)

    return router
