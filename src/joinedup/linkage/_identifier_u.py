"""u of an identifier match, estimated among pairs that are clearly different people.

Splink estimates u (how often two *different* people agree) from random pairs, which include some true
matches. For most levels that bias is negligible, but not for an exact identifier: two records of different
people almost never share one, so nearly every random pair that does is the same person, and u comes out
close to the prior probability of a match. A shared identifier then weighs no more than a shared date of
birth, and a record whose names and date of birth were replaced (FEBRL's duplicates) is lost although its
identifier is exact.

Under the model's own assumption (comparisons independent given match status) u can be measured on any
subset of non-matches. Pairs whose given *and* family names are clearly different are nearly all non-matches,
so the share of them that share the identifier estimates u with the contamination by true matches cut by the
(small) chance that a match disagrees on both names. Values many people share (placeholders, a household's
common number) show up among such pairs and keep u high, as they should: only a rare identifier gets strong.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

# Given and family names "clearly different": no level of the name comparisons short of their last applies
# (approximated: not equal, more than one slip apart, not similar by Jaro-Winkler, not swapped, no shared
# nickname).
_CLEARLY_DIFFERENT_NAMES = """
    l.given <> r.given and l.family <> r.family
    and damerau_levenshtein(l.given, r.given) > 1 and damerau_levenshtein(l.family, r.family) > 1
    and jaro_winkler_similarity(l.given, r.given) < 0.9 and jaro_winkler_similarity(l.family, r.family) < 0.88
    and l.given <> r.family and l.family <> r.given
    and coalesce(len(list_intersect(l.given_aliases, r.given_aliases)), 0) = 0
"""
_IDENTIFIERS = {"nhs_number": "nhs_valid", "ni_number": "ni_valid"}
_NAMED = ["given", "family", "given_aliases"]


def _else_u(comparison: dict[str, Any]) -> float:
    return float(comparison["comparison_levels"][-1]["u_probability"])


def _shared_among_different_names(prepared: pd.DataFrame, column: str, valid: str) -> tuple[int, int, int]:
    """(records with the identifier and both names, valid pairs sharing it, failing pairs sharing it), both
    counted only where the names are clearly different."""
    records = prepared.loc[
        prepared[column].notna() & prepared["given"].notna() & prepared["family"].notna(),
        ["unique_id", column, valid, *_NAMED],
    ]
    shared = records[records[column].duplicated(keep=False)]
    if shared.empty:
        return len(records), 0, 0
    with duckdb.connect() as db:
        db.register("shared", shared)
        valid_pairs, failing_pairs = db.execute(
            f"""select count(*) filter (where l.{valid}), count(*) filter (where not l.{valid})
            from shared l join shared r on l.{column} = r.{column} and l.unique_id < r.unique_id
            where {_CLEARLY_DIFFERENT_NAMES}"""  # noqa: S608 (column names are ours, not input)
        ).fetchall()[0]
    return len(records), int(valid_pairs), int(failing_pairs)


def refine_identifier_u(settings: dict[str, Any], prepared: pd.DataFrame) -> dict[str, Any]:
    """Lower the u of "same identifier" levels to their estimate among clearly different names (never raise
    it: the random-sampling estimate is an upper bound, inflated by the true matches it holds)."""
    comparisons = {c["output_column_name"]: c for c in settings["comparisons"]}
    names_differ = _else_u(comparisons["given_name"]) * _else_u(comparisons["family_name"])
    for column, valid in _IDENTIFIERS.items():
        records, valid_pairs, failing_pairs = _shared_among_different_names(prepared, column, valid)
        different_people = records * (records - 1) / 2 * names_differ
        if different_people < 1:
            continue
        same_valid, same_failing = comparisons[column]["comparison_levels"][1:3]
        for level, pairs in ((same_valid, valid_pairs), (same_failing, failing_pairs)):
            estimate = (pairs + 1) / different_people  # one pseudo-pair: no evidence is not certainty
            current = level.get("u_probability")
            if isinstance(current, float | int):
                level["u_probability"] = min(float(current), estimate)
    return settings
