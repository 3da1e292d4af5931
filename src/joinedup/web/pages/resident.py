"""A resident: the golden record's values the disclosure gate permits, each with its provenance, conflicts
between systems, the records held in each system, the household and its property, and the linkage history
(creation, records joined, merges, splits, moves, household changes, reviewers' decisions); what was withheld
is listed with the gate's reasons. A second page, ``/residents/ID/evidence``, explains field by field why the
records were joined. Every look goes through ``DisclosureGate.disclose_in``, which writes the audit entries.

The address holds the resident's opaque id and the purpose code, neither of which is personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from joinedup.api.auth.roles import choose_grant, grants_in_force
from joinedup.api.composition import disclosure_gate
from joinedup.governance import Actor, Channel, DecisionPoint, Disclosure, DisclosureGate, Fetch, Grant, Reason
from joinedup.governance import Request as DisclosureRequest
from joinedup.model import Address, PersonName
from joinedup.singleview import SingleView, SurvivedValue, SurvivorshipRules, build_single_view
from joinedup.store import Database
from joinedup.store.resident_search import SearchIndex
from joinedup.store.residents import ResidentStore
from joinedup.store.residents_households import HouseholdStore
from joinedup.store.singleview_records import SingleViewRecords

from .._access import PageNotFound, Viewer
from .._rendering import Renderer
from .._session import SignedInUser
from . import _linkage_evidence as evidence

# The disclosable fields a page asks for, where each is in a golden record, and its label.
FIELDS: dict[str, tuple[str, str]] = {
    "person.name": ("name", "Name"),
    "person.date_of_birth": ("date_of_birth", "Date of birth"),
    "person.date_of_death": ("date_of_death", "Date of death"),
    "person.sex": ("sex", "Sex"),
    "person.nhs_number": ("nhs_number", "NHS number"),
    "person.ni_number": ("ni_number", "National Insurance number"),
    "person.address": ("address", "Address"),
    "person.contact_points": ("phone", "Phone"),
}
RECORD_IDS = "person.identifiers"  # a record's id in its source system identifies the resident: asked for too


@dataclass(frozen=True)
class PurposeChoice:
    """A purpose an agreement lets the signed-in person use, and the role they act in for it."""

    code: str
    description: str
    role: str


def fetch_from(view: SingleView) -> Fetch:
    """What the gate reads once it has decided: the permitted fields' surviving values, and the record ids."""

    def fetch(fields: tuple[str, ...]) -> Mapping[str, object]:
        found: dict[str, object] = {}
        for field in fields:
            survived = getattr(view.golden, FIELDS[field][0], None) if field in FIELDS else None
            if survived is not None:
                found[field] = survived
            elif field == RECORD_IDS:
                found[field] = tuple((record.system, record.record_id) for record in view.records)
        return found

    return fetch


def gate_of(request: Request) -> DisclosureGate:
    """The app's one disclosure gate, shared with the API."""
    return disclosure_gate(request.app.state)


def purposes_for(point: DecisionPoint, user: SignedInUser) -> list[PurposeChoice]:
    """The purposes of agreements in force whose shares name the user's organisation (and one of their roles),
    each with the role to act in: the one role that can, or the session's role where several can
    (``api.auth.roles``)."""
    by_purpose: dict[str, list[Grant]] = {}
    for grant in grants_in_force(point):
        by_purpose.setdefault(grant.purpose.code, []).append(grant)
    found: list[PurposeChoice] = []
    for grants in by_purpose.values():
        picked = choose_grant(grants, user.organisation, user.roles, user.acting_role)
        if picked is not None:
            grant, role = picked
            found.append(PurposeChoice(grant.purpose.code, grant.purpose.description, role))
    return sorted(found, key=lambda choice: choice.description)


def display(value: object) -> str:
    """A golden value as staff read it: a name or address as one line, a date as ``6 May 1990``."""
    if isinstance(value, PersonName):
        return " ".join(part for part in (value.given, *value.middle, value.family) if part)
    if isinstance(value, Address):
        return ", ".join(value.display_lines())
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def single_view_of(database: Database, gate: DisclosureGate, resident_id: str) -> SingleView | None:
    refs = ResidentStore(database).records_of(resident_id)
    if not refs:
        return None
    rules = SurvivorshipRules.from_place(gate.point.place)
    return build_single_view(resident_id, SingleViewRecords(database).current(refs), rules)


