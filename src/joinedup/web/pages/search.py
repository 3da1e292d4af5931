"""Search residents: a POSTed form (nothing personal in the address) by name, date of birth, postcode, UPRN and
NHS number, tolerant of typos and nicknames; every result row's fields come through the disclosure gate for the
purpose the person chose, and what is withheld is said, with the gate's reasons.

Who is listed comes from the search index that linkage keeps (``_finding``): a few indexed lookups, whatever
the number of residents; what is shown of each is the gate's answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from joinedup.store import Database
from joinedup.store.resident_search import SearchIndex
from joinedup.store.resident_search_keys import digits_key, name_words, postcode_key

from .._access import Viewer
from .._rendering import Renderer
from ._finding import Criteria, find
from .resident import FIELDS, disclose_in, display, gate_of, purposes_for, single_views_of, withheld

_SHOWN = ("person.name", "person.date_of_birth", "person.address")
_ASKED = ("purpose", "name", "date_of_birth", "postcode", "uprn", "nhs_number")


def _date(text: str) -> dt.date | None:
    for layout in ("%d/%m/%Y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text.strip(), layout).date()  # noqa: DTZ007 - a date, no time of day
        except ValueError:
            continue
    raise ValueError(text)


def search_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    def form_page(request: Request, viewer: Viewer, status_code: int = 200, **extra: Any) -> HTMLResponse:
        choices = purposes_for(gate_of(request).point, viewer)
        context: dict[str, Any] = {
            "current": "search", "choices": choices, "asked": {}, "results": None, "field_errors": {}, "purpose": None,
            "more": False,
        }  # fmt: skip
        return renderer.page(request, "search.html", {**context, **extra}, status_code=status_code)

    @router.get("/search", response_class=HTMLResponse, name="search")
    def search_form(request: Request, viewer: Viewer) -> HTMLResponse:
        return form_page(request, viewer)

    @router.post("/search", response_class=HTMLResponse, name="search_results")
    def search(
        request: Request, viewer: Viewer, purpose: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
        date_of_birth: Annotated[str, Form()] = "", postcode: Annotated[str, Form()] = "",
        uprn: Annotated[str, Form()] = "", nhs_number: Annotated[str, Form()] = "",
    ) -> HTMLResponse:  # fmt: skip
        gate = gate_of(request)
        database: Database = request.app.state.database
        asked = dict(zip(_ASKED, (purpose, name, date_of_birth, postcode, uprn, nhs_number), strict=True))
        errors: dict[str, str] = {}
        choice = next((c for c in purposes_for(gate.point, viewer) if c.code == purpose), None)
        if choice is None:
            errors["purpose"] = "Select why you are searching"
        born = None
        if date_of_birth.strip():
            try:
                born = _date(date_of_birth)
            except ValueError:
                errors["date_of_birth"] = "Enter the date of birth as day/month/year, for example 27/3/1980"
        criteria = Criteria(name_words(name), born, postcode_key(postcode), digits_key(nhs_number), digits_key(uprn))
        if criteria.empty and "date_of_birth" not in errors:
            errors["name"] = "Enter a name, date of birth, postcode, UPRN or NHS number"
        if errors or choice is None:
            listed = [{"field": field, "message": message} for field, message in errors.items()]
            return form_page(request, viewer, 400, asked=asked, field_errors=errors, errors=listed)
        results = []
        found = find(SearchIndex(database), criteria)
        views = single_views_of(database, gate, found.resident_ids)
        with database.transaction() as connection:  # every row's look audited together, or none
            for view in views:
                shown = disclose_in(connection, gate, viewer, choice, view)
                permitted = shown.decision.permitted_fields
                cells = {
                    f: display(getattr(shown.values[f], "value", "")) if f in shown.values else
                    ("not recorded" if f in permitted else None)
                    for f in _SHOWN
                }  # fmt: skip
                labels = {FIELDS[f][1] for f in _SHOWN}
                hidden = [(label, reasons) for label, reasons in withheld(shown) if label in labels]
                results.append({"id": view.resident_id, "cells": cells, "withheld": hidden})
        return form_page(request, viewer, asked=asked, results=results, purpose=choice, more=found.too_many)

    return router
