"""The data protection officer's list of open break-glass looks, each closed with a finding.

A look is about one resident, so each row is asked of the disclosure gate as ``audit.disclosures`` about that
resident (and audited); the page itself is refused, with the decision point's reasons, to anyone no agreement
gives that field. Closing a review is a decision about the same field, recorded with the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from joinedup.governance import AGGREGATE, Fetch
from joinedup.store import Database
from joinedup.store.governance_records import BreakGlassFlag, BreakGlassReviews

from .._access import PageNotFound, Viewer
from .._rendering import Renderer, page_name
from .._session import SignedInUser
from ._governed import DISCLOSURES, decide_then, refusal, request_for
from .resident import gate_of

_FINDING_MOST = 1000


def _the(flag: BreakGlassFlag) -> Fetch:
    def fetch(_fields: tuple[str, ...]) -> Mapping[str, object]:
        return {DISCLOSURES: flag}

    return fetch


def open_looks(request: Request, viewer: SignedInUser) -> list[BreakGlassFlag]:
    """The open break-glass looks the gate lets the viewer see, each row a disclosure it audits.

    Asking for the list is itself a decision, about every resident with an open look and naming none of them
    (the aggregate subject, as an analytics extract's): the gate records it, permitted or refused, so a refusal
    stays in the audit log (committed before the 403 page) like a refused look at one resident's log."""
    database: Database = request.app.state.database
    gate = gate_of(request)
    shown: list[BreakGlassFlag] = []
    with database.transaction() as connection:
        overall = gate.decide_in(connection, request_for(gate.point, viewer, AGGREGATE, DISCLOSURES))
        if DISCLOSURES in overall.permitted_fields:
            for flag in BreakGlassReviews().list(connection, open_only=True):
                asked = request_for(gate.point, viewer, flag.subject, DISCLOSURES)
                released = gate.disclose_in(connection, asked, _the(flag))
                if DISCLOSURES in released.values:
                    shown.append(flag)
    if DISCLOSURES not in overall.permitted_fields:
        raise refusal(overall, DISCLOSURES)
    return shown


def break_glass_reviews_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    def show(request: Request, viewer: SignedInUser, status_code: int = 200, **extra: Any) -> HTMLResponse:
        names = {o.code: o.name for o in gate_of(request).point.place.organisations}
        context: dict[str, Any] = {
            "current": "governance", "flags": open_looks(request, viewer), "names": names, "finding_errors": {},
            "closed": request.query_params.get("closed"),
        }  # fmt: skip
        return renderer.page(request, "break_glass_reviews.html", {**context, **extra}, status_code=status_code)

    @router.get("/break-glass", response_class=HTMLResponse, name="break_glass_reviews")
    def reviews(request: Request, viewer: Viewer) -> HTMLResponse:
        return show(request, viewer)

    @router.post("/break-glass/{flag_id}/close", response_class=HTMLResponse, name="close_break_glass")
    def close(request: Request, viewer: Viewer, flag_id: int, finding: Annotated[str, Form()] = "") -> Response:
        database: Database = request.app.state.database
        gate = gate_of(request)
        with database.transaction() as connection:
            flag = next((f for f in BreakGlassReviews().list(connection) if f.id == flag_id), None)
        if flag is None:
            raise PageNotFound
        given = " ".join(finding.split())
        problem = "Enter your finding, for example 'justified: risk to life'" if not given else None
        if len(given) > _FINDING_MOST:
            problem = f"The finding must be {_FINDING_MOST} characters or fewer"
        if problem is not None:
            errors = [{"field": f"finding-{flag_id}", "message": problem}]
            return show(request, viewer, 400, finding_errors={flag_id: problem}, errors=errors)

        def close_it(connection: Connection) -> bool:
            return BreakGlassReviews().close(connection, flag_id, viewer.subject, given, dt.datetime.now(dt.UTC))

        decide_then(database, gate, viewer, flag.subject, DISCLOSURES, close_it)
        url = request.url_for(page_name("break_glass_reviews")).path
        return RedirectResponse(f"{url}?closed={flag_id}", status_code=303)

    return router
