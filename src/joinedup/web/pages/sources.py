"""Sources: each connected system's freshness, and one system's quarantine (where and why, never what).

A source stopped by schema drift is shown with the drift message and how to clear it; to a person acting in a
role that administers sources, with a form that clears it through the same call as the API's
``POST /sources/{system}/accept-shape`` (``api.source_stops``): the record names the signed-in person.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.api.auth.roles import source_admin_role
from joinedup.api.source_stops import NotSourceAdministrator, accept_shape_as
from joinedup.ingest.accept_shape import NOTE_MOST, UnknownSystem
from joinedup.place import PlaceFileError
from joinedup.store.shape_acceptances import SourceNotStopped

from .._access import PageForbidden, PageNotFound, Viewer
from .._rendering import Renderer, page_name
from .._session import SignedInUser
from ._freshness import quarantine_of, source_rows

_NOT_PERMITTED = (
    "Clearing a source's stop changes what the hub takes in, so only an integration architect or a data steward "
    "may do it. Ask one of them, once the mapping is fixed or the place file declares the new shape."
)


def sources_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    def show(request: Request, viewer: SignedInUser, status_code: int = 200, **extra: Any) -> HTMLResponse:
        now = datetime.now(UTC)
        rows = source_rows(request.app.state.database, now)
        cleared = next((row for row in rows if row.code == request.query_params.get("cleared")), None)
        context: dict[str, Any] = {
            "current": "sources", "rows": rows, "now": now, "cleared": cleared, "note_errors": {}, "notes": {},
            "may_clear": source_admin_role(viewer.roles, viewer.acting_role) is not None, "note_most": NOTE_MOST,
        }  # fmt: skip
        return renderer.page(request, "sources.html", {**context, **extra}, status_code=status_code)

    @router.get("/sources", response_class=HTMLResponse, name="sources")
    def sources(request: Request, viewer: Viewer) -> HTMLResponse:
        return show(request, viewer)

    @router.post("/sources/{system}/accept-shape", response_class=HTMLResponse, name="accept_shape")
    def accept_shape(request: Request, viewer: Viewer, system: str, note: Annotated[str, Form()] = "") -> Response:
        field = f"note-{system}"
        if len(note) > NOTE_MOST:
            problem = f"The note must be {NOTE_MOST} characters or fewer"
            errors = [{"field": field, "message": problem}]
            return show(request, viewer, 400, errors=errors, note_errors={system: problem}, notes={system: note})
        try:
            accept_shape_as(
                request.app.state, system, subject=viewer.subject, roles=viewer.roles,
                preferred_role=viewer.acting_role, note=note,
            )  # fmt: skip
        except NotSourceAdministrator as error:
            raise PageForbidden(_NOT_PERMITTED) from error
        except UnknownSystem as error:
            raise PageNotFound from error
        except (SourceNotStopped, PlaceFileError) as error:
            message = (
                "That source is not stopped: someone may have cleared it already"
                if isinstance(error, SourceNotStopped)
                else "The place file cannot be read: check it with joinedup validate, then try again"
            )
            return show(request, viewer, 409, errors=[{"field": "sources", "message": message}])
        url = request.url_for(page_name("sources")).path
        return RedirectResponse(f"{url}?cleared={system}", status_code=303)

    @router.get("/sources/{system}/quarantine", response_class=HTMLResponse, name="quarantine")
    def quarantine(request: Request, _viewer: Viewer, system: str) -> HTMLResponse:
        held = quarantine_of(request.app.state.database, system, datetime.now(UTC))
        if held is None:
            raise PageNotFound
        return renderer.page(request, "quarantine.html", {"current": "sources", "held": held})

    return router
