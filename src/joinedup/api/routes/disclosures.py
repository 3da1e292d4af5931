"""A resident's fields through the disclosure gate, and "known to you?".

The route decides nothing: it names who asks (the signed-in member of staff, in the role they name or else the
one an agreement names for the purpose), why and which fields, and the gate answers, writing the audit entries in
the same transaction as the response's data. Values come from the resident's golden record, read only for the
fields the gate permitted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from joinedup.governance import Actor, Channel, DecisionPoint, DisclosureGate, Fetch
from joinedup.governance import Request as DisclosureRequest
from joinedup.place import Place
from joinedup.singleview import GoldenRecord, SurvivorshipRules, build_golden_record
from joinedup.store import Database
from joinedup.store.residents import ResidentStore
from joinedup.store.singleview_records import SingleViewRecords

from ..auth import CurrentPrincipal
from ..auth.principal import Principal
from ..auth.roles import choose_grant, fallback_role, grants_in_force
from ..composition import disclosure_gate

# The disclosable fields and where each is in a golden record.
_GOLDEN_FIELDS = {
    "person.name": "name",
    "person.date_of_birth": "date_of_birth",
    "person.date_of_death": "date_of_death",
    "person.sex": "sex",
    "person.nhs_number": "nhs_number",
    "person.ni_number": "ni_number",
    "person.address": "address",
}


class DisclosureAsk(BaseModel):
    purpose: str = Field(min_length=1, description="The purpose code from an agreement, e.g. 'housing-management'")
    fields: list[str] = Field(min_length=1, max_length=50, description="Field paths, e.g. 'person.address'")
    reference: str | None = Field(default=None, description="The case or referral the request is for")
    role: str | None = Field(
        default=None,
        description="Which of your roles you act in (default: the one an agreement in force names for the purpose; "
        "the first such of your roles when several can)",
    )


class ReasonOut(BaseModel):
    text: str
    agreement: str | None
    version: str | None
    lawful_basis: str | None
    consent: str | None


class DisclosureOut(BaseModel):
    outcome: str = Field(description="PERMIT, DENY or REVIEW")
    permitted_fields: list[str]
    pending_fields: list[str] = Field(description="REVIEW: what a person may release after deciding")
    denied_fields: list[str]
    reasons: list[ReasonOut]
    values: dict[str, Any] = Field(description="Values of the permitted fields the hub holds; nothing else")


class KnownToOut(BaseModel):
    organisation: str
    outcome: str
    known: bool | None = Field(description="None when the purpose does not allow the question")
    contact: str | None
    reasons: list[ReasonOut]


def _gate(request: Request) -> DisclosureGate:
    return disclosure_gate(request.app.state)


def _actor(principal: Principal, role: str | None, point: DecisionPoint, purpose: str) -> Actor:
    """Who asks: in the role they name, else in the one an agreement in force names for the purpose (the
    first such of their roles when several can act; see ``auth.roles``)."""
    if principal.kind != "staff" or principal.organisation is None or not principal.roles:
        raise HTTPException(403, "Only a member of staff with an organisation and a role may ask for personal data.")
    if role is not None and role not in principal.roles:
        raise HTTPException(403, "You may only act in one of the roles your sign-in gives you.")
    grants = (g for g in grants_in_force(point) if g.purpose.code == purpose)
    picked = choose_grant(grants, principal.organisation, principal.roles, None) if role is None else None
    chosen = role or (picked[1] if picked is not None else fallback_role(principal.roles, None))
    return Actor(principal.subject, chosen, principal.organisation)


def _golden(database: Database, place: Place, resident_id: str) -> GoldenRecord | None:
    refs = ResidentStore(database).records_of(resident_id)
    if not refs:
        return None
    return build_golden_record(SingleViewRecords(database).current(refs), SurvivorshipRules.from_place(place))


def resident_fields(database: Database, place: Place, resident_id: str) -> Fetch:
    """Reads a resident's fields from their golden record, only when the gate asks (for permitted fields);
    a field the hub does not hold is left out. Also what the demo gives ``run_demo_requests``."""

    def fetch(fields: tuple[str, ...]) -> Mapping[str, object]:
        golden = _golden(database, place, resident_id)
        found: dict[str, object] = {}
        for field in fields:
            survived = getattr(golden, _GOLDEN_FIELDS.get(field, ""), None) if golden else None
            if survived is not None:
                found[field] = _json(survived.value)
        return found

    return fetch


def _json(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _reasons(reasons: Any) -> list[ReasonOut]:
    return [ReasonOut(text=r.text, agreement=r.agreement, version=r.version, lawful_basis=r.lawful_basis,
                      consent=r.consent) for r in reasons]  # fmt: skip


def disclosures_router() -> APIRouter:
    router = APIRouter(tags=["disclosures"])

    @router.post(
        "/residents/{resident_id}/disclosures",
        response_model=DisclosureOut,
        summary="A resident's fields, as far as an agreement and the resident's consent permit, with reasons",
    )
    def disclose(resident_id: str, ask: DisclosureAsk, request: Request, principal: CurrentPrincipal) -> DisclosureOut:
        gate = _gate(request)
        database: Database = request.app.state.database
        actor = _actor(principal, ask.role, gate.point, ask.purpose)
        asked = DisclosureRequest(actor, ask.purpose, resident_id, tuple(ask.fields), ask.reference, None, Channel.API)
        if ResidentStore(database).current_id(resident_id) is None:
            raise HTTPException(404, "No resident with that id.")

        fetch = resident_fields(database, gate.point.place, resident_id)

        with database.transaction() as connection:
            shown = gate.disclose_in(connection, asked, fetch)
        decision = shown.decision
        return DisclosureOut(
            outcome=decision.outcome.value, permitted_fields=list(decision.permitted_fields),
            pending_fields=list(decision.pending_fields), denied_fields=list(decision.denied_fields),
            reasons=_reasons(decision.reasons), values=dict(shown.values),
        )  # fmt: skip

    @router.get(
        "/residents/{resident_id}/known-to",
        response_model=KnownToOut,
        summary="Whether an organisation knows a resident, and whom to contact: no record data",
    )
    def known_to(
        resident_id: str, organisation: str, purpose: str, request: Request, principal: CurrentPrincipal,
        role: str | None = None,
    ) -> KnownToOut:  # fmt: skip
        gate = _gate(request)
        database: Database = request.app.state.database
        place = gate.point.place
        if organisation not in {o.code for o in place.organisations}:
            raise HTTPException(404, "No organisation with that code in this place.")
        actor = _actor(principal, role, gate.point, purpose)
        asked = DisclosureRequest(actor, purpose, resident_id, (), None, organisation, Channel.API)

        def holders(subject: str) -> set[str]:
            systems = {system for system, _ in ResidentStore(database).records_of(subject)}
            return {s.organisation for s in place.systems if s.code in systems}

        with database.transaction() as connection:
            shown = gate.known_to_in(connection, asked, holders)
        answer = shown.values.get("known_to")
        known = answer.get("known") if isinstance(answer, dict) else None
        contact = answer.get("contact") if isinstance(answer, dict) else None
        return KnownToOut(
            organisation=organisation, outcome=shown.decision.outcome.value, known=known, contact=contact,
            reasons=_reasons(shown.decision.reasons),
        )  # fmt: skip

    return router
