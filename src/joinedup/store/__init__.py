"""Storage: the schema, its migrations, and repositories. SQLite by default, PostgreSQL by URL."""

from .database import Database, StorageError, create_database_engine

__all__ = ["Database", "StorageError", "create_database_engine"]
