"""Score record pairs with a trained Splink model's own comparison levels, without a Splink linker.

Splink's `predict_between` rebuilds and plans its whole SQL pipeline on every call (about half a second at 1M
records), far too slow for one record at a time. The model itself is small: for each comparison, ordered
levels with an SQL condition and m and u probabilities. `ModelSpec` reads those from the model's JSON;
`PairScorer` compiles the conditions once into one DuckDB query that gives each pair its level per
comparison, then adds up log2(m/u), Splink's term-frequency adjustments and the prior in numpy. The result
matches Splink's own scores to floating-point rounding (checked in tests/linkage/test_scoring.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import sqlglot
from numpy.typing import NDArray
from sqlglot import exp

from joinedup.linkage._errors import LinkageError
from joinedup.linkage._model_spec import Level, ModelSpec

_DIALECT = "duckdb"


def blocking_rule_as_pair_sql(rule: str) -> str:
    """A blocking rule over `l.x`/`r.x` rewritten over one table of pairs with columns `x_l`/`x_r`."""

    def rename(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and node.table in ("l", "r"):
            return exp.column(f"{node.name}_{node.table}", quoted=True)
        return node

    return sqlglot.parse_one(rule, read=_DIALECT).transform(rename).sql(dialect=_DIALECT)


@dataclass(frozen=True)
class PairScores:
    """Scores of n pairs: the level each comparison chose, each comparison's weight, the totals."""

    levels: NDArray[np.int16]  # (n, comparisons); -1 when no level held (a comparison without ELSE)
    weights: NDArray[np.float64]  # (n, comparisons), tf adjustment included
    tf_adjustments: NDArray[np.float64]  # (n, comparisons)
    match_weight: NDArray[np.float64]  # (n,)
    match_probability: NDArray[np.float64]  # (n,)
    blocked: NDArray[np.bool_]  # (n,) whether a blocking rule of the model would have paired them

    def __len__(self) -> int:
        return len(self.match_weight)


class PairScorer:
    """Scores pairs with two compiled queries: aligned rows of two tables, or one record against many."""

    def __init__(self, model: ModelSpec) -> None:
        self.model = model
        self._connection = duckdb.connect()
        # A few dozen pairs a call: one thread avoids the cost of starting and joining workers each time.
        self._connection.execute("SET threads=1")
        self._lock = threading.Lock()  # one DuckDB connection, used by one caller at a time
        cases = []
        for index, comparison in enumerate(model.comparisons):
            whens = [
                f"WHEN {level.sql_condition} THEN {position}"
                for position, level in enumerate(comparison.levels)
                if level.sql_condition.strip().upper() != "ELSE"
            ]
            otherwise = next(
                (p for p, lv in enumerate(comparison.levels) if lv.sql_condition.strip().upper() == "ELSE"), -1
            )
            cases.append(f"CAST(CASE {' '.join(whens)} ELSE {otherwise} END AS SMALLINT) AS g{index}")
        blocked = " OR ".join(f"({blocking_rule_as_pair_sql(rule)})" for rule in model.blocking_rules) or "TRUE"
        scoring = f"SELECT {', '.join(cases)}, COALESCE({blocked}, FALSE) AS blocked FROM __pairs"  # noqa: S608
        # One record against many: DuckDB pairs them, lower unique id on the left as in Splink's dedupe runs.
        uid = f'"{model.unique_id_column}"'
        lower = f"e.{uid} < n.{uid}"
        sides = ", ".join(
            f'CASE WHEN {lower} THEN e."{c}" ELSE n."{c}" END AS "{c}_l", '
            f'CASE WHEN {lower} THEN n."{c}" ELSE e."{c}" END AS "{c}_r"'
            for c in model.input_columns
        )
        pairing = f"SELECT e.__row, {sides} FROM __others AS e CROSS JOIN __record AS n"  # noqa: S608
        # Prepared on first use (DuckDB plans against the registered tables), then only re-bound.
        self._queries = {"__aligned": scoring, "__against": f"WITH __pairs AS ({pairing}) {scoring} ORDER BY __row"}
        self._prepared: set[str] = set()
        # Level tables for vectorised lookups: weight of level k of comparison c.
        self._level_weights = level_weight_tables(model)

    def score(self, left: pa.Table, right: pa.Table) -> PairScores:
        """Row i of `left` against row i of `right`, in that order."""
        if left.num_rows != right.num_rows:
            raise LinkageError(f"left has {left.num_rows} rows and right {right.num_rows}: they must be aligned")
        pairs = _pair_table(left, right, self.model)
        with self._lock:
            # Registering under the same name replaces the last call's table; the prepared query is re-bound.
            self._connection.register("__pairs", pairs)
            result = self._execute("__aligned")
        return self._scores(result, [(_tf(left, c), _tf(right, c)) for c in self.model.tf_columns])

    def score_against(self, record: pa.Table, others: pa.Table) -> PairScores:
        """One record (a 1-row table) against each row of `others`; each pair is ordered by unique id."""
        if record.num_rows != 1:
            raise LinkageError(f"score_against takes one record, got {record.num_rows}")
        for name in (self.model.unique_id_column, *self.model.input_columns):
            if name not in record.column_names or name not in others.column_names:
                raise LinkageError(f"records have no column {name!r}, which the model compares")
        numbered = others.append_column("__row", pa.array(np.arange(others.num_rows)))
        with self._lock:
            self._connection.register("__record", record)
            self._connection.register("__others", numbered)
            result = self._execute("__against")
        count = others.num_rows
        frequencies = [(_tf(others, c), np.repeat(_tf(record, c), count)) for c in self.model.tf_columns]
        return self._scores(result, frequencies)

    def _execute(self, name: str) -> dict[str, Any]:
        if name not in self._prepared:
            self._connection.execute(f"PREPARE {name} AS {self._queries[name]}")
            self._prepared.add(name)
        result: dict[str, Any] = self._connection.execute(f"EXECUTE {name}").fetchnumpy()
        return result

    def _scores(
        self, result: dict[str, Any], frequencies: list[tuple[NDArray[np.float64], NDArray[np.float64]]]
    ) -> PairScores:
        chosen = [np.asarray(result[f"g{c}"], dtype=np.int16) for c in range(len(self.model.comparisons))]
        return scores_from_levels(self.model, self._level_weights, chosen, result["blocked"], frequencies)


