"""Residents as stored entities: who each record belongs to, how that changed and why, the clerical review
queue, and households at properties. Migration ``0003_residents`` creates these tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from .tables import metadata
from .types import JsonDocument, UtcDateTime

_BigId = BigInteger().with_variant(Integer(), "sqlite")

# A resident's id is random and opaque: it never encodes a name, a date or an identifier, so it can be shown,
# logged and passed between organisations without disclosing anything by itself.
residents = Table(
    "residents",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("status", String(16), nullable=False),  # active | merged | retired
    Column("merged_into", String(40)),  # set when status is merged: the id that absorbed this one
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Current membership only: each source record belongs to exactly one resident. History lives in the events.
resident_records = Table(
    "resident_records",
    metadata,
    Column("system", String(64), primary_key=True),
    Column("record_id", String(128), primary_key=True),
    Column("resident_id", String(40), ForeignKey("residents.id"), nullable=False),
    Column("linked_by", String(16), nullable=False),  # bulk | realtime
    Column("linked_at", UtcDateTime, nullable=False),
)
Index("ix_resident_records_resident_id", resident_records.c.resident_id)

# Every change of a record's resident id: merged, split, moved, retired; with a sentence and the evidence.
resident_events = Table(
    "resident_events",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("resident_id", String(40), nullable=False),  # the id that survives, or receives the records
    Column("other_resident_id", String(40)),  # the id merged away, or split from
    Column("records", JsonDocument, nullable=False),  # ["system|record_id", ...] the records concerned
    Column("reason", Text, nullable=False),
    Column("evidence", JsonDocument, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
)
Index("ix_resident_events_resident_id", resident_events.c.resident_id)
Index("ix_resident_events_other_resident_id", resident_events.c.other_resident_id)

# A pair the model could not decide. The pair is stored in a fixed order (left < right) so it is held once.
review_items = Table(
    "review_items",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("left_record", String(200), nullable=False),  # "system|record_id"
    Column("right_record", String(200), nullable=False),
    Column("probability", Float, nullable=False),
    Column("match_weight", Float, nullable=False),
    Column("status", String(16), nullable=False),  # open | decided
    Column("created_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime),
    UniqueConstraint("left_record", "right_record"),
)
Index("ix_review_items_status", review_items.c.status)

# A reviewer's word on a pair; the newest decision on a pair is the one every later run follows.
review_decisions = Table(
    "review_decisions",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("review_item_id", _BigId, ForeignKey("review_items.id")),  # NULL when decided without an item
    Column("left_record", String(200), nullable=False),
    Column("right_record", String(200), nullable=False),
    Column("decision", String(16), nullable=False),  # link | no-link
    Column("reviewer", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
)
Index("ix_review_decisions_pair", review_decisions.c.left_record, review_decisions.c.right_record)

properties = Table(
    "properties",
    metadata,
    Column("uprn", BigInteger, primary_key=True),
    Column("postcode", String(10)),
    Column("address", JsonDocument, nullable=False),  # display lines as the best source wrote them
    Column("updated_at", UtcDateTime, nullable=False),
)

# One household per property: the residents whose current address is that UPRN.
households = Table(
    "households",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("uprn", BigInteger, ForeignKey("properties.uprn"), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

household_members = Table(
    "household_members",
    metadata,
    Column("resident_id", String(40), ForeignKey("residents.id"), primary_key=True),
    Column("household_id", String(40), ForeignKey("households.id"), nullable=False),
)
Index("ix_household_members_household_id", household_members.c.household_id)

# Each bulk run: when, how much, and the trained model it used (Splink's JSON plus thresholds), so that
# real-time matching between runs scores with the same model the bulk run did.
linkage_runs = Table(
    "linkage_runs",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("finished_at", UtcDateTime, nullable=False),
    Column("records", Integer, nullable=False),
    Column("residents", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    Column("review_items_added", Integer, nullable=False),
    Column("model", Text, nullable=False),
)

__all__ = [
    "household_members",
    "households",
    "linkage_runs",
    "properties",
    "resident_events",
    "resident_records",
    "residents",
    "review_decisions",
    "review_items",
]
