"""Alembic environment: runs on the connection that :meth:`joinedup.store.Database.migrate` hands in."""

from __future__ import annotations

from alembic import context

from joinedup.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through joinedup.store.Database.migrate(), which supplies a connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
