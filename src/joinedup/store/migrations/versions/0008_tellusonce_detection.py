"""tell us once: where change detection has read up to in each source of truth

Revision ID: 0008_tellusonce_detection
Revises: 0007
Create Date: 2026-12-02 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from joinedup.store.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tellusonce_detection_cursors",
        sa.Column("system", sa.String(length=64), nullable=False),
        sa.Column("last_record_pk", _BigId, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("system", name=op.f("pk_tellusonce_detection_cursors")),
    )


def downgrade() -> None:
    op.drop_table("tellusonce_detection_cursors")
