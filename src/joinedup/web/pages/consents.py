"""A resident's consent and objections: the list (FHIR R5 Consent-shaped provisions), a form to record a new
one, and withdrawal. Reached from the resident page by the resident's opaque id.

Seeing them is a disclosure of ``governance.consents`` and changing them a decision about the same field: the
disclosure gate decides both under the agreements and audits them, so only roles whose purpose allows it may.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from joinedup.governance import Consent, DisclosureGate
from joinedup.store import Database
from joinedup.store.residents import ResidentStore

from .._access import PageNotFound, Viewer
from .._rendering import Renderer, page_name
from .._session import SignedInUser
from ._consent_form import ANY, options_of, parse_consent, withdrawn
from ._governed import CONSENTS, decide_then, disclose_or_refuse, purpose_for
from .resident import gate_of

_REASON_MOST = 500

StrField = Annotated[str, Form()]
ListField = Annotated[list[str], Form()]


def current_resident(database: Database, resident_id: str) -> str:
    """The id answering for ``resident_id`` now (after merges), or the 404 page."""
    current = ResidentStore(database).current_id(resident_id)
    if current is None:
        raise PageNotFound
    return current


def consents_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    def show(
        request: Request, viewer: SignedInUser, resident_id: str, status_code: int = 200, **extra: Any
    ) -> HTMLResponse:
        database: Database = request.app.state.database
        gate = gate_of(request)

        def read(connection: Connection) -> tuple[Consent, ...]:
            return gate.consents_in(connection, resident_id)

        shown = disclose_or_refuse(database, gate, viewer, resident_id, CONSENTS, read)
        consents: tuple[Consent, ...] = shown.values[CONSENTS]  # type: ignore[assignment]
        place = gate.point.place
        context: dict[str, Any] = {
            "current": "search", "resident_id": resident_id, "consents": consents, "today": gate.point.today,
            "purpose": purpose_for(gate.point, viewer, CONSENTS), "options": options_of(place), "any": ANY,
            "organisation_names": {o.code: o.name for o in place.organisations},
            "purpose_names": {p.code: p.description for a in place.agreements for p in a.purposes},
            "asked": {}, "field_errors": {}, "withdraw_errors": {}, "recorded": request.query_params.get("recorded"),
            "withdrawn": request.query_params.get("withdrawn"),
        }  # fmt: skip
        return renderer.page(request, "consents.html", {**context, **extra}, status_code=status_code)

    def back_to_list(request: Request, resident_id: str, note: str, consent_id: str) -> RedirectResponse:
        url = request.url_for(page_name("resident_consents"), resident_id=resident_id).path
        return RedirectResponse(f"{url}?{note}={consent_id}", status_code=303)

    @router.get("/residents/{resident_id}/consents", response_class=HTMLResponse, name="resident_consents")
    def consents(request: Request, viewer: Viewer, resident_id: str) -> HTMLResponse:
        return show(request, viewer, current_resident(request.app.state.database, resident_id))

    @router.post("/residents/{resident_id}/consents", response_class=HTMLResponse, name="record_consent")
    def record(
        request: Request, viewer: Viewer, resident_id: str, decision: StrField = "", scope: StrField = "",
        organisation: StrField = "", role: StrField = "", purposes: ListField = [],  # noqa: B006 - FastAPI copies it
        data: ListField = [], period_start: StrField = "", period_end: StrField = "",  # noqa: B006
        evidence: StrField = "",
    ) -> Response:  # fmt: skip
        database: Database = request.app.state.database
        resident_id = current_resident(database, resident_id)
        gate: DisclosureGate = gate_of(request)
        asked: dict[str, Any] = {
            "decision": decision, "scope": scope, "organisation": organisation, "role": role, "purposes": purposes,
            "data": data, "period_start": period_start, "period_end": period_end, "evidence": evidence,
        }  # fmt: skip
        parsed = parse_consent(asked, options_of(gate.point.place), resident_id, gate.point.today)
        if parsed.consent is None:
            errors = [{"field": field, "message": message} for field, message in parsed.errors.items()]
            return show(request, viewer, resident_id, 400, asked=asked, field_errors=parsed.errors, errors=errors)
        consent = parsed.consent

        def save(connection: Connection) -> bool:
            gate.record_consent_in(connection, consent)
            return True

        decide_then(database, gate, viewer, resident_id, CONSENTS, save)
        return back_to_list(request, resident_id, "recorded", consent.id)

    @router.post(
        "/residents/{resident_id}/consents/{consent_id}/withdraw", response_class=HTMLResponse, name="withdraw_consent"
    )
    def withdraw(
        request: Request, viewer: Viewer, resident_id: str, consent_id: str, reason: StrField = ""
    ) -> Response:
        database: Database = request.app.state.database
        resident_id = current_resident(database, resident_id)
        gate = gate_of(request)
        given = " ".join(reason.split())
        message = None
        if not given:
            message = "Enter why the consent or objection is withdrawn"
        elif len(given) > _REASON_MOST:
            message = f"The reason must be {_REASON_MOST} characters or fewer"
        if message is not None:
            field = f"reason-{consent_id}"
            errors = [{"field": field, "message": message}]
            return show(request, viewer, resident_id, 400, withdraw_errors={consent_id: message}, errors=errors)
        today = gate.point.today

        def save(connection: Connection) -> bool:
            held = next((c for c in gate.consents_in(connection, resident_id) if c.id == consent_id), None)
            if held is None or held.withdrawn_on is not None:
                return False  # not this resident's, or already withdrawn: nothing to change
            gate.record_consent_in(connection, withdrawn(held, given, today))
            return True

        decide_then(database, gate, viewer, resident_id, CONSENTS, save)
        return back_to_list(request, resident_id, "withdrawn", consent_id)

    return router
