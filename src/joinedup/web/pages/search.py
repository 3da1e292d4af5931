"""Search residents: a POSTed form (nothing personal in the address) by name, date of birth, postcode and NHS
number, tolerant of typos and nicknames; every result row's fields come through the disclosure gate for the
purpose the person chose, and what is withheld is said, with the gate's reasons.

Matching reads the golden records directly (it decides which residents to show, not what to show of them);
it scans every resident, which suits a place of thousands, not millions.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from nicknames import NickNamer

from joinedup.singleview import GoldenRecord, SurvivorshipRules, build_golden_record
from joinedup.store import Database
from joinedup.store.singleview_records import SingleViewRecords

from .._access import Viewer
from .._rendering import Renderer
from .resident import FIELDS, disclose, display, gate_of, purposes_for, single_view_of, withheld

_MOST_RESULTS = 20
_SIMILAR = 0.8  # difflib ratio at which two written names count as the same name with a typo
_NOT_LETTER = re.compile(r"[^a-z ]")
_SHOWN = ("person.name", "person.date_of_birth", "person.address")


@dataclass(frozen=True)
class Criteria:
    name: tuple[str, ...]
    date_of_birth: dt.date | None
    postcode: str
    nhs_number: str

    @property
    def empty(self) -> bool:
        return not (self.name or self.date_of_birth or self.postcode or self.nhs_number)


def _words(text: str) -> tuple[str, ...]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return tuple(_NOT_LETTER.sub("", ascii_text.replace("-", " ")).split())


@cache
def _namer() -> NickNamer:
    return NickNamer()


def _same_name(asked: str, held: str) -> bool:
    if SequenceMatcher(None, asked, held).ratio() >= _SIMILAR:
        return True
    namer = _namer()
    aliases = {asked} | namer.canonicals_of(asked) | namer.nicknames_of(asked)
    return bool(aliases & ({held} | namer.canonicals_of(held)))


def name_score(asked: tuple[str, ...], golden: GoldenRecord) -> float | None:
    """How well the asked words match the resident's names (1 is exact); None when some word matches none."""
    if golden.name is None:
        return None
    name = golden.name.value
    held = _words(" ".join([name.given or "", *name.middle, name.family or ""]))
    for other in golden.other_names:
        held += _words(" ".join([other.name.given or "", other.name.family or ""]))
    total = 0.0
    for word in asked:
        best = max((SequenceMatcher(None, word, h).ratio() for h in held if _same_name(word, h)), default=None)
        if best is None:
            return None
        total += best
    return total / len(asked)


def matches(criteria: Criteria, golden: GoldenRecord) -> float | None:
    """A score for a resident who meets every criterion given, else None."""
    if criteria.nhs_number and (golden.nhs_number is None or golden.nhs_number.value != criteria.nhs_number):
        return None
    born = golden.date_of_birth.value if golden.date_of_birth is not None else None
    if criteria.date_of_birth and born != criteria.date_of_birth:
        return None
    postcode = golden.address.value.postcode if golden.address is not None else None
    if criteria.postcode and (postcode is None or postcode.replace(" ", "").upper() != criteria.postcode):
        return None
    return name_score(criteria.name, golden) if criteria.name else 1.0


def find(database: Database, rules: SurvivorshipRules, criteria: Criteria) -> list[str]:
    found = []
    for resident_id, records in SingleViewRecords(database).by_resident():
        score = matches(criteria, build_golden_record(records, rules))
        if score is not None:
            found.append((-score, resident_id))
    return [resident_id for _, resident_id in sorted(found)[:_MOST_RESULTS]]


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
        }  # fmt: skip
        return renderer.page(request, "search.html", {**context, **extra}, status_code=status_code)

    @router.get("/search", response_class=HTMLResponse, name="search")
    def search_form(request: Request, viewer: Viewer) -> HTMLResponse:
        return form_page(request, viewer)

    @router.post("/search", response_class=HTMLResponse, name="search_results")
    def search(
        request: Request, viewer: Viewer, purpose: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
        date_of_birth: Annotated[str, Form()] = "", postcode: Annotated[str, Form()] = "",
        nhs_number: Annotated[str, Form()] = "",
    ) -> HTMLResponse:  # fmt: skip
        gate = gate_of(request)
        database: Database = request.app.state.database
        asked = {"purpose": purpose, "name": name, "date_of_birth": date_of_birth, "postcode": postcode,
                 "nhs_number": nhs_number}  # fmt: skip
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
        criteria = Criteria(_words(name), born, re.sub(r"\s", "", postcode).upper(), re.sub(r"\D", "", nhs_number))
        if criteria.empty and "date_of_birth" not in errors:
            errors["name"] = "Enter a name, date of birth, postcode or NHS number"
        if errors or choice is None:
            listed = [{"field": field, "message": message} for field, message in errors.items()]
            return form_page(request, viewer, 400, asked=asked, field_errors=errors, errors=listed)
        results = []
        for resident_id in find(database, SurvivorshipRules.from_place(gate.point.place), criteria):
            view = single_view_of(database, gate, resident_id)
            if view is None:
                continue
            shown = disclose(database, gate, viewer, choice, view)
            permitted = shown.decision.permitted_fields
            cells = {
                f: display(getattr(shown.values[f], "value", "")) if f in shown.values else
                ("not recorded" if f in permitted else None)
                for f in _SHOWN
            }  # fmt: skip
            hidden = [(label, reasons) for label, reasons in withheld(shown) if label in {FIELDS[f][1] for f in _SHOWN}]
            results.append({"id": resident_id, "cells": cells, "withheld": hidden})
        return form_page(request, viewer, asked=asked, results=results, purpose=choice)

    return router
