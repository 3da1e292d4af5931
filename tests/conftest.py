"""Shared fixtures. Storage tests run on both backends: the embedded SQLite and the PostgreSQL server.

PostgreSQL is found at ``JOINEDUP_TEST_POSTGRES_URL`` (default: the machine's server, database ``test``). Each
test gets its own schema, migrated with the real migrations and dropped afterwards, so tests never share or
wipe anyone's data. ``JOINEDUP_TEST_BACKENDS`` (comma-separated, default ``sqlite,postgresql``) narrows the set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from joinedup.store import Database

POSTGRES_URL = os.environ.get("JOINEDUP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [name.strip() for name in os.environ.get("JOINEDUP_TEST_BACKENDS", "sqlite,postgresql").split(",")]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty database of each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'joinedup.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated database of each backend in turn."""
    db = Database(database_url)
    db.migrate()
    try:
        yield db
    finally:
        db.dispose()
