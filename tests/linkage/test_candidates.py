"""The candidate index against a brute-force reading of the blocking rules, on random small populations."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage import LinkageError
from joinedup.linkage._candidates import BlockingKey, CandidateIndex

RULES = (
    'l."a" = r."a"',
    "(l.b = r.b) AND (l.c = r.c)",
    "l.a = r.b and l.b = r.a",  # not symmetric: a swap of two fields
    "SUBSTRING(l.c, 1, 1) = SUBSTRING(r.c, 1, 1) AND l.n = r.n",  # a computed key, and a number
)


def _holds(rule: int, left: dict[str, object], right: dict[str, object]) -> bool:
    """Each rule, written out in Python with SQL's treatment of NULL (a comparison with NULL is not true)."""

    def eq(x: object, y: object) -> bool:
        return x is not None and y is not None and x == y

    if rule == 0:
        return eq(left["a"], right["a"])
    if rule == 1:
        return eq(left["b"], right["b"]) and eq(left["c"], right["c"])
    if rule == 2:
        return eq(left["a"], right["b"]) and eq(left["b"], right["a"])
    first = [None if value is None else str(value)[:1] for value in (left["c"], right["c"])]
    return eq(first[0], first[1]) and eq(left["n"], right["n"])


def _brute_force(rows: list[dict[str, object]], record: dict[str, object]) -> set[int]:
    return {
        i
        for i, row in enumerate(rows)
        if any(_holds(rule, row, record) or _holds(rule, record, row) for rule in range(len(RULES)))
    }


_values = st.sampled_from(["x", "y", "xy", "yx", None])
_rows = st.fixed_dictionaries({"a": _values, "b": _values, "c": _values, "n": st.sampled_from([1, 2, None])})
_SCHEMA = pa.schema([("a", pa.string()), ("b", pa.string()), ("c", pa.string()), ("n", pa.int64())])


def _table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=_SCHEMA)


@settings(max_examples=60, deadline=None)
@given(population=st.lists(_rows, min_size=0, max_size=25), added=st.lists(_rows, max_size=6), probe=_rows)
def test_lookup_finds_exactly_the_rows_a_blocking_rule_pairs_with_the_record(
    population: list[dict[str, object]], added: list[dict[str, object]], probe: dict[str, object]
) -> None:
    index = CandidateIndex(RULES)
    index.extend(_table(population))
    for row in added:  # one at a time, as the real-time matcher adds records it has matched
        index.extend(_table([row]))
    everyone = population + added
    # The rules here are pure equalities on tiny alphabets: no hash can collide, so the sets are equal.
    assert set(index.lookup(_table([probe])).tolist()) == _brute_force(everyone, probe)
    index.compact()
    assert set(index.lookup(_table([probe])).tolist()) == _brute_force(everyone, probe)
    assert index.size == len(everyone)


def test_a_rule_is_reduced_to_its_equalities_side_by_side() -> None:
    key = BlockingKey.from_rule("l.given = r.family and l.family = r.given and l.dob <> r.dob", 0)
    assert key.left == ('"given"', '"family"') and key.right == ('"family"', '"given"')
    assert not key.symmetric
    assert BlockingKey.from_rule('(l."dob" = r."dob")', 1).symmetric


def test_a_rule_with_no_equality_cannot_be_indexed() -> None:
    with pytest.raises(LinkageError, match="blocking rule 1 has no equality"):
        CandidateIndex(("l.a = r.a", "levenshtein(l.a, r.a) <= 1"))


def test_a_key_that_is_a_list_is_refused_with_a_clear_error() -> None:
    index = CandidateIndex(("l.tags = r.tags",))
    with pytest.raises(LinkageError, match="single value"):
        index.extend(pa.table({"tags": pa.array([["a"], ["b"]])}))


def test_index_memory_is_twelve_bytes_a_row_a_key_side() -> None:
    index = CandidateIndex(RULES)
    rows = 10_000
    rng = np.random.default_rng(1)
    letters = np.array(list("abcdefgh"), dtype=object)
    index.extend(
        pa.table(
            {
                "a": rng.choice(letters, rows),
                "b": rng.choice(letters, rows),
                "c": rng.choice(letters, rows),
                "n": rng.integers(0, 5, rows),
            }
        )
    )
    # Five key sides (the swap rule has two), every row with a key on each: 8-byte hash + 4-byte row number.
    assert index.nbytes == 5 * rows * 12


PLAIN_RULES = RULES[:3]  # keys of plain columns: a record given as a dict is hashed without a query


@settings(max_examples=60, deadline=None)
@given(population=st.lists(_rows, min_size=0, max_size=25), added=st.lists(_rows, max_size=6), probe=_rows)
def test_keys_hashed_from_a_dict_find_what_keys_hashed_from_a_table_find(
    population: list[dict[str, object]], added: list[dict[str, object]], probe: dict[str, object]
) -> None:
    by_table, by_dict = CandidateIndex(PLAIN_RULES), CandidateIndex(PLAIN_RULES)
    assert by_dict.plain and not CandidateIndex(RULES).plain
    for index in (by_table, by_dict):
        index.extend(_table(population))
    for row in added:
        by_table.extend(_table([row]))
        by_dict.add_keys(by_dict.record_keys(row))
    keys = by_dict.record_keys(probe)
    assert keys == [int(h[0]) if v[0] else None for h, v in by_table.key_hashes(_table([probe]))]
    assert by_dict.lookup_keys(keys).tolist() == by_table.lookup(_table([probe])).tolist()


def test_a_very_common_key_is_searched_among_its_most_recent_rows_only() -> None:
    index = CandidateIndex(('l."a" = r."a"',), rows_per_key=5)
    rows: list[dict[str, object]] = [{"a": "x", "b": None, "c": None, "n": None}] * 8
    index.extend(_table([*rows, {"a": "y", "b": None, "c": None, "n": 1}]))
    index.add_keys(index.record_keys({"a": "x"}))
    assert index.lookup_keys(index.record_keys({"a": "x"})).tolist() == [4, 5, 6, 7, 9]
    assert index.lookup_keys(index.record_keys({"a": "y"})).tolist() == [8]
    assert index.truncated == 1
