"""Pairwise precision, recall and F1 of clusters against known truth (for benchmarks and tests only)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PairwiseScores:
    true_positives: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _pairs(counts: Counter[object]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def pairwise_scores(predicted: Mapping[str, str], truth: Mapping[str, str]) -> PairwiseScores:
    """Scores over every pair of records: a pair is predicted when both share a cluster key in `predicted`,
    and true when both share an entity in `truth`. Records missing from either mapping are ignored."""
    ids = [uid for uid in predicted if uid in truth]
    return PairwiseScores(
        true_positives=_pairs(Counter((predicted[u], truth[u]) for u in ids)),
        predicted_pairs=_pairs(Counter(predicted[u] for u in ids)),
        true_pairs=_pairs(Counter(truth[u] for u in ids)),
    )
