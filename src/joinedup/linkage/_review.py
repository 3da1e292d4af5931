"""Clerical review: uncertain pairs become review items; reviewers' decisions become constraints that every
later bulk run (must_link / cannot_link) and the real-time matcher obey.

The rules are pure; :class:`ReviewQueue` adds the storage (the review repository) around them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import pandas as pd

from joinedup.store import Database
from joinedup.store.residents_review import NewReviewItem, ReviewItem, ReviewStore, StoredDecision, ordered_pair


class Decision(StrEnum):
    LINK = "link"  # the two records are the same person
    NO_LINK = "no-link"  # the two records are different people


@dataclass(frozen=True)
class Constraints:
    """Pairs of record unique ids that must, or must never, end up in the same resident."""

    must_link: frozenset[tuple[str, str]] = frozenset()
    cannot_link: frozenset[tuple[str, str]] = frozenset()

    def restricted_to(self, records: Iterable[str]) -> Constraints:
        """Only the pairs whose two records are both present (a withdrawn record constrains nothing)."""
        present = set(records)
        return Constraints(
            frozenset(p for p in self.must_link if p[0] in present and p[1] in present),
            frozenset(p for p in self.cannot_link if p[0] in present and p[1] in present),
        )

    def decided(self) -> frozenset[tuple[str, str]]:
        return self.must_link | self.cannot_link

    def decision_on(self, a: str, b: str) -> Decision | None:
        pair = ordered_pair(a, b)
        if pair in self.must_link:
            return Decision.LINK
        if pair in self.cannot_link:
            return Decision.NO_LINK
        return None


def constraints_from(decisions: Iterable[StoredDecision]) -> Constraints:
    """The constraints that ``decisions`` (oldest first) add up to: the newest decision on a pair wins."""
    newest: dict[tuple[str, str], str] = {}
    for decision in decisions:
        newest[ordered_pair(decision.left_record, decision.right_record)] = decision.decision
    return Constraints(
        frozenset(pair for pair, d in newest.items() if d == Decision.LINK),
        frozenset(pair for pair, d in newest.items() if d == Decision.NO_LINK),
    )


def review_candidates(uncertain: pd.DataFrame, decided: Iterable[tuple[str, str]]) -> list[NewReviewItem]:
    """The uncertain pairs worth a reviewer's time: each pair once, none a reviewer has already decided."""
    settled = {ordered_pair(a, b) for a, b in decided}
    found: dict[tuple[str, str], NewReviewItem] = {}
    columns = ("unique_id_l", "unique_id_r", "match_probability", "match_weight")
    for left, right, probability, weight in uncertain.loc[:, list(columns)].itertuples(index=False, name=None):
        pair = ordered_pair(str(left), str(right))
        if pair[0] == pair[1] or pair in settled or pair in found:
            continue
        found[pair] = NewReviewItem(pair[0], pair[1], float(probability), float(weight))
    return list(found.values())


class ReviewQueue:
    """The review queue a reviewer works through: list items, decide pairs, and read the constraints."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._store = ReviewStore(database)

    def open_items(self, *, limit: int | None = None) -> list[ReviewItem]:
        return self._store.items("open", limit=limit)

    def item(self, item_id: int) -> ReviewItem | None:
        return self._store.item(item_id)

    def decide(
        self,
        left_record: str,
        right_record: str,
        decision: Decision,
        *,
        reviewer: str,
        reason: str,
        now: datetime | None = None,
    ) -> StoredDecision:
        """Record a decision on a pair of record unique ids; it holds from the next run on."""
        if not reviewer.strip():
            raise ValueError("a decision needs the reviewer who made it")
        with self._database.transaction() as connection:
            return self._store.decide_in(
                connection, left_record, right_record,
                decision=decision.value, reviewer=reviewer, reason=reason, now=now or datetime.now(UTC),
            )  # fmt: skip

    def decide_item(
        self, item_id: int, decision: Decision, *, reviewer: str, reason: str, now: datetime | None = None
    ) -> StoredDecision:
        item = self._store.item(item_id)
        if item is None:
            raise LookupError(f"there is no review item {item_id}")
        return self.decide(item.left_record, item.right_record, decision, reviewer=reviewer, reason=reason, now=now)

    def constraints(self) -> Constraints:
        return constraints_from(self._store.decisions())


__all__ = ["Constraints", "Decision", "ReviewQueue", "constraints_from", "review_candidates"]
