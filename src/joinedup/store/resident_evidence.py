"""Reads for a resident's linkage evidence: the reviewers' decisions on pairs that involve its records.

(The id changes themselves are read with ``ResidentStore.events_of``.) Migration ``0009_resident_search`` adds
the index on ``right_record`` that makes this two indexed lookups rather than a scan of every decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Index, select, union

from .database import Database
from .residents_review import StoredDecision
from .residents_tables import review_decisions

Index("ix_review_decisions_right_record", review_decisions.c.right_record)

_IDS_PER_QUERY = 400


def decisions_on(database: Database, records: Sequence[str]) -> list[StoredDecision]:
    """Every decision on a pair with one of ``records`` ("system|record_id") on either side, oldest first."""
    wanted = sorted(set(records))
    found: dict[int, StoredDecision] = {}
    with database.engine.connect() as connection:
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            chunk = wanted[start : start + _IDS_PER_QUERY]
            ids = union(
                select(review_decisions.c.id).where(review_decisions.c.left_record.in_(chunk)),
                select(review_decisions.c.id).where(review_decisions.c.right_record.in_(chunk)),
            ).subquery()
            statement = select(review_decisions).where(review_decisions.c.id.in_(select(ids.c.id)))
            for row in connection.execute(statement):
                found[row.id] = StoredDecision(
                    row.left_record, row.right_record, row.decision, row.reviewer, row.reason, row.decided_at,
                    row.review_item_id,
                )  # fmt: skip
    return [found[key] for key in sorted(found)]


__all__ = ["decisions_on"]
