"""Fixtures for the API tests; the helpers they use live in ``support.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from joinedup.api import create_app
from joinedup.store import Database

from .support import ExternalIdp, api_settings, serve


@pytest.fixture
def idp(tmp_path: Path) -> ExternalIdp:
    return ExternalIdp(tmp_path)


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """For tests where the database is not what is being tested (token checks): one migrated SQLite file."""
    database = Database(f"sqlite:///{tmp_path / 'api.db'}")
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def external_client(idp: ExternalIdp, sqlite_database: Database) -> Iterator[httpx.Client]:
    """The API trusting the external IdP (keys from its JWKS file); no dev tokens."""
    settings = api_settings(sqlite_database.url, oidc_issuers=[idp.issuer_settings()])
    with serve(create_app(settings, sqlite_database)) as client:
        yield client
