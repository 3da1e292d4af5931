"""The role a member of staff acts in, for the session, where more than one of their roles could act.

Each page acts in the role an agreement names for what it does (the review queue as data steward); only where
several of the person's roles could act does the choice made here decide, and break-glass (outside the
agreements) acts in it too. Every decision and disclosure records the role acted in, so the audit log shows it.
The choice is kept in the signed session cookie and ends with the session.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .._access import Viewer
from .._rendering import Renderer, page_name
from .._session import choose_acting_role
from .home import home_page

log = logging.getLogger(__name__)

EACH_PAGE = ""  # the form's value for "no role chosen: each page acts in the first of your roles that can"


def acting_role_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    @router.post("/acting-role", response_class=HTMLResponse, name="acting_role")
    def choose(request: Request, viewer: Viewer, role: Annotated[str, Form()] = EACH_PAGE) -> Response:
        if role != EACH_PAGE and role not in viewer.roles:
            problem = "Select one of your roles, or let each page choose"
            errors = [{"field": "acting-role", "message": problem}]
            return home_page(renderer, request, viewer, 400, errors=errors, role_error=problem)
        chosen = role or None
        choose_acting_role(request, chosen)
        # The subject is an opaque id and a role code is not personal data: as the sign-in's own log line.
        log.info("dashboard acting role chosen", extra={"subject": viewer.subject, "role": chosen or "each page"})
        return RedirectResponse(f"{request.url_for(page_name('home')).path}?role=chosen", status_code=303)

    return router
