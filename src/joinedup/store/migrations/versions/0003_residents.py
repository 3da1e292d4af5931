"""residents: membership, id events, review queue and decisions, properties, households, linkage runs

Revision ID: 0003_residents
Revises: 0002
Create Date: 2026-12-02 14:15:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from joinedup.store.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "residents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_into", sa.String(length=40), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
    )
    op.create_table(
        "resident_records",
        sa.Column("system", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("resident_id", sa.String(length=40), nullable=False),
        sa.Column("linked_by", sa.String(length=16), nullable=False),
        sa.Column("linked_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_resident_records_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("system", "record_id", name=op.f("pk_resident_records")),
    )
    op.create_index("ix_resident_records_resident_id", "resident_records", ["resident_id"])
    op.create_table(
        "resident_events",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("resident_id", sa.String(length=40), nullable=False),
        sa.Column("other_resident_id", sa.String(length=40), nullable=True),
        sa.Column("records", _json(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", _json(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_events")),
    )
    op.create_index("ix_resident_events_resident_id", "resident_events", ["resident_id"])
    op.create_index("ix_resident_events_other_resident_id", "resident_events", ["other_resident_id"])
    op.create_table(
        "review_items",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("left_record", sa.String(length=200), nullable=False),
        sa.Column("right_record", sa.String(length=200), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.UniqueConstraint("left_record", "right_record", name=op.f("uq_review_items_left_record_right_record")),
    )
    op.create_index("ix_review_items_status", "review_items", ["status"])
    op.create_table(
        "review_decisions",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("review_item_id", _BigId, nullable=True),
        sa.Column("left_record", sa.String(length=200), nullable=False),
        sa.Column("right_record", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_item_id"], ["review_items.id"], name=op.f("fk_review_decisions_review_item_id_review_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    op.create_index("ix_review_decisions_pair", "review_decisions", ["left_record", "right_record"])
    op.create_table(
        "properties",
        sa.Column("uprn", sa.BigInteger(), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("address", _json(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uprn", name=op.f("pk_properties")),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("uprn", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["uprn"], ["properties.uprn"], name=op.f("fk_households_uprn_properties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("uprn", name=op.f("uq_households_uprn")),
    )
    op.create_table(
        "household_members",
        sa.Column("resident_id", sa.String(length=40), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_household_members_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_household_members_household_id_households")
        ),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_household_members")),
    )
    op.create_index("ix_household_members_household_id", "household_members", ["household_id"])
    op.create_table(
        "linkage_runs",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("review_items_added", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_runs")),
    )


def downgrade() -> None:
    for table in (
        "linkage_runs",
        "household_members",
        "households",
        "properties",
        "review_decisions",
        "review_items",
        "resident_events",
        "resident_records",
        "residents",
    ):
        op.drop_table(table)
