"""The one storage port: an engine for a URL, its migrations, and transactions.

SQLite is the embedded default (a file, no set-up); PostgreSQL is chosen by URL. Backend differences stay here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

log = logging.getLogger(__name__)


class StorageError(RuntimeError):
    """A database could not be reached or prepared; the message says which and why (never a password)."""


def _normalise_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the API) work while a writer (a sync) commits; NORMAL is durable at checkpoints.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_database_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the settings each backend needs. Raises StorageError for a bad URL."""
    try:
        parsed = make_url(_normalise_url(url))
    except ArgumentError as error:
        raise StorageError(f"the database URL is not valid: {error}") from error
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, **kwargs)
            event.listen(engine, "connect", _enable_sqlite_pragmas)
            return engine
        if parsed.get_backend_name() == "postgresql":
            kwargs.setdefault("pool_pre_ping", True)  # survive a database restart under a long-running worker
            return create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise StorageError("the PostgreSQL driver is not installed: pip install 'joinedup[postgres]'") from error
    raise StorageError(f"unsupported database backend '{parsed.get_backend_name()}': use sqlite or postgresql")


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("joinedup.store") / "migrations"))
    config.attributes["connection"] = connection
    return config


class Database:
    """An engine plus what every caller needs from it: migrations and transactions."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_database_engine(url, **engine_kwargs)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def describe(self) -> str:
        """The URL with any password hidden, safe for logs and screens."""
        return self.engine.url.render_as_string(hide_password=True)

    def migrate(self) -> None:
        """Bring the schema up to the newest migration (creating it on an empty database)."""
        from alembic import command

        if self.backend == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            Path(self.engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.engine.begin() as connection:
                command.upgrade(_alembic_config(connection), "head")
        except Exception as error:
            # Wrap with the URL (password hidden) so the operator knows which database failed.
            raise StorageError(f"could not migrate {self.describe()}: {error}") from error
        log.info("database migrated", extra={"backend": self.backend})

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def table_names(self) -> list[str]:
        return inspect(self.engine).get_table_names()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on any error."""
        with self.engine.begin() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()
