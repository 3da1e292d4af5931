"""Liveness (public, says nothing) and readiness (authenticated: is the database reachable and migrated?)."""

from __future__ import annotations

import logging
from functools import cache
from importlib.resources import files
from typing import Literal

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from ...store import Database

log = logging.getLogger(__name__)


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class DatabaseReadiness(BaseModel):
    reachable: bool
    revision: str | None
    expected_revision: str | None
    migrated: bool


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    database: DatabaseReadiness


@cache
def expected_revision() -> str | None:
    """The newest migration this code ships with (read from the migration scripts, once)."""
    return ScriptDirectory(str(files("joinedup.store") / "migrations")).get_current_head()


def probe_revision(database: Database) -> tuple[bool, str | None]:
    """(reachable, current revision). A failure is logged by type only: driver messages can quote data."""
    try:
        return True, database.current_revision()
    except SQLAlchemyError as error:
        log.warning("database probe failed", extra={"error_type": type(error).__name__})
        return False, None


def liveness_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live", response_model=Liveness, summary="Liveness: the process is serving")
    def live() -> Liveness:
        return Liveness()

    return router


def readiness_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(
        "/health",
        response_model=Readiness,
        summary="Readiness: the database is reachable and migrated",
        responses={503: {"model": Readiness, "description": "Not ready"}},
    )
    def ready(request: Request) -> JSONResponse:
        reachable, revision = probe_revision(request.app.state.database)
        expected = expected_revision()
        migrated = reachable and revision is not None and revision == expected
        body = Readiness(
            status="ok" if migrated else "unavailable",
            database=DatabaseReadiness(
                reachable=reachable, revision=revision, expected_revision=expected, migrated=migrated
            ),
        )
        return JSONResponse(body.model_dump(), status_code=200 if migrated else 503)

    return router
