"""Tell us once: changes of circumstance and their outbox of deliveries. Migration ``0006_tellusonce``.

A change and every delivery it needs are written in one transaction (the transactional outbox), so a change
is never accepted without its deliveries nor a delivery queued for a change that was rolled back. Deliveries
are only updated, never deleted: the delivered ones are the receipts.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from .tables import metadata
from .types import JsonDocument, UtcDateTime

_BigId = BigInteger().with_variant(Integer(), "sqlite")

tellusonce_changes = Table(
    "tellusonce_changes",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("key", String(40), nullable=False, unique=True),  # random, opaque; part of every idempotency key
    Column("kind", String(40), nullable=False),
    Column("resident_id", String(64), nullable=False),
    Column("fields", JsonDocument, nullable=False),
    Column("source", String(64), nullable=False),  # api, dashboard, or the system it was detected in
    Column("raised_by", String(200), nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("accepted_at", UtcDateTime, nullable=False),
)

# status: pending -> (in_flight | queued) -> delivered | held (conflict, for review) | dead (retries spent or
# rejected) | refused (by the delivery policy, never sent). held and dead go back to pending on retry.
tellusonce_deliveries = Table(
    "tellusonce_deliveries",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("change_id", _BigId, ForeignKey("tellusonce_changes.id"), nullable=False),
    Column("resident_id", String(64), nullable=False),
    Column("system", String(64), nullable=False),
    Column("record_id", String(128), nullable=False),
    Column("fields", JsonDocument, nullable=False),  # the system's own field names -> values to write
    Column("idempotency_key", String(160), nullable=False, unique=True),
    Column("expected_version", String(200)),
    Column("agreement", String(64)),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_owner", String(80)),
    Column("lease_until", UtcDateTime),
    Column("reason", Text),  # why refused, held, dead, or the last failed attempt
    Column("receipt", Text),  # what the system answered when it took the change
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
)

# Change detection (migration ``0008``): per source-of-truth system, the id of the last stored version of its
# records that has been examined. Advanced in the same transaction as the changes raised from those versions.
tellusonce_detection_cursors = Table(
    "tellusonce_detection_cursors",
    metadata,
    Column("system", String(64), primary_key=True),
    Column("last_record_pk", _BigId, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

Index("ix_tellusonce_deliveries_status_due", tellusonce_deliveries.c.status, tellusonce_deliveries.c.next_attempt_at)
Index(
    "ix_tellusonce_deliveries_order",
    tellusonce_deliveries.c.resident_id,
    tellusonce_deliveries.c.system,
    tellusonce_deliveries.c.id,
)
Index("ix_tellusonce_deliveries_change", tellusonce_deliveries.c.change_id)
Index("ix_tellusonce_deliveries_record", tellusonce_deliveries.c.system, tellusonce_deliveries.c.record_id)
