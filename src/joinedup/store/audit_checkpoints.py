"""Signed checkpoints of the audit log: insert and list (with the Merkle frontier each one ends at)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, insert, select

from .audit_tables import audit_checkpoints


class StoredCheckpoint(NamedTuple):
    id: int
    tree_size: int
    root: str
    signed_at: datetime
    key_id: str
    signature: str
    frontier: tuple[str, ...] | None = None  # None for checkpoints made before frontiers were kept


def add(
    connection: Connection,
    tree_size: int,
    root: str,
    signed_at: datetime,
    key_id: str,
    signature: str,
    frontier: tuple[str, ...] | None = None,
) -> int:
    stored = None if frontier is None else ",".join(frontier)
    result = connection.execute(
        insert(audit_checkpoints).values(
            tree_size=tree_size, root=root, signed_at=signed_at, key_id=key_id, signature=signature, frontier=stored
        )
    )
    (checkpoint_id,) = result.inserted_primary_key or (0,)
    return int(checkpoint_id)


def all_checkpoints(connection: Connection) -> list[StoredCheckpoint]:
    rows = connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.id)).all()
    return [_checkpoint(r) for r in rows]


def latest_with_frontier(connection: Connection, at_most: int) -> StoredCheckpoint | None:
    """The largest checkpoint (by tree size, up to ``at_most``) that kept its frontier: where the next starts."""
    row = connection.execute(
        select(audit_checkpoints)
        .where(audit_checkpoints.c.frontier.is_not(None), audit_checkpoints.c.tree_size <= at_most)
        .order_by(audit_checkpoints.c.tree_size.desc(), audit_checkpoints.c.id.desc())
        .limit(1)
    ).first()
    return _checkpoint(row) if row is not None else None


def _checkpoint(r: Row[Any]) -> StoredCheckpoint:
    frontier = r.frontier
    hashes = None if frontier is None else tuple(h for h in str(frontier).split(",") if h)
    return StoredCheckpoint(int(r.id), int(r.tree_size), r.root, r.signed_at, r.key_id, r.signature, hashes)
