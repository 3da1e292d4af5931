"""The schema, declared once. Alembic migrations under ``migrations/`` create and evolve it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from .types import JsonDocument, UtcDateTime

# Named constraints so that migrations are reproducible on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# An id column that autoincrements as BIGINT on PostgreSQL and as the rowid on SQLite.
_BigId = BigInteger().with_variant(Integer(), "sqlite")

organisations = Table(
    "organisations",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("type", String(40), nullable=False),
    Column("ods_code", String(16)),
    Column("updated_at", UtcDateTime, nullable=False),
)

source_systems = Table(
    "source_systems",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("organisation_code", String(64), ForeignKey("organisations.code"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("entity", String(16), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Every version of every record ever received. Rows are only ever inserted.
source_records = Table(
    "source_records",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("system", String(64), ForeignKey("source_systems.code"), nullable=False),
    Column("record_id", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("entity", String(16), nullable=False),
    Column("raw", JsonDocument, nullable=False),
    Column("canonical", JsonDocument),
    Column("content_hash", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("changed_at", UtcDateTime),
    UniqueConstraint("system", "record_id", "version"),
)

# The newest version of each record: one indexed lookup tells whether an incoming payload is new,
# changed or unchanged, without scanning history.
source_record_heads = Table(
    "source_record_heads",
    metadata,
    Column("system", String(64), ForeignKey("source_systems.code"), primary_key=True),
    Column("record_id", String(128), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("source_record_pk", _BigId, ForeignKey("source_records.id"), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# API keys for systems: only a SHA-256 of the key is kept; the prefix lets an operator tell keys apart.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("system", String(64), nullable=False),
    Column("label", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

Index("ix_source_records_system_changed", source_records.c.system, source_records.c.changed_at)

# Records that could not be mapped or validated, kept with their reasons until re-processed. One row per distinct
# payload per system, so re-reading the same bad row (a resumed sync) does not add it twice.
quarantine = Table(
    "quarantine",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("system", String(64), ForeignKey("source_systems.code"), nullable=False),
    Column("record_id", String(128)),
    Column("location", Text, nullable=False),
    Column("reasons", JsonDocument, nullable=False),
    Column("raw", JsonDocument, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime),
    Column("resolution", Text),
    UniqueConstraint("system", "content_hash"),
)

# Where each source's sync has got to, and how fresh and healthy it is. The cursor is written in the same
# transaction as the records it covers, so a killed sync resumes exactly where its last commit left it.
sync_state = Table(
    "sync_state",
    metadata,
    Column("system", String(64), ForeignKey("source_systems.code"), primary_key=True),
    Column("cursor", Text),
    Column("last_started_at", UtcDateTime),
    Column("last_success_at", UtcDateTime),
    Column("last_error", Text),
    Column("last_error_at", UtcDateTime),
    Column("stopped", Text),  # why the source is stopped (e.g. schema drift) until someone acts; NULL when running
    Column("newest_change_at", UtcDateTime),  # the newest changed_at seen: lag = now - this
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("system", String(64), ForeignKey("source_systems.code"), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("status", String(16), nullable=False),  # running | succeeded | failed | stopped
    Column("new", Integer, nullable=False, default=0),
    Column("changed", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
    Column("error", Text),
)
