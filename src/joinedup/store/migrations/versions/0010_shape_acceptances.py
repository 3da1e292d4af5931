"""ingest: who cleared a source stopped by schema drift, when, and against which declared shape

Revision ID: 0010_shape_acceptances
Revises: 0009 (to be re-chained after 0010 by the lead if 0010 lands)
Create Date: 2026-12-02 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from joinedup.store.types import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "shape_acceptances",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("system", sa.String(length=64), nullable=False),
        sa.Column("accepted_at", UtcDateTime(), nullable=False),
        sa.Column("accepted_by", sa.String(length=128), nullable=False),
        sa.Column("stop_reason", sa.Text(), nullable=False),
        sa.Column("shape", _Json, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["system"], ["source_systems.code"], name=op.f("fk_shape_acceptances_system_source_systems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shape_acceptances")),
    )
    op.create_index("ix_shape_acceptances_system", "shape_acceptances", ["system", "id"])


def downgrade() -> None:
    op.drop_index("ix_shape_acceptances_system", table_name="shape_acceptances")
    op.drop_table("shape_acceptances")