def scores_from_levels(
    model: ModelSpec,
    level_weights: list[NDArray[np.float64]],
    chosen: list[NDArray[np.int16]],
    blocked: Any,
    frequencies: list[tuple[NDArray[np.float64], NDArray[np.float64]]],
) -> PairScores:
    """Weights from the level each comparison chose (`level_weights[c]` ends with a 0.0 for level -1).

    Term frequencies are symmetric, so either order of the pair serves; `frequencies` follows tf_columns.
    """
    tf_of = dict(zip(model.tf_columns, frequencies, strict=True))
    count, width = len(blocked), len(model.comparisons)
    levels = np.empty((count, width), dtype=np.int16)
    weights = np.zeros((count, width))
    tf_adjustments = np.zeros((count, width))
    for c, comparison in enumerate(model.comparisons):
        levels[:, c] = chosen[c]
        weights[:, c] = level_weights[c][chosen[c]]  # -1 indexes the trailing 0.0
        for position, level in enumerate(comparison.levels):
            if level.tf_column and level.tf_weight != 0 and not level.is_null:
                rows = chosen[c] == position
                if rows.any():
                    tf_a, tf_b = tf_of[level.tf_column]
                    tf_adjustments[rows, c] = _tf_adjustment(level, tf_a[rows], tf_b[rows])
    weights += tf_adjustments
    total = model.prior_weight + weights.sum(axis=1)
    return PairScores(
        levels=levels,
        weights=weights,
        tf_adjustments=tf_adjustments,
        match_weight=total,
        match_probability=weight_to_probability(total),
        blocked=np.asarray(blocked, dtype=bool),
    )


def level_weight_tables(model: ModelSpec) -> list[NDArray[np.float64]]:
    """Per comparison, the weight of each level and a trailing 0.0 (for a pair no level held)."""
    return [np.array([lv.weight for lv in c.levels] + [0.0]) for c in model.comparisons]


def weight_to_probability(weight: NDArray[np.float64]) -> NDArray[np.float64]:
    """2^w / (1 + 2^w), written so that large weights of either sign do not overflow."""
    result: NDArray[np.float64] = np.where(
        weight >= 0, 1.0 / (1.0 + np.exp2(-np.abs(weight))), np.exp2(-np.abs(weight)) / (1.0 + np.exp2(-np.abs(weight)))
    )
    return result


def _pair_table(left: pa.Table, right: pa.Table, model: ModelSpec) -> pa.Table:
    columns: dict[str, pa.ChunkedArray] = {}
    for name in model.input_columns:
        for side, table in (("l", left), ("r", right)):
            if name not in table.column_names:
                raise LinkageError(f"records have no column {name!r}, which the model compares")
            columns[f"{name}_{side}"] = table.column(name)
    return pa.table(columns)


def _tf_adjustment(level: Level, tf_l: NDArray[np.float64], tf_r: NDArray[np.float64]) -> NDArray[np.float64]:
    """Splink's adjustment: weight * (log2 u_exact - log2 max(tf_l, tf_r, minimum u)); 0 when both tf are null."""
    tf_l, tf_r = np.where(np.isnan(tf_l), tf_r, tf_l), np.where(np.isnan(tf_r), tf_l, tf_r)
    biggest = np.fmax(np.fmax(tf_l, tf_r), level.tf_minimum_u)
    with np.errstate(divide="ignore"):
        adjustment = level.tf_weight * (level.tf_log2_u_exact - np.log2(biggest))
    result: NDArray[np.float64] = np.where(np.isnan(tf_l), 0.0, adjustment)
    return result


def _tf(table: pa.Table, column: str) -> NDArray[np.float64]:
    name = f"tf_{column}"
    if name not in table.column_names:
        raise LinkageError(f"records have no term-frequency column {name!r}; add it with TermFrequencies.annotate")
    values: NDArray[np.float64] = table.column(name).to_numpy(zero_copy_only=False).astype(np.float64)
    return values