def single_views_of(database: Database, gate: DisclosureGate, resident_ids: Sequence[str]) -> list[SingleView]:
    """The single views of a page of current residents (search results), read with two queries in all."""
    refs = SearchIndex(database).records_of(resident_ids)
    records = SingleViewRecords(database).current([ref for held in refs.values() for ref in held])
    by_key = {(record.system, record.record_id): record for record in records}
    rules = SurvivorshipRules.from_place(gate.point.place)
    views = []
    for resident in resident_ids:
        held = [by_key[ref] for ref in refs.get(resident, ()) if ref in by_key]
        if held:
            views.append(build_single_view(resident, held, rules))
    return views


def disclose(
    database: Database, gate: DisclosureGate, user: SignedInUser, choice: PurposeChoice, view: SingleView
) -> Disclosure:
    """Ask the gate for every field of the resident on the dashboard channel; it audits the look."""
    with database.transaction() as connection:
        return disclose_in(connection, gate, user, choice, view)


def disclose_in(
    connection: Connection, gate: DisclosureGate, user: SignedInUser, choice: PurposeChoice, view: SingleView
) -> Disclosure:
    """As ``disclose``, inside the caller's transaction (a search discloses each result row in one)."""
    actor = Actor(user.subject, choice.role, user.organisation or "")
    asked = DisclosureRequest(actor, choice.code, view.resident_id, (*FIELDS, RECORD_IDS), channel=Channel.DASHBOARD)

    return gate.disclose_in(connection, asked, fetch_from(view))


def withheld(shown: Disclosure) -> list[tuple[str, list[Reason]]]:
    """Each field the gate did not let out, with the reasons that name it (or all of them when none does)."""
    reasons = shown.decision.reasons
    rows = []
    for field in shown.decision.request.fields:
        if field in shown.values:
            continue
        if field in shown.decision.permitted_fields:
            continue  # permitted, but the hub holds no value: nothing withheld
        naming = [r for r in reasons if field in r.text and r.agreement is None]
        rows.append((FIELDS[field][1] if field in FIELDS else "Record ids in each system", naming or list(reasons)))
    return rows


def resident_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    @router.get("/residents/{resident_id}", response_class=HTMLResponse, name="resident")
    def resident(request: Request, viewer: Viewer, resident_id: str, purpose: str | None = None) -> HTMLResponse:
        database: Database = request.app.state.database
        gate = gate_of(request)
        current = ResidentStore(database).current_id(resident_id)
        view = single_view_of(database, gate, current) if current is not None else None
        if view is None:
            raise PageNotFound
        choices = purposes_for(gate.point, viewer)
        choice = next((c for c in choices if c.code == purpose), None)
        context: dict[str, Any] = {"current": "search", "resident_id": view.resident_id, "choices": choices}
        if choice is None:
            return renderer.page(request, "resident.html", {**context, "shown": None, "purpose": None})
        shown = disclose(database, gate, viewer, choice, view)
        household = HouseholdStore(database).household_of(view.resident_id)
        values = [
            (FIELDS[f][1], display(v.value), v.provenance, view.conflict(FIELDS[f][0]))
            for f, v in shown.values.items()
            if f in FIELDS and isinstance(v, SurvivedValue)
        ]
        conflicts = [
            (label, [(display(c.value) if c.value is not None else "not recorded", c.systems) for c in found.values])
            for label, _, _, found in values
            if found is not None
        ]
        address_reasons = next((reasons for label, reasons in withheld(shown) if label == "Address"), None)
        context |= {
            "shown": shown, "purpose": choice, "values": values, "conflicts": conflicts,
            "withheld": withheld(shown), "systems": view.systems, "record_ids": shown.values.get(RECORD_IDS),
            "household": household, "display": display, "property_withheld": address_reasons,
            "history": evidence.history(database, view.resident_id, shown),
            "decisions": evidence.decisions(database, view, shown),
        }  # fmt: skip
        return renderer.page(request, "resident.html", context)

    @router.get("/residents/{resident_id}/evidence", response_class=HTMLResponse, name="resident_evidence")
    def resident_evidence(request: Request, viewer: Viewer, resident_id: str, purpose: str = "") -> HTMLResponse:
        database: Database = request.app.state.database
        gate = gate_of(request)
        current = ResidentStore(database).current_id(resident_id)
        view = single_view_of(database, gate, current) if current is not None else None
        if view is None:
            raise PageNotFound
        choice = next((c for c in purposes_for(gate.point, viewer) if c.code == purpose), None)
        context: dict[str, Any] = {"current": "search", "resident_id": view.resident_id, "purpose": choice}
        if choice is None:
            return renderer.page(request, "resident_evidence.html", {**context, "links": None})
        shown = disclose(database, gate, viewer, choice, view)
        explainer = evidence.explainer_of(request, database)
        found = evidence.links(explainer, view, shown) if explainer is not None else None
        context |= {"links": found, "records": len(view.records)}
        return renderer.page(request, "resident_evidence.html", context)

    return router
