"""No route forgets authentication: every route outside the public list answers 401 without credentials."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, Depends, FastAPI

from joinedup.api import create_app
from joinedup.api.app import public_paths
from joinedup.api.auth import authenticate
from joinedup.api.route_table import iter_routes, refuse_unauthenticated_routes
from joinedup.store import Database

from .support import api_settings, serve

EXPECTED_PROTECTED = {"/api/v1/health", "/api/v1/version", "/api/v1/whoami"}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize("dev_tokens", [True, False], ids=["development", "no-dev-tokens"])
def test_every_route_outside_the_public_list_answers_401(sqlite_database: Database, dev_tokens: bool) -> None:
    settings = api_settings(sqlite_database.url, dev_tokens=dev_tokens)
    app = create_app(settings, sqlite_database)
    public = public_paths(settings)
    routes = list(iter_routes(app))
    walked = {route.path for route in routes}
    assert EXPECTED_PROTECTED <= walked  # the walk really sees the mounted routers
    assert "/health/live" in walked
    with serve(app) as client:
        for route in routes:
            for method in route.methods:
                response = client.request(method, concrete(route.path))
                if route.path in public:
                    assert response.status_code != 401, (method, route.path)
                    continue
                assert response.status_code == 401, (method, route.path)
                assert response.headers["WWW-Authenticate"] == 'Bearer realm="joinedup"'
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json() == {
                    "type": "about:blank",
                    "title": "Unauthorized",
                    "status": 401,
                    "detail": "Authentication is required: send an X-API-Key header or a bearer token.",
                }


def test_liveness_is_public_and_says_nothing_else(sqlite_database: Database) -> None:
    with serve(create_app(api_settings(sqlite_database.url), sqlite_database)) as client:
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_an_app_with_an_unauthenticated_route_is_not_built() -> None:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    protected = APIRouter(prefix="/api/v1")

    @protected.get("/residents")
    def residents() -> list[str]:
        return []

    app.include_router(protected)
    with pytest.raises(RuntimeError, match="/api/v1/residents is not authenticated"):
        refuse_unauthenticated_routes(app, frozenset(), authenticate)


def test_the_guard_accepts_routes_under_the_authenticated_router() -> None:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    protected = APIRouter(prefix="/api/v1", dependencies=[Depends(authenticate)])
    inner = APIRouter(prefix="/cases")

    @inner.get("/{case_id}")
    def case(case_id: int) -> int:
        return case_id

    protected.include_router(inner)
    app.include_router(protected)
    refuse_unauthenticated_routes(app, frozenset(), authenticate)
    assert [route.path for route in iter_routes(app)] == ["/api/v1/cases/{case_id}"]


def test_the_openapi_document_declares_security_on_every_protected_operation(sqlite_database: Database) -> None:
    settings = api_settings(sqlite_database.url, dev_tokens=True)
    with serve(create_app(settings, sqlite_database)) as client:
        spec = client.get("/api/v1/openapi.json").json()
        docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert spec["components"]["securitySchemes"] == {
        "ApiKey": {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "A key issued to a connected system (`joinedup apikey issue SYSTEM`).",
        },
        "BearerJWT": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An OAuth 2.0 / OIDC access token (JWT) from a trusted issuer, for staff.",
        },
    }
    public = public_paths(settings)
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert {path for path, _method, _op in operations} >= EXPECTED_PROTECTED
    for path, method, operation in operations:
        if path in public:
            assert "security" not in operation, (method, path)
        else:
            assert path.startswith("/api/v1/"), path
            security = operation.get("security")
            assert security is not None and sorted(security, key=str) == [{"ApiKey": []}, {"BearerJWT": []}], path
