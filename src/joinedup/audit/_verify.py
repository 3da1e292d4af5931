"""Verify the log offline: the chain entry by entry, the head, and every signed checkpoint.

Needs read access to the database and the public key only; no network, nothing that could sign.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection

from joinedup.store import audit_checkpoints, audit_log
from joinedup.store.audit_checkpoints import StoredCheckpoint
from joinedup.store.audit_log import ChainHead, StoredEntry

from ._keys import checkpoint_message, key_id, verify_signature
from ._walk import ChainWalk, Problem


@dataclass(frozen=True)
class VerificationReport:
    entries: int
    checkpoints: int
    problems: tuple[Problem, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_in(connection: Connection, public_key: Ed25519PublicKey) -> VerificationReport:
    checkpoints = audit_checkpoints.all_checkpoints(connection)
    return verify_entries(audit_log.iter_entries(connection), audit_log.head(connection), checkpoints, public_key)


def verify_entries(
    rows: Iterable[StoredEntry],
    head: ChainHead,
    checkpoints: list[StoredCheckpoint],
    public_key: Ed25519PublicKey,
) -> VerificationReport:
    """The pure check behind :func:`verify_in`, over rows in sequence order."""
    walk = ChainWalk(root_sizes=frozenset(checkpoint.tree_size for checkpoint in checkpoints))
    walk.feed_all(rows)
    # The chain's own findings first (they name single entries), then what the signed checkpoints add.
    in_chain = sorted(walk.problems + _head_problems(walk, head))
    by_checkpoints = sorted(_checkpoint_problems(walk, checkpoints, public_key), key=lambda p: (p.checkpoint or 0, p))
    return VerificationReport(walk.entries, len(checkpoints), tuple(in_chain + by_checkpoints))


def _head_problems(walk: ChainWalk, head: ChainHead) -> list[Problem]:
    last = walk.last_sequence
    if head.last_sequence > last:
        return [Problem(last + 1, f"entries {last + 1} to {head.last_sequence} are missing: deleted from the end")]
    if head.last_sequence < last:
        what = f"entries {head.last_sequence + 1} to {last} are unknown to the chain head: added outside joinedup"
        return [Problem(head.last_sequence + 1, what)]
    if head.last_hash != walk.last_hash:
        return [Problem(last, f"the chain head's hash is not entry {last}'s: the head or the last entry was changed")]
    return []


def _checkpoint_problems(
    walk: ChainWalk, checkpoints: list[StoredCheckpoint], public_key: Ed25519PublicKey
) -> list[Problem]:
    problems: list[Problem] = []
    signer = key_id(public_key)
    last_good = 0
    for checkpoint in sorted(checkpoints, key=lambda c: (c.tree_size, c.id)):
        where = f"checkpoint {checkpoint.id} (entries 1 to {checkpoint.tree_size})"
        message = checkpoint_message(checkpoint.tree_size, checkpoint.root, checkpoint.signed_at, checkpoint.key_id)
        if checkpoint.key_id != signer or not verify_signature(public_key, checkpoint.signature, message):
            what = f"{where} does not verify with the public key: it was changed after signing, or never signed"
            problems.append(Problem(checkpoint.tree_size, what, checkpoint.id))
        elif checkpoint.tree_size > walk.entries:
            what = f"{where}: the log holds only {walk.entries} entries, so entries were deleted"
            problems.append(Problem(walk.entries + 1, what, checkpoint.id))
        elif walk.roots.get(checkpoint.tree_size) != checkpoint.root:
            what = f"{where}: entries {last_good + 1} to {checkpoint.tree_size} no longer give the signed root"
            problems.append(Problem(last_good + 1, what, checkpoint.id))
        else:
            last_good = checkpoint.tree_size
            if checkpoint.frontier is not None and walk.frontiers.get(checkpoint.tree_size) != checkpoint.frontier:
                # Unsigned, but the next checkpoint starts from it: a changed one would skew every later root.
                what = f"{where}: its stored frontier is not the entries' own: it was changed"
                problems.append(Problem(checkpoint.tree_size, what, checkpoint.id))
    stored = {(checkpoint.tree_size, checkpoint.root) for checkpoint in checkpoints}
    for recorded in walk.recorded_checkpoints:
        if (recorded.tree_size, recorded.root) not in stored:
            what = f"entry {recorded.sequence} records a checkpoint of entries 1 to {recorded.tree_size} that is gone"
            problems.append(Problem(recorded.sequence, what))
    return problems
