"""Clustering linked pairs into residents: union-find over edges in descending match probability.

A union is refused when it would put two records a reviewer said are different people (cannot-link) in
one resident, or when the two clusters' identity facts conflict (two different valid NHS numbers, dates of
birth a generation apart). The refusals stop chains such as husband - waste record "MR SMITH" - wife from
merging a household. Must-link pairs (a reviewer's decision) are always joined, first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

GENERATION_YEARS: int | None = None  # off: birth years a generation apart do not by themselves keep clusters
# apart, because some sources mistype or replace dates of birth (FEBRL); the model weighs that evidence per pair.
# Set a number of years (e.g. 15) to refuse such merges outright.


@dataclass(frozen=True, slots=True)
class IdentityFacts:
    """What one person has at most one of: valid NHS and NI numbers, and a birth year (give or take)."""

    nhs_numbers: frozenset[str] = frozenset()
    ni_numbers: frozenset[str] = frozenset()
    first_year: int | None = None
    last_year: int | None = None

    def conflicts_with(self, other: IdentityFacts) -> bool:
        if self.nhs_numbers and other.nhs_numbers and not self.nhs_numbers & other.nhs_numbers:
            return True
        if self.ni_numbers and other.ni_numbers and not self.ni_numbers & other.ni_numbers:
            return True
        years = [y for y in (self.first_year, self.last_year, other.first_year, other.last_year) if y is not None]
        if GENERATION_YEARS is None or self.first_year is None or other.first_year is None:
            return False
        return max(years) - min(years) > GENERATION_YEARS

    def merged(self, other: IdentityFacts) -> IdentityFacts:
        years = [y for y in (self.first_year, self.last_year, other.first_year, other.last_year) if y is not None]
        return IdentityFacts(
            self.nhs_numbers | other.nhs_numbers,
            self.ni_numbers | other.ni_numbers,
            min(years) if years else None,
            max(years) if years else None,
        )


def identity_facts(prepared: pd.DataFrame) -> dict[str, IdentityFacts]:
    """Facts for each record of a prepared frame; records with none are left out."""
    has_facts = (prepared["nhs_valid"] | prepared["ni_valid"] | prepared["dob_year"].notna()).to_numpy()
    rows = prepared.loc[has_facts, ["unique_id", "nhs_number", "nhs_valid", "ni_number", "ni_valid", "dob_year"]]
    facts: dict[str, IdentityFacts] = {}
    for uid, nhs, nhs_ok, ni, ni_ok, year in rows.itertuples(index=False, name=None):
        birth_year = None if pd.isna(year) else int(year)
        facts[uid] = IdentityFacts(
            frozenset([nhs]) if nhs_ok else frozenset(),
            frozenset([ni]) if ni_ok else frozenset(),
            birth_year,
            birth_year,
        )
    return facts


class _UnionFind:
    def __init__(self, ids: Iterable[str], cannot_link: Iterable[tuple[str, str]], facts: Mapping[str, IdentityFacts]):
        self.parent: dict[str, str] = {i: i for i in ids}
        self.size: dict[str, int] = dict.fromkeys(self.parent, 1)
        self.apart: dict[str, set[str]] = {}
        for a, b in cannot_link:
            self.add(a)
            self.add(b)
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)
        self.facts: dict[str, IdentityFacts] = {k: v for k, v in facts.items() if k in self.parent}

    def add(self, uid: str) -> None:
        if uid not in self.parent:
            self.parent[uid] = uid
            self.size[uid] = 1

    def find(self, uid: str) -> str:
        root = uid
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[uid] != root:  # path compression
            self.parent[uid], uid = root, self.parent[uid]
        return root

    def refuses(self, a: str, b: str) -> bool:
        small, large = (a, b) if len(self.apart.get(a, ())) <= len(self.apart.get(b, ())) else (b, a)
        if any(self.find(c) == large for c in self.apart.get(small, ())):
            return True
        fa, fb = self.facts.get(a), self.facts.get(b)
        return fa is not None and fb is not None and fa.conflicts_with(fb)

    def union(self, a: str, b: str) -> None:
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        if b in self.apart:
            self.apart.setdefault(a, set()).update(self.apart.pop(b))
        fb = self.facts.pop(b, None)
        if fb is not None:
            fa = self.facts.get(a)
            self.facts[a] = fb if fa is None else fa.merged(fb)


def _edges(
    pairs: pd.DataFrame | Iterable[tuple[str, str, float]], threshold: float, facts: Mapping[str, IdentityFacts]
) -> list[tuple[str, str]]:
    frame = (
        pairs
        if isinstance(pairs, pd.DataFrame)
        else pd.DataFrame(list(pairs), columns=["unique_id_l", "unique_id_r", "match_probability"])
    )
    kept = frame[frame["match_probability"].to_numpy() >= threshold]
    left = kept["unique_id_l"].to_numpy(dtype=object)
    right = kept["unique_id_r"].to_numpy(dtype=object)
    # Strongest first: by match weight where known (probabilities saturate at 1.0), to the nearest half bit.
    strength = kept["match_weight" if "match_weight" in kept.columns else "match_probability"].to_numpy()
    strength = np.round(strength * 2) / 2 if "match_weight" in kept.columns else strength
    # Between equally strong edges the one reaching the earlier-born person goes first: a record that does
    # not say who it is (no date of birth) and names a father and his son alike joins the father, the
    # household's usual reference person. Then by the ids, so the same input always gives the same clusters.
    no_year = 9999
    years = pd.Series({uid: f.first_year for uid, f in facts.items() if f.first_year is not None}, dtype="float64")
    born_left = pd.Series(left).map(years).fillna(no_year).to_numpy(dtype=np.int64)
    born_right = pd.Series(right).map(years).fillna(no_year).to_numpy(dtype=np.int64)
    born = np.minimum(born_left, born_right)
    order = np.lexsort((right.astype(str), left.astype(str), born, -strength))
    return list(zip(left[order].tolist(), right[order].tolist(), strict=True))


def cluster(
    pairs: pd.DataFrame | Iterable[tuple[str, str, float]],
    unique_ids: Iterable[str],
    threshold: float,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    facts: Mapping[str, IdentityFacts] | None = None,
) -> dict[str, str]:
    """Record unique id -> cluster key (the smallest unique id in its cluster), for every record.

    `pairs` holds unique_id_l, unique_id_r and match_probability (a DataFrame or triples); pairs at or
    above `threshold` are joined, strongest first, unless a cannot-link pair or conflicting `facts` forbid it.
    """
    facts = facts or {}
    found = _UnionFind(unique_ids, cannot_link, facts)
    for a, b in must_link:
        found.add(a)
        found.add(b)
        ra, rb = found.find(a), found.find(b)
        if ra != rb:
            found.union(ra, rb)
    for a, b in _edges(pairs, threshold, facts):
        found.add(a)
        found.add(b)
        ra, rb = found.find(a), found.find(b)
        if ra != rb and not found.refuses(ra, rb):
            found.union(ra, rb)
    members: dict[str, list[str]] = {}
    for uid in found.parent:
        members.setdefault(found.find(uid), []).append(uid)
    return {uid: min(group) for group in members.values() for uid in group}
