"""About the service and the caller: version numbers and the authenticated principal."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from ... import __version__
from ..auth import CurrentPrincipal, Principal
from .health import probe_revision

API_VERSION = "1"


class Version(BaseModel):
    joinedup: str
    api: str
    schema_revision: str | None


def meta_router() -> APIRouter:
    router = APIRouter(tags=["meta"])

    @router.get("/version", response_model=Version, summary="Software, API and database schema versions")
    def version(request: Request) -> Version:
        _reachable, revision = probe_revision(request.app.state.database)
        return Version(joinedup=__version__, api=API_VERSION, schema_revision=revision)

    @router.get("/whoami", response_model=Principal, summary="The authenticated caller")
    def whoami(principal: CurrentPrincipal) -> Principal:
        return principal

    return router
