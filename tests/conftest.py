"""Shared fixtures. Storage tests run on both backends: the embedded SQLite and the PostgreSQL server.

PostgreSQL is found at ``JOINEDUP_TEST_POSTGRES_URL`` (default: the machine's server, database ``test``). Each
test gets its own schema, migrated with the real migrations and dropped afterwards, so tests never share or
wipe anyone's data. ``JOINEDUP_TEST_BACKENDS`` (comma-separated, default ``sqlite,postgresql``) narrows the set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from joinedup.store import Database

from .databases import postgres_schema

BACKENDS = [name.strip() for name in os.environ.get("JOINEDUP_TEST_BACKENDS", "sqlite,postgresql").split(",")]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty database of each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'joinedup.db'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated database of each backend in turn."""
    db = Database(database_url)
    db.migrate()
    try:
        yield db
    finally:
        db.dispose()
