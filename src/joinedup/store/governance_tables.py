"""Governance's tables: residents' consents and objections, and break-glass looks awaiting the DPO's review."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table, Text

from .tables import metadata
from .types import JsonDocument, UtcDateTime

_BigId = BigInteger().with_variant(Integer(), "sqlite")

# One row per consent or objection. ``document`` is the whole record (provisions, evidence, period) as the
# governance model writes it; the other columns are copies for look-ups. Withdrawal updates the row (the
# audit log, not this table, is the history of who saw what).
consents = Table(
    "consents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("subject_resident_id", String(128), nullable=False),
    Column("scope", String(16), nullable=False),  # engage | share
    Column("decision", String(16), nullable=False),  # permit | deny
    Column("recorded_on", Date, nullable=False),
    Column("withdrawn_on", Date),
    Column("document", JsonDocument, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_consents_subject", "subject_resident_id"),
)

# Every break-glass look, flagged for the data protection officer until one closes it with a note.
break_glass_reviews = Table(
    "break_glass_reviews",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("person", String(128), nullable=False),
    Column("role", String(64), nullable=False),
    Column("organisation", String(64), nullable=False),
    Column("subject_resident_id", String(128), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("fields", JsonDocument, nullable=False),
    Column("audit_sequence", _BigId),
    Column("closed_at", UtcDateTime),
    Column("closed_by", String(128)),
    Column("outcome", Text),
    Index("ix_break_glass_reviews_open", "closed_at"),
)
