"""tell us once: changes of circumstance and their outbox of deliveries

Revision ID: 0006_tellusonce
Revises: 0002
Create Date: 2026-12-02 14:20:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from joinedup.store.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "tellusonce_changes",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("resident_id", sa.String(length=64), nullable=False),
        sa.Column("fields", _json(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("raised_by", sa.String(length=200), nullable=False),
        sa.Column("raised_at", UtcDateTime(), nullable=False),
        sa.Column("accepted_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tellusonce_changes")),
        sa.UniqueConstraint("key", name=op.f("uq_tellusonce_changes_key")),
    )
    op.create_table(
        "tellusonce_deliveries",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("change_id", _BigId, nullable=False),
        sa.Column("resident_id", sa.String(length=64), nullable=False),
        sa.Column("system", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("fields", _json(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("expected_version", sa.String(length=200), nullable=True),
        sa.Column("agreement", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=80), nullable=True),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["change_id"], ["tellusonce_changes.id"], name=op.f("fk_tellusonce_deliveries_change_id_tellusonce_changes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tellusonce_deliveries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_tellusonce_deliveries_idempotency_key")),
    )
    op.create_index(
        "ix_tellusonce_deliveries_status_due", "tellusonce_deliveries", ["status", "next_attempt_at"], unique=False
    )
    op.create_index(
        "ix_tellusonce_deliveries_order", "tellusonce_deliveries", ["resident_id", "system", "id"], unique=False
    )
    op.create_index("ix_tellusonce_deliveries_change", "tellusonce_deliveries", ["change_id"], unique=False)
    op.create_index("ix_tellusonce_deliveries_record", "tellusonce_deliveries", ["system", "record_id"], unique=False)


def downgrade() -> None:
    op.drop_table("tellusonce_deliveries")
    op.drop_table("tellusonce_changes")
