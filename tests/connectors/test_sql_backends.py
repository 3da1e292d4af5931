"""Real databases for the SQL connector's tests: SQLite, PostgreSQL and MariaDB, one fresh namespace per test.

PostgreSQL (``JOINEDUP_TEST_POSTGRES_URL``) gets a new schema per test; MariaDB (``JOINEDUP_TEST_MARIADB_URL``)
a new database; both are dropped afterwards. ``JOINEDUP_TEST_SQL_BACKENDS`` narrows the set. The fixtures
live here (a module with no tests of its own) so every test_sql module can import them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from joinedup.sim import SyntheticPlace
from joinedup.sim.servers.sql_database import SYSTEM_CODE, AdultSocialCareDatabase

from ..databases import postgres_schema

MARIADB_URL = os.environ.get("JOINEDUP_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
SQL_BACKENDS = os.environ.get("JOINEDUP_TEST_SQL_BACKENDS", "sqlite,postgresql,mariadb").split(",")


@lru_cache(maxsize=1)
def asc_native_rows() -> tuple[dict[str, str], ...]:
    """The adult social care system's native records for a small synthetic place (generated once)."""
    place = SyntheticPlace(people=800, seed=7)
    rows = [row for batch in place.batches() if batch.system == SYSTEM_CODE for row in batch.native_rows()]
    return tuple(rows)


def closed_port() -> int:
    """A local port nothing listens on: bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mariadb(name: str) -> Iterator[str]:
    admin = create_engine(MARIADB_URL, poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE DATABASE `{name}`"))
    try:
        yield make_url(MARIADB_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP DATABASE `{name}`"))
        admin.dispose()


@pytest.fixture(params=SQL_BACKENDS)
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend in turn, as a SQLAlchemy URL."""
    name = f"jt_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'asc.db'}"
    elif request.param == "postgresql":
        with postgres_schema("jt") as url:
            yield url
    elif request.param == "mariadb":
        yield from _mariadb(name)
    else:
        raise ValueError(f"unknown SQL test backend {request.param!r}")


@pytest.fixture
def empty_asc(sql_url: str) -> Iterator[AdultSocialCareDatabase]:
    """The simulated adult social care database with its CLIENT table and no clients."""
    database = AdultSocialCareDatabase(sql_url)
    database.create()
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def asc(empty_asc: AdultSocialCareDatabase) -> AdultSocialCareDatabase:
    """The simulated adult social care database loaded with the synthetic place's clients."""
    empty_asc.load(asc_native_rows())
    return empty_asc
