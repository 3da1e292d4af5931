"""The home page: who you are signed in as, and what you can do here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .._access import Viewer
from .._navigation import available
from .._rendering import Renderer

# What each available page is for, in a sentence. Pages land here as they are built.
_PURPOSES = {
    "search": "Find a resident by name, date of birth, postcode or NHS number, and open their joined-up record: "
    "only what your purpose and the information sharing agreements allow, with what was withheld and why.",
    "review": "Decide whether pairs of records the linkage model could not match are the same resident, "
    "with both records side by side and the model's evidence (for data stewards working on record linkage).",
    "tell-us-once": "Record a change in a resident's circumstances once, follow its delivery to each system, "
    "and send a dead letter again.",
    "governance": "Read the information sharing agreements (and what each new version changed); from a resident's "
    "record, their consent and objections, who has seen their data, and emergency break-glass access.",
    "sources": "See each connected system's last sync, how far behind it is, whether it is failing, "
    "and the records it sent that could not be taken in, with the reasons.",
}


def home_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    @router.get("/", response_class=HTMLResponse, name="home")
    def home(request: Request, viewer: Viewer) -> HTMLResponse:
        pages = [(item, _PURPOSES[item.key]) for item in available() if item.key in _PURPOSES]
        return renderer.page(request, "home.html", {"current": "home", "pages": pages, "viewer": viewer})

    return router
