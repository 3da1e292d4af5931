"""The home page: who you are signed in as, what you can do here, and (with several roles) the role you act in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .._access import Viewer
from .._navigation import available
from .._rendering import Renderer
from .._session import SignedInUser

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


def home_page(
    renderer: Renderer, request: Request, viewer: SignedInUser, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    pages = [(item, _PURPOSES[item.key]) for item in available() if item.key in _PURPOSES]
    context: dict[str, Any] = {
        "current": "home", "pages": pages, "viewer": viewer, "role_error": None,
        "role_chosen": request.query_params.get("role") == "chosen",
    }  # fmt: skip
    return renderer.page(request, "home.html", {**context, **extra}, status_code=status_code)


def home_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    @router.get("/", response_class=HTMLResponse, name="home")
    def home(request: Request, viewer: Viewer) -> HTMLResponse:
        return home_page(renderer, request, viewer)

    return router
