"""The Python string similarities give exactly DuckDB's numbers, so a threshold puts a pair in the same level."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage._string_metrics import (
    damerau_levenshtein,
    fused_multiply_add,
    jaro_similarity,
    jaro_winkler_similarity,
    levenshtein,
)

FUNCTIONS = {
    "jaro_winkler_similarity": jaro_winkler_similarity,
    "jaro_similarity": jaro_similarity,
    "levenshtein": levenshtein,
    "damerau_levenshtein": damerau_levenshtein,
}


def _duckdb(pairs: list[tuple[str, str]]) -> dict[str, np.ndarray]:
    table = pa.table({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]})
    connection = duckdb.connect()
    connection.register("pairs", table)
    columns = ", ".join(f"{name}(a, b) AS {name}" for name in FUNCTIONS)
    return connection.execute(f"SELECT {columns} FROM pairs").fetchnumpy()


def _assert_same(pairs: list[tuple[str, str]]) -> None:
    expected = _duckdb(pairs)
    for name, function in FUNCTIONS.items():
        ours = [function(a, b) for a, b in pairs]
        wrong = [(p, o, e) for p, o, e in zip(pairs, ours, expected[name], strict=True) if o != e]
        assert not wrong, f"{name}: {wrong[:3]}"


def test_random_strings_over_small_alphabets_score_as_in_duckdb() -> None:
    rng = np.random.default_rng(4)
    alphabets = ["ab", "abc", "abcdef", "abcdefghijklmnopqrstuvwxyz", "aéüb -"]
    pairs = []
    for _ in range(20_000):
        letters = alphabets[int(rng.integers(len(alphabets)))]
        a, b = ("".join(rng.choice(list(letters), int(rng.integers(0, 13)))) for _ in range(2))
        pairs.append((a, b))
    _assert_same(pairs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text("abcxyz é", max_size=14), st.text("abcxyz é", max_size=14)), min_size=1))
def test_any_strings_score_as_in_duckdb(pairs: list[tuple[str, str]]) -> None:
    _assert_same(pairs)


def test_names_near_the_thresholds_score_as_in_duckdb() -> None:
    names = ["martha", "marhta", "dwayne", "duane", "dixon", "dicksonx", "jon", "john", "jonathan", "smith", "smyth"]
    _assert_same([(a, b) for a in names for b in names])


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_fused_multiply_add_rounds_once(a: float, b: float, c: float) -> None:
    from fractions import Fraction

    assert fused_multiply_add(a, b, c) == float(Fraction(a) * Fraction(b) + Fraction(c))
