"""The hub's current records as linkage reads them: a whole place at a time, straight from the stored documents."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select

from .database import Database
from .tables import source_record_heads, source_records


class CurrentDocument(NamedTuple):
    """The newest version of one record as stored: its canonical form as a JSON document, not revalidated."""

    system: str
    record_id: str
    entity: str
    canonical: Mapping[str, Any] | None
    observed_at: datetime


def iter_current_documents(database: Database, *, batch_size: int = 10_000) -> Iterator[CurrentDocument]:
    """Every record's newest canonical document, streamed. Linkage reads a whole place at a time, and the
    documents were validated when they were stored, so building models again would only cost time."""
    statement = select(
        source_records.c.system,
        source_records.c.record_id,
        source_records.c.entity,
        source_records.c.canonical,
        func.coalesce(source_records.c.changed_at, source_records.c.received_at),
    ).join(source_record_heads, source_record_heads.c.source_record_pk == source_records.c.id)
    with database.engine.connect() as connection:
        result = connection.execution_options(yield_per=batch_size).execute(statement)
        for system, record_id, entity, canonical, observed_at in result:
            yield CurrentDocument(system, record_id, entity, canonical, _aware(observed_at))


def _aware(value: datetime) -> datetime:
    # coalesce() loses the column type, so SQLite hands back a naive string-parsed value: it was stored as UTC.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = ["CurrentDocument", "iter_current_documents"]
