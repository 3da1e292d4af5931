"""Sources: each connected system's freshness, and one system's quarantine (where and why, never what)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .._access import PageNotFound, Viewer
from .._rendering import Renderer
from ._freshness import quarantine_of, source_rows


def sources_router(renderer: Renderer) -> APIRouter:
    router = APIRouter()

    @router.get("/sources", response_class=HTMLResponse, name="sources")
    def sources(request: Request, _viewer: Viewer) -> HTMLResponse:
        now = datetime.now(UTC)
        rows = source_rows(request.app.state.database, now)
        return renderer.page(request, "sources.html", {"current": "sources", "rows": rows, "now": now})

    @router.get("/sources/{system}/quarantine", response_class=HTMLResponse, name="quarantine")
    def quarantine(request: Request, _viewer: Viewer, system: str) -> HTMLResponse:
        held = quarantine_of(request.app.state.database, system, datetime.now(UTC))
        if held is None:
            raise PageNotFound
        return renderer.page(request, "quarantine.html", {"current": "sources", "held": held})

    return router
