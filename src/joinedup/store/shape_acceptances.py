"""Who cleared a source stopped by schema drift, when, and against which declared shape. Migration ``0010``.

Schema drift stops a source (``sync_state.stopped``) rather than load values under the wrong names. Once the
integration architect has fixed the mapping, or declared the new shape in the place file, the stop is cleared
here, in the same transaction as the row that says who did it and what the place file then expected, so a stop
is never cleared without a trace. Only layout is kept (column and field names, the drift message): never a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text, insert, select, update

from .database import Database
from .tables import metadata, sync_state
from .types import JsonDocument, UtcDateTime

_BigId = BigInteger().with_variant(Integer(), "sqlite")

shape_acceptances = Table(
    "shape_acceptances",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("system", String(64), ForeignKey("source_systems.code"), nullable=False),
    Column("accepted_at", UtcDateTime, nullable=False),
    Column("accepted_by", String(128), nullable=False),
    Column("stop_reason", Text, nullable=False),  # the drift message the source was stopped with
    Column("shape", JsonDocument),  # what the place file declared when the stop was cleared; NULL: nothing declared
    Column("note", Text),
)
Index("ix_shape_acceptances_system", shape_acceptances.c.system, shape_acceptances.c.id)


def how_to_clear(system: str) -> str:
    """What an operator does about a stopped source, in one line: the CLI and the API both show it."""
    return (
        "fix the mapping, or declare the new shape in the place file (columns, fields or optional_fields), then run: "
        f"joinedup sources accept-shape {system} --by NAME --place PLACE.yaml"
    )


class SourceNotStopped(ValueError):
    """There is no stop to clear: the source is running (or has never synced)."""


@dataclass(frozen=True)
class ShapeAcceptance:
    id: int
    system: str
    accepted_at: datetime
    accepted_by: str
    stop_reason: str
    shape: Mapping[str, Any] | None
    note: str | None


_COLUMNS = ("system", "accepted_at", "accepted_by", "stop_reason", "shape", "note")


class ShapeAcceptanceStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    def accept(
        self, system: str, *, accepted_by: str, shape: Mapping[str, Any] | None, now: datetime, note: str | None = None
    ) -> ShapeAcceptance:
        """Clear ``system``'s stop and record who cleared it against which shape; the next sync reads on from the
        source's cursor. Raises SourceNotStopped when there is no stop to clear."""
        if not accepted_by.strip():
            raise ValueError("say who accepts the shape (a name or account)")
        with self._database.transaction() as connection:
            stopped = connection.execute(
                select(sync_state.c.stopped).where(sync_state.c.system == system).with_for_update()
            ).scalar()
            if not stopped:
                raise SourceNotStopped(f"{system} is not stopped: there is no stop to clear")
            acceptance = ShapeAcceptance(0, system, now, accepted_by.strip(), stopped, shape and dict(shape), note)
            values = {name: getattr(acceptance, name) for name in _COLUMNS}
            result = connection.execute(insert(shape_acceptances).values(**values))
            # The stop's error goes with it: the run that stopped keeps it in sync_runs, and `sources` shows the
            # acceptance until the next sync succeeds.
            connection.execute(
                update(sync_state)
                .where(sync_state.c.system == system)
                .values(stopped=None, last_error=None, last_error_at=None)
            )
            key = result.inserted_primary_key
            if key is None:
                raise RuntimeError("the database did not report the new row's id")
        return replace(acceptance, id=int(key[0]))

    def history(self, system: str) -> list[ShapeAcceptance]:
        """Every stop of ``system`` cleared so far, oldest first."""
        statement = select(shape_acceptances).where(shape_acceptances.c.system == system)
        with self._database.engine.connect() as connection:
            rows = connection.execute(statement.order_by(shape_acceptances.c.id)).mappings()
            return [ShapeAcceptance(**row) for row in rows]

    def latest(self) -> dict[str, ShapeAcceptance]:
        """Each system's most recent acceptance (stops are rare: a few rows per system over its life)."""
        statement = select(shape_acceptances).order_by(shape_acceptances.c.id)
        with self._database.engine.connect() as connection:
            return {row["system"]: ShapeAcceptance(**row) for row in connection.execute(statement).mappings()}


__all__ = ["ShapeAcceptance", "ShapeAcceptanceStore", "SourceNotStopped", "how_to_clear", "shape_acceptances"]
