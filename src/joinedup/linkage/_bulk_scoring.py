"""Score every blocked pair of a population in DuckDB with a trained model's own levels, without Splink's pipeline.

Splink's `predict` joins the records to themselves once per blocking rule on the raw strings, excludes the
pairs earlier rules found by re-testing every earlier rule on each pair, then carries all compared columns
through the joins. At a million records that costs more than the comparisons. Here each record gets a dense
integer number in unique-id order (so `a < b` is Splink's `unique_id_l < unique_id_r`) and each column a
blocking rule compares gets integer codes (columns compared with each other, such as given and family in
the swapped-names rule, share one code space); the rules join on those codes and one DISTINCT drops the
pairs several rules found. The comparisons are the model's own SQL conditions (`ModelSpec`), evaluated in
one query as CASE expressions, with Damerau-Levenshtein guarded by checks that any pair one edit apart
passes (`cheap_checks_first`); the weights are added up in numpy by the real-time scorers' code
(`scores_from_levels`), so bulk and real-time scores agree, and both agree with Splink's (tests check).

Rules that are not plain equalities between the two records' columns are outside this path; the caller
then keeps to Splink (`UnsupportedRule`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import sqlglot
from numpy.typing import NDArray
from sqlglot import exp

from joinedup.linkage._candidates import conjuncts
from joinedup.linkage._errors import LinkageError
from joinedup.linkage._model_spec import ModelSpec
from joinedup.linkage._scoring import PairScores, level_weight_tables, scores_from_levels
from joinedup.linkage._term_frequencies import TermFrequencies

_DIALECT = "duckdb"
_CHUNK = 1_000_000  # pairs weighed at a time in numpy, to bound memory whatever the number of blocked pairs


class UnsupportedRule(LinkageError):
    """A blocking rule this path cannot run on integer codes; score with Splink instead."""


def rule_columns(rule: str) -> list[tuple[str, str]]:
    """The (left column, right column) equalities that make up a rule such as `l.a = r.a AND l.b = r.c`."""
    try:
        tree = sqlglot.parse_one(rule, read=_DIALECT)
    except sqlglot.errors.ParseError as error:
        raise UnsupportedRule(f"cannot parse blocking rule {rule!r}: {error}") from None
    pairs = []
    for clause in conjuncts(tree):
        sides = (
            [s for s in (clause.left, clause.right) if isinstance(s, exp.Column)] if isinstance(clause, exp.EQ) else []
        )
        if len(sides) != 2:
            raise UnsupportedRule(f"blocking rule {rule!r} is not only equalities between columns")
        by_table = {side.table: side.name for side in sides}
        if set(by_table) != {"l", "r"}:
            raise UnsupportedRule(f"blocking rule {rule!r} compares a record with itself")
        pairs.append((by_table["l"], by_table["r"]))
    return pairs


def cheap_checks_first(condition: str) -> str:
    """`condition` rewritten to give the same TRUE/FALSE/NULL with the costly functions evaluated on fewer pairs.

    DuckDB evaluates an AND's (OR's) right side only where the left side has not decided it, so:
    - `damerau_levenshtein(a, b) <= 1` becomes `a = b OR (checks AND damerau_levenshtein(a, b) <= 1)`: one
      edit (substitution, insertion, deletion or adjacent transposition) changes the length by at most one
      and leaves the first or the last character in place unless both strings are at most two long;
    - `array_length(list_intersect(a, b)) >= 1` becomes `list_has_any(a, b)`, which builds no list;
    - in an AND, an operand that calls Damerau-Levenshtein goes last (AND is commutative in SQL's logic too).
    A level holds only where its condition is TRUE, so rewrites that could turn NULL into FALSE are safe too.
    """
    if condition.strip().upper() == "ELSE":
        return condition

    def metric_last(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.And) and _calls_metric(node.left) and not _calls_metric(node.right):
            return exp.and_(node.right.copy(), node.left.copy())
        return node

    def cheaper(node: exp.Expr) -> exp.Expr:
        if _is_one_slip(node):
            a, b = (e.sql(dialect=_DIALECT) for e in node.this.expressions)
            checks = (
                f"({a} = {b} or (abs(length({a}) - length({b})) <= 1 and (substr({a}, 1, 1) = substr({b}, 1, 1)"
                f" or substr({a}, -1, 1) = substr({b}, -1, 1) or (length({a}) <= 2 and length({b}) <= 2))"
                f" and {node.sql(dialect=_DIALECT)}))"
            )
            return sqlglot.parse_one(checks, read=_DIALECT)
        if _is_any_shared(node):
            a, b = node.this.this.expressions
            return exp.Anonymous(this="list_has_any", expressions=[a.copy(), b.copy()])
        return node

    tree = sqlglot.parse_one(condition, read=_DIALECT).transform(metric_last)
    return tree.transform(cheaper).sql(dialect=_DIALECT)


def _is_one_slip(node: exp.Expr) -> bool:
    metric = node.this if isinstance(node, exp.LTE) else None
    return (
        isinstance(metric, exp.Anonymous)
        and str(metric.this).lower() == "damerau_levenshtein"
        and len(metric.expressions) == 2
        and isinstance(node.expression, exp.Literal)
        and node.expression.this == "1"
    )


def _is_any_shared(node: exp.Expr) -> bool:
    """`array_length(list_intersect(a, b)) >= 1`, as Splink writes its array-intersect level for DuckDB."""
    size = node.this if isinstance(node, exp.GTE) else None
    return (
        isinstance(size, exp.ArraySize)
        and size.args.get("expression") is None
        and isinstance(size.this, exp.Anonymous)
        and str(size.this.this).lower() == "list_intersect"
        and len(size.this.expressions) == 2
        and isinstance(node.expression, exp.Literal)
        and node.expression.this == "1"
    )


def _calls_metric(node: exp.Expr) -> bool:
    return any(str(f.this).lower() == "damerau_levenshtein" for f in node.find_all(exp.Anonymous))


class BulkScorer:
    """All blocked pairs of one population, scored with a model; built once, `pairs(threshold)` to read."""

    def __init__(self, model: ModelSpec, records: pd.DataFrame) -> None:
        self.model = model
        self._rules = [rule_columns(rule) for rule in model.blocking_rules]
        if not self._rules:
            raise UnsupportedRule("the model has no blocking rules")
        uid = model.unique_id_column
        missing = [c for c in (uid, *model.input_columns) if c not in records.columns]
        if missing:
            raise LinkageError(f"records have no column(s) {', '.join(missing)}, which the model compares")
        # Numbered in unique-id order: Splink pairs each two records with the lower unique id on the left.
        order = np.argsort(records[uid].to_numpy().astype(str), kind="stable")
        self._records = records.reset_index(drop=True)
        self.unique_ids = self._records[uid].to_numpy()[order]
        self._order = order  # record number -> row of `records`
        self._rid = np.empty(len(order), dtype=np.int32)  # each record's number (its rank by unique id)
        self._rid[order] = np.arange(len(order), dtype=np.int32)

    def pairs(self, threshold: float) -> pd.DataFrame:
        """Pairs with match_probability >= threshold: unique_id_l, unique_id_r, match_weight,
        match_probability and mw_<comparison> (each comparison's weight, term-frequency adjustment included)."""
        frames = [self._frame(left, right, scores, threshold) for left, right, scores in self._scored(threshold)]
        if not frames:
            return self._frame(np.empty(0, np.int64), np.empty(0, np.int64), None, threshold)
        return pd.concat(frames, ignore_index=True)

    def _scored(self, threshold: float) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64], PairScores]]:
        weights = level_weight_tables(self.model)
        frequencies = self._frequencies()
        with duckdb.connect() as db:
            db.execute("SET preserve_insertion_order = false")
            db.register("codes", self._codes())
            pair_sql = " UNION ALL ".join(
                "SELECT l.rid AS a, r.rid AS b FROM codes AS l JOIN codes AS r ON "  # noqa: S608 (our columns)
                + " AND ".join(f"l.{_code(a, b, 'l')} = r.{_code(a, b, 'r')}" for a, b in rule)
                + " WHERE l.rid < r.rid"
                for rule in self._rules
            )
            db.execute(f"CREATE TEMP TABLE blocked AS SELECT DISTINCT a, b FROM ({pair_sql})")  # noqa: S608
            db.unregister("codes")
            db.register("records", self._compared())
            table = db.sql(self._level_sql()).to_arrow_table()
        left = table.column("a").to_numpy().astype(np.int64)
        right = table.column("b").to_numpy().astype(np.int64)
        chosen_all = [table.column(f"g{c}").to_numpy() for c in range(len(self.model.comparisons))]
        del table
        if not frequencies and 0.0 < threshold < 1.0:
            # Without term frequencies a pair's weight is the sum of its levels' weights: pairs clearly below
            # the threshold (most of them) are dropped before the full scores; the margin absorbs rounding.
            total = np.full(len(left), self.model.prior_weight)
            for levels, table_weights in zip(chosen_all, weights, strict=True):
                total += table_weights[levels]
            near = np.flatnonzero(total >= math.log2(threshold / (1 - threshold)) - 1e-6)
            left, right, chosen_all = left[near], right[near], [levels[near] for levels in chosen_all]
        for start in range(0, len(left), _CHUNK):
            part = slice(start, start + _CHUNK)
            a, b = left[part], right[part]
            chosen = [levels[part].astype(np.int16) for levels in chosen_all]
            pair_frequencies = [(f[a], f[b]) for f in frequencies]
            yield a, b, scores_from_levels(self.model, weights, chosen, np.ones(len(a), bool), pair_frequencies)

    def _frame(
        self, left: NDArray[np.int64], right: NDArray[np.int64], scores: PairScores | None, threshold: float
    ) -> pd.DataFrame:
        names = [c.name for c in self.model.comparisons]
        if scores is None:
            columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability", *(f"mw_{n}" for n in names)]
            return pd.DataFrame(columns=columns)
        keep = scores.match_probability >= threshold
        frame = pd.DataFrame(
            {
                "unique_id_l": self.unique_ids[left[keep]],
                "unique_id_r": self.unique_ids[right[keep]],
                "match_weight": scores.match_weight[keep],
                "match_probability": scores.match_probability[keep],
            }
        )
        for c, name in enumerate(names):
            frame[f"mw_{name}"] = scores.weights[keep, c]
        return frame

    def _codes(self) -> pa.Table:
        """Dense integer codes of each blocked column (null stays null); compared columns share codes."""
        group_of: dict[str, str] = {}

        def root(column: str) -> str:
            while group_of.setdefault(column, column) != column:
                column = group_of[column]
            return column

        for rule in self._rules:
            for a, b in rule:
                group_of[root(a)] = root(b)
        groups: dict[str, list[str]] = {}
        for column in list(group_of):
            groups.setdefault(root(column), []).append(column)
        count = len(self._records)
        columns: dict[str, pa.Array] = {"rid": pa.array(self._rid)}
        for members in groups.values():
            kinds = {str(self._records[m].dtype) for m in members}
            if len(kinds) > 1:
                raise UnsupportedRule(f"blocking compares columns of different types: {', '.join(sorted(members))}")
            try:
                codes, _ = pd.factorize(pd.concat([self._records[m] for m in members], ignore_index=True))
            except TypeError:  # unhashable values (lists) are not blocked on
                raise UnsupportedRule(f"cannot block on {', '.join(members)}") from None
            for i, member in enumerate(members):
                own = codes[i * count : (i + 1) * count]
                columns[f"code_{member}"] = pa.array(own, mask=own < 0, type=pa.int32())
        return pa.table(columns)

    def _compared(self) -> pa.Table:
        table = pa.Table.from_pandas(self._records[list(self.model.input_columns)], preserve_index=False)
        return table.append_column("rid", pa.array(self._rid))

    def _frequencies(self) -> list[NDArray[np.float64]]:
        """Per tf column, each record's term frequency by record number (NaN where null), as Splink's predict
        computes them."""
        if not self.model.tf_columns:
            return []
        population = pa.Table.from_pandas(self._records[list(self.model.tf_columns)], preserve_index=False)
        annotated = TermFrequencies.from_population(population, self.model.tf_columns).annotate(population)
        return [
            annotated.column(f"tf_{c}").to_numpy(zero_copy_only=False).astype(np.float64)[self._order]
            for c in self.model.tf_columns
        ]

    def _level_sql(self) -> str:
        cases = []
        for index, comparison in enumerate(self.model.comparisons):
            whens, otherwise = [], -1
            for position, level in enumerate(comparison.levels):
                if level.sql_condition.strip().upper() == "ELSE":
                    otherwise = position
                    break
                whens.append(f"WHEN {cheap_checks_first(level.sql_condition)} THEN {position}")
            cases.append(f"CAST(CASE {' '.join(whens)} ELSE {otherwise} END AS TINYINT) AS g{index}")
        sides = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in self.model.input_columns)
        pairs = f"SELECT p.a, p.b, {sides} FROM blocked AS p JOIN records AS l ON l.rid = p.a JOIN records AS r ON r.rid = p.b"  # noqa: S608,E501
        return f"SELECT a, b, {', '.join(cases)} FROM ({pairs})"  # noqa: S608


def _code_name(column: str) -> str:
    return f'"code_{column}"'


def _code(left: str, right: str, side: str) -> str:
    return _code_name(left if side == "l" else right)
