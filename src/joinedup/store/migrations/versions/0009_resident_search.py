"""resident search index: normalised search keys and name words per resident

Revision ID: 0009_resident_search
Revises: 0008
Create Date: 2026-12-02 17:50:00

The index is derived data: it fills at the next bulk linkage run (``joinedup resolve``) after this migration.
The review decisions get an index on their right-hand record, so a resident's decisions are two lookups.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resident_search_keys",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("resident_id", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", "resident_id", name=op.f("pk_resident_search_keys")),
    )
    op.create_index("ix_resident_search_keys_resident_id", "resident_search_keys", ["resident_id"])
    op.create_table(
        "resident_search_names",
        sa.Column("resident_id", sa.String(length=40), nullable=False),
        sa.Column("names", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_resident_search_names")),
    )
    op.create_index("ix_review_decisions_right_record", "review_decisions", ["right_record"])


def downgrade() -> None:
    op.drop_index("ix_review_decisions_right_record", table_name="review_decisions")
    op.drop_table("resident_search_names")
    op.drop_index("ix_resident_search_keys_resident_id", table_name="resident_search_keys")
    op.drop_table("resident_search_keys")
