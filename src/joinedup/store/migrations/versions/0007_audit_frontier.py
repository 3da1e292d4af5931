"""audit: each checkpoint keeps the frontier of its Merkle tree, so the next one reads only newer entries

Revision ID: 0007_audit_frontier
Revises: 0006
Create Date: 2026-12-02 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Checkpoints signed before this keep NULL: the next checkpoint after them reads the log from the start once.
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.add_column(sa.Column("frontier", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.drop_column("frontier")
