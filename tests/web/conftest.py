"""Fixtures for the dashboard tests: the hub's app served by a real uvicorn on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from joinedup.api import create_app
from joinedup.store import Database

from ..api.support import serve
from .support import Browser, dashboard_settings


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """For tests where the backend is not what is being tested: one migrated SQLite file."""
    database = Database(f"sqlite:///{tmp_path / 'web.db'}")
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def client(sqlite_database: Database) -> Iterator[httpx.Client]:
    with serve(create_app(dashboard_settings(sqlite_database.url), sqlite_database)) as running:
        yield running


@pytest.fixture
def browser(client: httpx.Client) -> Browser:
    return Browser(client)
