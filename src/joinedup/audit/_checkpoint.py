"""Periodic checkpoints: sign the Merkle root of the log so far, and record the checkpoint in the chain too.

Each checkpoint keeps the frontier of its tree (the roots of its perfect subtrees, O(log n) hashes), so the
next checkpoint reads only the entries appended since: O(new entries), not O(entries in the log). The frontier it starts
from must give the previous checkpoint's signed root, so a frontier edited in the database is refused here
(and reported by `joinedup audit verify`, which recomputes every frontier from the entries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

from joinedup.store import audit_checkpoints, audit_log

from ._chain import AuditEntry
from ._events import CheckpointEvent
from ._keys import checkpoint_message, key_id
from ._log import AuditLog
from ._merkle import MerkleAccumulator


class AuditIntegrityError(RuntimeError):
    """The log is not in a state that can be checkpointed (run `joinedup audit verify` to see where)."""


@dataclass(frozen=True)
class Checkpoint:
    id: int
    tree_size: int
    root: str
    signed_at: datetime
    key_id: str
    entry: AuditEntry


def merkle_root_in(connection: Connection, tree_size: int) -> str:
    """The RFC 6962 root over entries 1..tree_size as stored, read from the start."""
    return _accumulate(connection, MerkleAccumulator(), tree_size).root().hex()


def _accumulate(connection: Connection, accumulator: MerkleAccumulator, tree_size: int) -> MerkleAccumulator:
    """Add entries after the accumulator's size up to ``tree_size``."""
    for row in audit_log.iter_entries(connection, start=accumulator.size + 1, stop=tree_size):
        accumulator.add(row.body.encode("utf-8"))
    if accumulator.size != tree_size:
        raise AuditIntegrityError(f"the log should hold {tree_size} entries but holds {accumulator.size}")
    return accumulator


def _resumed(connection: Connection, tree_size: int) -> MerkleAccumulator:
    """The tree at the newest checkpoint that kept its frontier, checked against its signed root."""
    previous = audit_checkpoints.latest_with_frontier(connection, tree_size)
    if previous is None or previous.frontier is None:
        return MerkleAccumulator()
    try:
        accumulator = MerkleAccumulator.resume(previous.tree_size, [bytes.fromhex(h) for h in previous.frontier])
    except ValueError as error:
        raise AuditIntegrityError(f"checkpoint {previous.id}'s stored frontier is unreadable: {error}") from error
    if accumulator.root().hex() != previous.root:
        raise AuditIntegrityError(
            f"checkpoint {previous.id}'s stored frontier does not give its signed root: it was changed "
            "(run `joinedup audit verify`)"
        )
    return accumulator


def checkpoint_in(connection: Connection, key: Ed25519PrivateKey, log: AuditLog | None = None) -> Checkpoint:
    """Sign a checkpoint over every entry committed so far, store it, and append its event to the chain.

    Reads only the entries since the newest checkpoint with a frontier (all of them the first time)."""
    tree_size = audit_log.head(connection).last_sequence
    accumulator = _accumulate(connection, _resumed(connection, tree_size), tree_size)
    root = accumulator.root().hex()
    frontier = tuple(h.hex() for h in accumulator.frontier())
    signer = key_id(key.public_key())
    signed_at = datetime.now(UTC)
    signature = key.sign(checkpoint_message(tree_size, root, signed_at, signer)).hex()
    checkpoint_id = audit_checkpoints.add(connection, tree_size, root, signed_at, signer, signature, frontier)
    entry = (log or AuditLog()).append_in(connection, CheckpointEvent(tree_size=tree_size, root=root, key_id=signer))
    return Checkpoint(checkpoint_id, tree_size, root, signed_at, signer, entry)


def checkpoint_if_due_in(
    connection: Connection, key: Ed25519PrivateKey, every: int, log: AuditLog | None = None
) -> Checkpoint | None:
    """A checkpoint when at least ``every`` entries have been appended since the last one (for a worker)."""
    stored = audit_checkpoints.all_checkpoints(connection)
    last = stored[-1].tree_size + 1 if stored else 0  # +1: the previous checkpoint's own event
    if audit_log.head(connection).last_sequence - last < every:
        return None
    return checkpoint_in(connection, key, log)
