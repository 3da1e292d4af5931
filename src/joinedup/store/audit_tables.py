"""The audit log's tables: entries (insert-only), the chain head, signed checkpoints, and restrictions."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from .tables import metadata
from .types import UtcDateTime

_BigId = BigInteger().with_variant(Integer(), "sqlite")

# One row per entry, never updated. ``body`` is the exact canonical JSON that was hashed; ``kind`` and
# ``subject_resident_id`` are copies for indexed look-ups, and verification checks they agree with the body.
audit_entries = Table(
    "audit_entries",
    metadata,
    Column("sequence", _BigId, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("subject_resident_id", String(128)),
    Column("body", Text, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Index("ix_audit_entries_subject", "subject_resident_id", "sequence"),
)

# A single row (id = 1): the newest entry's sequence and hash. Appends lock this row, so the chain stays
# linear however many writers there are (PostgreSQL's row lock; SQLite's single writer).
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_sequence", _BigId, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

# A Merkle root over entries 1..tree_size, signed with the audit key (Ed25519). Migration 0007 adds frontier.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("tree_size", _BigId, nullable=False),
    Column("root", String(64), nullable=False),
    Column("signed_at", UtcDateTime, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    # The roots of the perfect subtrees of entries 1..tree_size (RFC 6962's compact range), comma-separated hex:
    # the next checkpoint continues from them instead of re-reading the log. Not signed: verify recomputes it.
    Column("frontier", Text),
)

# Records whose processing is restricted (UK GDPR Art 18) until lifted.
audit_restrictions = Table(
    "audit_restrictions",
    metadata,
    Column("system", String(64), primary_key=True),
    Column("record_id", String(128), primary_key=True),
    Column("subject_resident_id", String(128), nullable=False),
    Column("ground", Text, nullable=False),
    Column("restricted_at", UtcDateTime, nullable=False),
)
