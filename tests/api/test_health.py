"""Readiness and version: what the database says, behind authentication, on both backends."""

from __future__ import annotations

from pathlib import Path

from joinedup import __version__
from joinedup.api import create_app
from joinedup.api.routes.health import expected_revision
from joinedup.store import Database
from joinedup.store.api_keys import ApiKeyRepository

from .support import api_settings, bearer, serve

HEAD = expected_revision()  # the newest migration shipped; the database fixture migrates to it


def test_the_expected_revision_is_read_from_the_migrations() -> None:
    assert HEAD is not None and HEAD.isdigit()


def test_a_migrated_database_is_ready(database: Database) -> None:
    key = ApiKeyRepository(database).issue("monitoring").plaintext
    with serve(create_app(api_settings(database.url), database)) as client:
        response = client.get("/api/v1/health", headers={"X-API-Key": key})
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"reachable": True, "revision": HEAD, "expected_revision": HEAD, "migrated": True},
    }


def test_version_reports_software_api_and_schema(database: Database) -> None:
    key = ApiKeyRepository(database).issue("monitoring").plaintext
    with serve(create_app(api_settings(database.url), database)) as client:
        response = client.get("/api/v1/version", headers={"X-API-Key": key})
    assert response.status_code == 200
    assert response.json() == {"joinedup": __version__, "api": "1", "schema_revision": HEAD}


def test_an_unmigrated_database_is_not_ready(database_url: str) -> None:
    database = Database(database_url)  # empty: never migrated
    try:
        with serve(create_app(api_settings(database_url, dev_tokens=True), database)) as client:
            token = client.post("/api/v1/dev/token", json={"username": "analyst"}).json()["access_token"]
            response = client.get("/api/v1/health", headers=bearer(token))
    finally:
        database.dispose()
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": {"reachable": True, "revision": None, "expected_revision": HEAD, "migrated": False},
    }


def test_an_unreachable_database_is_not_ready(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-directory' / 'joinedup.db'}"
    with serve(create_app(api_settings(url, dev_tokens=True))) as client:
        token = client.post("/api/v1/dev/token", json={"username": "analyst"}).json()["access_token"]
        response = client.get("/api/v1/health", headers=bearer(token))
        version = client.get("/api/v1/version", headers=bearer(token))
    assert response.status_code == 503
    assert response.json()["database"]["reachable"] is False
    assert tmp_path.name not in response.text  # no paths or URLs in the answer
    assert version.json()["schema_revision"] is None
