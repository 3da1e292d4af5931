"""Signed checkpoints of the audit log: insert and list."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, insert, select

from .audit_tables import audit_checkpoints


class StoredCheckpoint(NamedTuple):
    id: int
    tree_size: int
    root: str
    signed_at: datetime
    key_id: str
    signature: str


def add(connection: Connection, tree_size: int, root: str, signed_at: datetime, key_id: str, signature: str) -> int:
    result = connection.execute(
        insert(audit_checkpoints).values(
            tree_size=tree_size, root=root, signed_at=signed_at, key_id=key_id, signature=signature
        )
    )
    (checkpoint_id,) = result.inserted_primary_key or (0,)
    return int(checkpoint_id)


def all_checkpoints(connection: Connection) -> list[StoredCheckpoint]:
    rows = connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.id)).all()
    return [StoredCheckpoint(int(r.id), int(r.tree_size), r.root, r.signed_at, r.key_id, r.signature) for r in rows]
