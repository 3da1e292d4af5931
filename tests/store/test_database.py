"""The storage port: URLs, migrations and transactions behave the same on both backends."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import StatementError

from joinedup.store import Database, StorageError
from joinedup.store.tables import metadata, organisations


def test_migrations_create_every_declared_table(database: Database) -> None:
    assert set(metadata.tables) <= set(database.table_names())
    assert database.current_revision() is not None


def test_migrating_twice_is_harmless(database: Database) -> None:
    revision = database.current_revision()
    database.migrate()
    assert database.current_revision() == revision


def test_transaction_rolls_back_on_error(database: Database) -> None:
    from datetime import UTC

    with pytest.raises(RuntimeError), database.transaction() as connection:
        connection.execute(insert(organisations).values(code="x", name="X", type="other", updated_at=datetime.now(UTC)))
        raise RuntimeError("boom")
    with database.engine.connect() as connection:
        assert connection.execute(select(organisations)).all() == []


def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive"), database.transaction() as connection:
        connection.execute(
            insert(organisations).values(code="x", name="X", type="other", updated_at=datetime(2026, 1, 1))  # noqa: DTZ001
        )


def test_bad_urls_get_a_clear_error() -> None:
    with pytest.raises(StorageError, match="not valid"):
        Database("not a url")
    with pytest.raises(StorageError, match="unsupported database backend 'oracle'"):
        Database("oracle://scott@localhost/db")


def test_postgres_scheme_aliases_pick_psycopg() -> None:
    db = Database("postgres://someone:secret@127.0.0.1:5432/test")
    assert db.engine.dialect.driver == "psycopg"
    assert "secret" not in db.describe()


def test_sqlite_file_is_created_in_a_new_folder(tmp_path: object) -> None:
    from pathlib import Path

    target = Path(str(tmp_path)) / "nested" / "place.db"
    db = Database(f"sqlite:///{target}")
    db.migrate()
    assert target.exists()
    db.dispose()
