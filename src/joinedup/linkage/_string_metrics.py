"""String comparison functions that give exactly DuckDB's results, for scoring pairs in Python.

A model's levels compare a similarity with a threshold (`jaro_winkler_similarity(a, b) >= 0.9`), so a
result one unit in the last place away from DuckDB's can move a pair to another level. These follow
DuckDB's own implementations (rapidfuzz's Jaro, whose Winkler step DuckDB's build computes as one fused
multiply-add; unrestricted Damerau-Levenshtein) on characters, and are checked against DuckDB on random
strings in tests/linkage/test_string_metrics.py. Results are cached: names and postcodes repeat.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

_CACHE = 1 << 16
_SPLITTER = 134217729.0  # 2^27 + 1: Veltkamp's constant that splits a double into two 26-bit halves
# Below this a product's rounding error falls under the smallest double and Dekker's split is no longer exact.
_DEKKER_FLOOR = 2.0**-900


def _split(value: float) -> tuple[float, float]:
    scaled = _SPLITTER * value
    high = scaled - (scaled - value)
    return high, value - high


def fused_multiply_add(a: float, b: float, c: float) -> float:
    """a * b + c rounded once, as a hardware FMA does (Dekker's exact product, then an exact sum)."""
    product = a * b
    if abs(product) < _DEKKER_FLOOR and a and b:
        return float(Fraction(a) * Fraction(b) + Fraction(c))  # rare, so exact arithmetic costs nothing
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return math.fsum((product, error, c))


def _common_and_transpositions(a: str, b: str) -> tuple[int, int]:
    """Jaro's matching characters (within the window) and half the count of those out of order."""
    bound = max(max(len(a), len(b)) // 2 - 1, 0)
    taken = [False] * len(b)
    matched_a: list[str] = []
    for i, char in enumerate(a):
        for j in range(max(0, i - bound), min(len(b), i + bound + 1)):
            if not taken[j] and b[j] == char:
                taken[j] = True
                matched_a.append(char)
                break
    matched_b = [char for char, used in zip(b, taken, strict=True) if used]
    out_of_order = sum(x != y for x, y in zip(matched_a, matched_b, strict=True))
    return len(matched_a), out_of_order // 2


@lru_cache(maxsize=_CACHE)
def jaro_similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    common, transpositions = _common_and_transpositions(a, b)
    if not common:
        return 0.0
    total = common / len(a)
    total += common / len(b)
    total += (common - transpositions) / common
    return total / 3.0


@lru_cache(maxsize=_CACHE)
def jaro_winkler_similarity(a: str, b: str) -> float:
    similarity = jaro_similarity(a, b)
    if similarity <= 0.7:
        return similarity
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return fused_multiply_add(prefix * 0.1, 1.0 - similarity, similarity)


@lru_cache(maxsize=_CACHE)
def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


@lru_cache(maxsize=_CACHE)
def damerau_levenshtein(a: str, b: str) -> int:
    """Unrestricted Damerau-Levenshtein (transposed characters may be edited again), as DuckDB computes it."""
    infinity = len(a) + len(b)
    last_row: dict[str, int] = {}
    width = len(b) + 2
    table = [[infinity] * width for _ in range(len(a) + 2)]
    for i in range(len(a) + 1):
        table[i + 1][0], table[i + 1][1] = infinity, i
    for j in range(len(b) + 1):
        table[0][j + 1], table[1][j + 1] = infinity, j
    for i in range(1, len(a) + 1):
        last_match_column = 0
        for j in range(1, len(b) + 1):
            k, l = last_row.get(b[j - 1], 0), last_match_column  # noqa: E741
            cost = 0 if a[i - 1] == b[j - 1] else 1
            if cost == 0:
                last_match_column = j
            table[i + 1][j + 1] = min(
                table[i][j] + cost,
                table[i + 1][j] + 1,
                table[i][j + 1] + 1,
                table[k][l] + (i - k - 1) + 1 + (j - l - 1),
            )
        last_row[a[i - 1]] = i
    return table[len(a) + 1][len(b) + 1]
