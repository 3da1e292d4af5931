"""Score one record against its candidates in Python, with the model's own levels compiled once.

The DuckDB scorer (`_scoring.PairScorer`) costs a query a match, about ten milliseconds whatever the number
of pairs. Here each comparison's levels and each blocking rule are compiled into Python functions
(`_pair_sql`), applied to the few dozen candidate pairs as dicts, and the weights are added up by the same
code as the DuckDB scorer's (`scores_from_levels`), so the two agree exactly; tests check both against
Splink. A model whose SQL the compiler does not translate raises `UnsupportedCondition` when the scorer is
built, and the matcher keeps to DuckDB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from joinedup.linkage._model_spec import ModelSpec
from joinedup.linkage._pair_sql import compile_pair_scorer
from joinedup.linkage._scoring import PairScores, level_weight_tables, scores_from_levels

Record = Mapping[str, Any]


class PythonScorer:
    """One record against many, each pair ordered as Splink orders it (lower unique id on the left)."""

    def __init__(self, model: ModelSpec) -> None:
        self.model = model
        self._score_pair = compile_pair_scorer(
            [[lv.sql_condition for lv in c.levels] for c in model.comparisons], list(model.blocking_rules)
        )
        self._level_weights = level_weight_tables(model)
        self._uid = model.unique_id_column

    def score_against(self, record: Record, others: Sequence[Record]) -> PairScores:
        """`record` against each of `others`; records carry `tf_<column>` for the model's tf columns."""
        mine = record[self._uid]
        score_pair = self._score_pair
        rows = [score_pair(o, record) if o[self._uid] < mine else score_pair(record, o) for o in others]
        table = np.array(rows, dtype=np.int16).reshape(len(others), len(self.model.comparisons) + 1)
        blocked = table[:, -1].astype(bool)
        frequencies = []
        for column in self.model.tf_columns:
            theirs = np.array([_frequency(o.get(f"tf_{column}")) for o in others], dtype=np.float64)
            frequencies.append((theirs, np.full(len(others), _frequency(record.get(f"tf_{column}")))))
        arrays = [table[:, c] for c in range(len(self.model.comparisons))]
        return scores_from_levels(self.model, self._level_weights, arrays, blocked, frequencies)


def _frequency(value: Any) -> float:
    return float("nan") if value is None else float(value)
