"""ModelSpec: what real-time scoring needs from a trained Splink model, read from the model's JSON.

For each comparison, its levels in Splink's order with their SQL conditions, labels and match weights
(log2 m/u, with Splink's clamping and its defaults for levels training never saw), the term-frequency
settings, the prior, the blocking rules, and the columns all of these read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from joinedup.linkage._errors import LinkageError

# Splink clamps m and u at this value before taking log2(m/u); the same clamp keeps our weights equal to its.
_M_U_CLAMP_MIN = 1e-300
_DIALECT = "duckdb"
_NOT_OBSERVED = "level not observed in training dataset"  # what Splink writes for such an m or u


@dataclass(frozen=True)
class Level:
    """One comparison level: when `sql_condition` is the first to hold, the pair gets `weight` (log2 m/u)."""

    label: str
    sql_condition: str
    weight: float
    is_null: bool
    tf_column: str | None = None
    tf_weight: float = 1.0
    tf_minimum_u: float = 0.0
    tf_log2_u_exact: float = 0.0  # log2 u of the exact-match level the term-frequency adjustment is relative to


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class ModelSpec:
    """What scoring needs from a trained Splink model: prior, comparisons, blocking rules, columns."""

    prior_probability: float
    comparisons: tuple[Comparison, ...]
    blocking_rules: tuple[str, ...]
    unique_id_column: str
    input_columns: tuple[str, ...]
    tf_columns: tuple[str, ...]

    @property
    def prior_weight(self) -> float:
        p = self.prior_probability
        return math.log2(p / (1 - p))

    @classmethod
    def from_splink(cls, settings: Mapping[str, Any]) -> ModelSpec:
        """Read a model saved by Splink (`linker.misc.save_model_to_json()`); errors name what is missing."""
        try:
            prior = float(settings["probability_two_random_records_match"])
            raw_comparisons = settings["comparisons"]
        except KeyError as missing:
            raise LinkageError(f"Splink model has no {missing.args[0]!r}: is it a trained model's JSON?") from None
        comparisons = tuple(_comparison(raw, index) for index, raw in enumerate(raw_comparisons))
        rules = tuple(
            rule["blocking_rule"] if isinstance(rule, Mapping) else str(rule)
            for rule in settings.get("blocking_rules_to_generate_predictions", [])
        )
        columns: set[str] = set()
        for comparison in comparisons:
            for level in comparison.levels:
                columns |= _pair_columns(level.sql_condition)
        for rule in rules:
            columns |= _pair_columns(rule)
        tf_columns = sorted({lv.tf_column for c in comparisons for lv in c.levels if lv.tf_column})
        return cls(
            prior_probability=prior,
            comparisons=comparisons,
            blocking_rules=rules,
            unique_id_column=str(settings.get("unique_id_column_name", "unique_id")),
            input_columns=tuple(sorted(columns | set(tf_columns))),
            tf_columns=tuple(tf_columns),
        )


def _comparison(raw: Mapping[str, Any], index: int) -> Comparison:
    name = str(raw.get("output_column_name") or f"comparison_{index}")
    raw_levels = raw.get("comparison_levels") or []
    if not raw_levels:
        raise LinkageError(f"comparison {name!r} has no comparison_levels")
    m_u = _probabilities(raw_levels)
    exact_u: dict[str, float] = {}
    for level, (_, u) in zip(raw_levels, m_u, strict=True):
        column = _exact_match_column(level)
        if column is not None:
            exact_u.setdefault(column, u)
    levels = []
    for level, (m, u) in zip(raw_levels, m_u, strict=True):
        is_null = bool(level.get("is_null_level", False))
        tf_column = level.get("tf_adjustment_column")
        log2_u_exact = 0.0
        if tf_column and not is_null:
            base_u = u if level.get("disable_tf_exact_match_detection") else exact_u.get(tf_column)
            if base_u is None:
                raise LinkageError(f"comparison {name!r}: a term-frequency level has no exact-match level")
            log2_u_exact = math.log2(base_u)
        levels.append(
            Level(
                label=str(level.get("label_for_charts") or level["sql_condition"]),
                sql_condition=str(level["sql_condition"]),
                weight=0.0 if is_null else math.log2(max(m, _M_U_CLAMP_MIN) / max(u, _M_U_CLAMP_MIN)),
                is_null=is_null,
                tf_column=tf_column,
                tf_weight=float(level.get("tf_adjustment_weight", 1.0)),
                tf_minimum_u=float(level.get("tf_minimum_u_value", 0.0)),
                tf_log2_u_exact=log2_u_exact,
            )
        )
    return Comparison(name=name, levels=tuple(levels))


def _probabilities(raw_levels: Sequence[Mapping[str, Any]]) -> list[tuple[float, float]]:
    """(m, u) of each level as Splink reads them: a level never trained takes Splink's default for its place.

    Splink numbers the non-null levels from n-1 (top) down to 0 and gives an untrained one default m and u
    that step its weight evenly from -5 to +3, with +10 for the top level; a level "not observed in
    training" gets 1e-6. Null levels weigh nothing.
    """
    count = sum(1 for level in raw_levels if not level.get("is_null_level"))
    default_m = [0.05 / (count - 1)] * (count - 1) + [0.95] if count > 1 else [0.95]
    steps = [-5.0] if count == 2 else [-5 + i * 8 / (count - 2) for i in range(count - 1)] if count > 2 else []
    default_u = [m / 2**w for m, w in zip(default_m, [*steps, 10.0], strict=True)]
    result, vector_value = [], count - 1
    for level in raw_levels:
        if level.get("is_null_level"):
            result.append((1.0, 1.0))
            continue
        m = _probability(level.get("m_probability"), default_m[vector_value])
        u = _probability(level.get("u_probability"), default_u[vector_value])
        result.append((m, u))
        vector_value -= 1
    return result


def _probability(value: Any, default: float) -> float:
    if value is None:
        return default
    if value == _NOT_OBSERVED:
        return 1e-6
    return float(value)


def _exact_match_column(level: Mapping[str, Any]) -> str | None:
    """The column when the level is exactly `"col_l" = "col_r"`, as Splink finds it for tf adjustments."""
    condition = str(level["sql_condition"])
    if condition.strip().upper() == "ELSE" or level.get("is_null_level"):
        return None
    tree = sqlglot.parse_one(condition, read=_DIALECT)
    if isinstance(tree, exp.EQ) and isinstance(tree.left, exp.Column) and isinstance(tree.right, exp.Column):
        left, right = tree.left.name, tree.right.name
        if left.endswith("_l") and right.endswith("_r") and left[:-2] == right[:-2]:
            return left[:-2]
    return None


def _pair_columns(sql: str) -> set[str]:
    """Base column names a condition reads: `"x_l"`/`"x_r"` in comparisons, `l.x`/`r.x` in blocking rules."""
    if sql.strip().upper() == "ELSE":
        return set()
    found = set()
    for column in sqlglot.parse_one(sql, read=_DIALECT).find_all(exp.Column):
        if column.table in ("l", "r"):
            found.add(column.name)
        elif column.name.endswith(("_l", "_r")):
            found.add(column.name[:-2])
    return found
