"""The Python scorer against the DuckDB scorer (itself checked against Splink): same levels, blocks, weights."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage import prepare
from joinedup.linkage._fast_scoring import PythonScorer
from joinedup.linkage._model_spec import ModelSpec
from joinedup.linkage._pair_sql import UnsupportedCondition, compile_condition
from joinedup.linkage._scoring import PairScorer
from joinedup.linkage._term_frequencies import TermFrequencies

from .realtime_data import generic_model, joinedup_model, place


@cache
def _population() -> tuple[ModelSpec, pa.Table]:
    spec = ModelSpec.from_splink(joinedup_model().splink_settings)
    frame = prepare(place()[0])
    table = pa.Table.from_pandas(frame[sorted({spec.unique_id_column, *spec.input_columns})], preserve_index=False)
    return spec, TermFrequencies.from_population(table, spec.tf_columns).annotate(table)


def _assert_same(spec: ModelSpec, record: pa.Table, others: pa.Table) -> None:
    expected = PairScorer(spec).score_against(record, others)
    ours = PythonScorer(spec).score_against(record.to_pylist()[0], others.to_pylist())
    assert np.array_equal(ours.levels, expected.levels)
    assert np.array_equal(ours.blocked, expected.blocked)
    assert np.array_equal(ours.match_weight, expected.match_weight)


def test_records_against_their_neighbours_and_strangers_score_as_in_duckdb() -> None:
    spec, table = _population()
    rng = np.random.default_rng(3)
    postcodes = table.column("postcode").to_pylist()
    for i in rng.choice(table.num_rows, 40, replace=False):
        neighbours = [j for j, p in enumerate(postcodes) if p is not None and p == postcodes[i]][:30]
        strangers = rng.choice(table.num_rows, 30, replace=False).tolist()
        _assert_same(spec, table.slice(int(i), 1), table.take(sorted(set(neighbours + strangers))))


_EDITS = st.sampled_from(["drop", "blank", "swap", "typo", "copy"])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.tuples(st.integers(0, 40), _EDITS), max_size=8))
def test_edited_copies_score_as_in_duckdb(seed: int, edits: list[tuple[int, str]]) -> None:
    """A record against copies of itself with fields dropped, blanked, swapped or mistyped: every level path."""
    spec, table = _population()
    rng = np.random.default_rng(seed)
    record = table.slice(int(rng.integers(table.num_rows)), 1).to_pylist()[0]
    donor = table.slice(int(rng.integers(table.num_rows)), 1).to_pylist()[0]
    columns = [c for c in table.column_names if c != spec.unique_id_column and not c.startswith("tf_")]
    copies: list[dict[str, Any]] = []
    for n, (position, edit) in enumerate(edits):
        copy = dict(record) | {spec.unique_id_column: f"copy|{n}"}
        column = columns[position % len(columns)]
        value = copy[column]
        if edit == "drop":
            copy[column] = None
        elif edit == "copy":
            copy[column] = donor[column]
        elif isinstance(value, str) and len(value) > 1:
            copy[column] = value[1] + value[0] + value[2:] if edit == "swap" else value[:-1] + "x"
        copies.append(copy)
    if copies:
        _assert_same(spec, pa.Table.from_pylist([record], table.schema), pa.Table.from_pylist(copies, table.schema))


@pytest.mark.parametrize(
    ("sql", "left", "right", "expected"),
    [
        ('"a_l" = "a_r"', {"a": None}, {"a": "x"}, None),
        ('"a_l" = "a_r" OR "b_l" = "b_r"', {"a": None, "b": 1}, {"a": "x", "b": 1}, True),
        ('"a_l" = "a_r" AND "b_l" = "b_r"', {"a": None, "b": 1}, {"a": "x", "b": 2}, False),
        ('NOT ("a_l" = "a_r")', {"a": None}, {"a": "x"}, None),
        ('"a_l" IS NULL OR "a_r" IS NULL', {"a": None}, {"a": "x"}, True),
        ("substr(a_l, 1, length(b_r)) = b_r", {"a": "alfred"}, {"b": "alf"}, True),
        ("abs(y_l - y_r) <= 5", {"y": 1980}, {"y": 1986}, False),
        ("array_length(list_intersect(n_l, n_r)) >= 1", {"n": ["bill", "will"]}, {"n": ["william", "will"]}, True),
    ],
)
def test_conditions_keep_sql_three_valued_logic(
    sql: str, left: dict[str, Any], right: dict[str, Any], expected: Any
) -> None:
    assert compile_condition(sql)(left, right) is expected


def test_sql_the_compiler_does_not_know_is_refused_so_the_matcher_keeps_to_duckdb() -> None:
    with pytest.raises(UnsupportedCondition, match=r"(?i)try_strptime"):
        PythonScorer(ModelSpec.from_splink(generic_model()))
    with pytest.raises(UnsupportedCondition, match="not qualified"):
        compile_condition("l.a = b", style="rule")
