"""The clerical review queue as stored: pairs the model could not decide, and reviewers' decisions on pairs.

A pair is held once, in a fixed order (left < right), whatever order a run reports it in; once decided it is
never re-opened. Decisions are only ever added: the newest decision on a pair is the one that counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, tuple_, update

from .database import Database
from .residents_tables import review_decisions, review_items


@dataclass(frozen=True)
class ReviewItem:
    id: int
    left_record: str
    right_record: str
    probability: float
    match_weight: float
    status: str
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class NewReviewItem:
    left_record: str
    right_record: str
    probability: float
    match_weight: float


@dataclass(frozen=True)
class StoredDecision:
    left_record: str
    right_record: str
    decision: str  # link | no-link
    reviewer: str
    reason: str
    decided_at: datetime
    review_item_id: int | None


def ordered_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class ReviewStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    def open_items_in(self, connection: Connection, items: Sequence[NewReviewItem], now: datetime) -> int:
        """Queue pairs not held yet (open or decided); returns how many were added."""
        wanted: dict[tuple[str, str], NewReviewItem] = {}
        for item in items:
            pair = ordered_pair(item.left_record, item.right_record)
            if pair[0] != pair[1]:
                wanted.setdefault(pair, item)
        if not wanted:
            return 0
        held = set(self._held_pairs(connection, list(wanted)))
        rows = [
            {"left_record": left, "right_record": right, "probability": item.probability}
            | {"match_weight": item.match_weight, "status": "open", "created_at": now}
            for (left, right), item in sorted(wanted.items())
            if (left, right) not in held
        ]
        if rows:
            connection.execute(insert(review_items), rows)
        return len(rows)

    def _held_pairs(self, connection: Connection, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        key = tuple_(review_items.c.left_record, review_items.c.right_record)
        for start in range(0, len(pairs), 500):
            chunk = pairs[start : start + 500]
            statement = select(review_items.c.left_record, review_items.c.right_record).where(key.in_(chunk))
            found.extend((left, right) for left, right in connection.execute(statement))
        return found

    def decide_in(
        self,
        connection: Connection,
        left_record: str,
        right_record: str,
        *,
        decision: str,
        reviewer: str,
        reason: str,
        now: datetime,
    ) -> StoredDecision:
        """Record a decision on a pair, closing its review item if there is one."""
        if decision not in ("link", "no-link"):
            raise ValueError(f"a decision is 'link' or 'no-link', not '{decision}'")
        left, right = ordered_pair(left_record, right_record)
        if left == right:
            raise ValueError("a decision needs two different records")
        item_id = connection.execute(
            select(review_items.c.id).where(review_items.c.left_record == left, review_items.c.right_record == right)
        ).scalar_one_or_none()
        if item_id is not None:
            connection.execute(
                update(review_items).where(review_items.c.id == item_id).values(status="decided", decided_at=now)
            )
        row = {"review_item_id": item_id, "left_record": left, "right_record": right, "decision": decision}
        row |= {"reviewer": reviewer, "reason": reason, "decided_at": now}
        connection.execute(insert(review_decisions).values(**row))
        return StoredDecision(left, right, decision, reviewer, reason, now, item_id)

    def item(self, item_id: int) -> ReviewItem | None:
        with self._database.engine.connect() as connection:
            row = connection.execute(select(review_items).where(review_items.c.id == item_id)).first()
        return None if row is None else ReviewItem(**row._mapping)

    def items(self, status: str | None = "open", *, limit: int | None = None) -> list[ReviewItem]:
        """Review items, the most uncertain (probability nearest one half) first."""
        statement = select(review_items)
        if status is not None:
            statement = statement.where(review_items.c.status == status)
        statement = statement.order_by(func.abs(review_items.c.probability - 0.5), review_items.c.id).limit(limit)
        with self._database.engine.connect() as connection:
            return [ReviewItem(**row._mapping) for row in connection.execute(statement)]

    def count(self, status: str = "open") -> int:
        statement = select(func.count()).select_from(review_items).where(review_items.c.status == status)
        with self._database.engine.connect() as connection:
            return connection.execute(statement).scalar_one()

    def decisions_in(self, connection: Connection) -> list[StoredDecision]:
        """Every decision, oldest first (so that, read in order, a later decision overrides an earlier one)."""
        statement = select(review_decisions).order_by(review_decisions.c.decided_at, review_decisions.c.id)
        return [
            StoredDecision(
                row.left_record,
                row.right_record,
                row.decision,
                row.reviewer,
                row.reason,
                row.decided_at,
                row.review_item_id,
            )
            for row in connection.execute(statement)
        ]

    def decisions(self) -> list[StoredDecision]:
        with self._database.engine.connect() as connection:
            return self.decisions_in(connection)


__all__ = ["NewReviewItem", "ReviewItem", "ReviewStore", "StoredDecision", "ordered_pair"]
