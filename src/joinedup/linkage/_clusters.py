"""Clustering linked pairs into residents: union-find over edges in descending match probability.

A union is refused when it would put two records a reviewer said are different people (cannot-link) in
one resident, or when the two clusters' identity facts conflict (two different valid NHS numbers, dates of
birth a generation apart). The refusals stop chains such as husband - waste record "MR SMITH" - wife from
merging a household. Must-link pairs (a reviewer's decision) are always joined, first.

The outcome is that of a union-find taking the must-link pairs and then the edges one by one, strongest
first. At a million records that is done in two parts. Most components of the linking graph hold at most
one NHS and one NI number and no cannot-link pair: no union in them can be refused, so the component is the
cluster, found with arrays. Only the other components (about a tenth of the edges) go through the
union-find, edge by edge, in the same order. tests/linkage/test_clusters_reference.py checks the outcome
equals the plain union-find's (tests/linkage/clusters_reference.py) on random graphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from joinedup.linkage import _identity_facts
from joinedup.linkage._components import Codes, connected_components, smallest_per_group, string_ranks
from joinedup.linkage._identity_facts import FactTable, IdentityFacts, NodeFacts, identity_facts, node_facts


class _UnionFind:
    """Union-find over codes 0..count-1 that refuses unions across a cannot-link pair or conflicting facts."""

    def __init__(self, count: int, cannot_link: Iterable[tuple[int, int]], facts: Mapping[int, IdentityFacts]):
        self.parent = list(range(count))
        self.size = [1] * count
        self.apart: dict[int, set[int]] = {}
        for a, b in cannot_link:
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)
        self.facts = dict(facts)

    def find(self, code: int) -> int:
        parent = self.parent
        root = code
        while parent[root] != root:
            root = parent[root]
        while parent[code] != root:  # path compression
            parent[code], code = root, parent[code]
        return root

    def refuses(self, a: int, b: int) -> bool:
        if self.apart:
            small, large = (a, b) if len(self.apart.get(a, ())) <= len(self.apart.get(b, ())) else (b, a)
            if any(self.find(c) == large for c in self.apart.get(small, ())):
                return True
        fa, fb = self.facts.get(a), self.facts.get(b)
        return fa is not None and fb is not None and fa.conflicts_with(fb)

    def union(self, a: int, b: int) -> None:
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


def _objects(values: Iterable[str]) -> NDArray[np.object_]:
    if isinstance(values, pd.Series | pd.Index | np.ndarray):
        return np.asarray(values, dtype=object)
    return np.array(list(values), dtype=object)


def _pairs(pairs: list[tuple[str, str]]) -> NDArray[np.object_]:
    return np.array([x for pair in pairs for x in pair], dtype=object)


@dataclass(frozen=True)
class _Graph:
    """Every record numbered (codes in the order the per-edge union-find met them), the linking edges as codes."""

    ids: NDArray[np.object_]  # code -> unique id
    initial: int  # codes below this came in unique_ids or cannot_link: only they hold identity facts
    must: tuple[Codes, Codes]
    cannot: tuple[Codes, Codes]
    edges: tuple[Codes, Codes]
    facts: NodeFacts


def _graph(
    kept: pd.DataFrame,
    unique_ids: Iterable[str],
    must: list[tuple[str, str]],
    cannot: list[tuple[str, str]],
    facts: Mapping[str, IdentityFacts],
) -> _Graph:
    fact_ids = facts.unique_ids if isinstance(facts, FactTable) else np.array(list(facts), dtype=object)
    parts = [_objects(unique_ids), _pairs(cannot), _pairs(must), kept["unique_id_l"].to_numpy(dtype=object),
             kept["unique_id_r"].to_numpy(dtype=object), fact_ids]  # fmt: skip
    # One pass of hashing for every id; the facts' ids come last, so those of no record get codes >= count.
    codes, ids = pd.factorize(np.concatenate(parts))
    bounds = np.cumsum([0, *map(len, parts)])
    part = [codes[bounds[i] : bounds[i + 1]].astype(np.int64) for i in range(len(parts))]
    count = int(codes[: bounds[-2]].max(initial=-1)) + 1
    initial = int(codes[: bounds[2]].max(initial=-1)) + 1
    node = np.where(part[5] < count, part[5], -1)
    return _Graph(
        np.asarray(ids[:count], dtype=object), initial, (part[2][0::2], part[2][1::2]), (part[1][0::2], part[1][1::2]),
        (part[3], part[4]), node_facts(facts, node, count, initial),
    )  # fmt: skip


def _unsafe_components(graph: _Graph, component: Codes) -> NDArray[np.bool_]:
    """Components where some union could be refused: two different NHS or NI numbers, a cannot-link pair
    inside, or (with GENERATION_YEARS) birth years too far apart. Everywhere else every edge joins."""
    count, facts = len(graph.ids), graph.facts
    unsafe = np.zeros(count, dtype=bool)
    if len(facts.code):
        value_codes, distinct = pd.factorize(facts.value)
        spread = max(len(distinct), 1)
        held = np.unique((component[facts.code] * 2 + facts.kind) * spread + value_codes) // spread
        groups, numbers = np.unique(held, return_counts=True)
        unsafe[groups[numbers > 1] // 2] = True
    left, right = graph.cannot
    unsafe[component[left][component[left] == component[right]]] = True
    if _identity_facts.GENERATION_YEARS is not None:
        dated = np.flatnonzero(~np.isnan(facts.first_year[: graph.initial]))
        low, high = np.full(count, np.inf), np.full(count, -np.inf)
        np.minimum.at(low, component[dated], facts.first_year[dated])
        np.maximum.at(high, component[dated], np.fmax(facts.first_year[dated], facts.last_year[dated]))
        unsafe |= high - low > _identity_facts.GENERATION_YEARS
    return unsafe


def _edge_order(
    strength: NDArray[np.float64], left: Codes, right: Codes, ranks: Codes, years: NDArray[np.float64]
) -> Codes:
    """The order the union-find takes edges in: strongest first; between equally strong edges the one reaching
    the earlier-born person first (a record that does not say who it is, with no date of birth, and names a
    father and his son alike joins the father, the household's usual reference person); then by the ids, so
    the same input always gives the same clusters."""
    no_year = 9999
    born = np.fmin(years[left], years[right])
    born = np.where(np.isnan(born), no_year, born).astype(np.int64)
    return np.lexsort((ranks[right], ranks[left], born, -strength))


def _careful(graph: _Graph, inside: NDArray[np.bool_], strength: NDArray[np.float64], ranks: Codes) -> Codes:
    """The per-edge union-find over the records `inside` (whole components): each one's root record's code."""
    codes = np.flatnonzero(inside)
    local = np.full(len(graph.ids), -1, dtype=np.int64)
    local[codes] = np.arange(len(codes))
    cannot = [(a, b) for a, b in zip(local[graph.cannot[0]].tolist(), local[graph.cannot[1]].tolist(), strict=True)
              if a >= 0 and b >= 0]  # fmt: skip
    held = {i: f for i, f in enumerate(graph.facts.of(codes)) if f is not None}
    found = _UnionFind(len(codes), cannot, held)
    for a, b in zip(local[graph.must[0]].tolist(), local[graph.must[1]].tolist(), strict=True):
        if a >= 0:
            ra, rb = found.find(a), found.find(b)
            if ra != rb:
                found.union(ra, rb)
    rows = np.flatnonzero(inside[graph.edges[0]])
    left, right = graph.edges[0][rows], graph.edges[1][rows]
    order = _edge_order(strength[rows], left, right, ranks, graph.facts.first_year)
    for a, b in zip(local[left[order]].tolist(), local[right[order]].tolist(), strict=True):
        ra, rb = found.find(a), found.find(b)
        if ra != rb and not found.refuses(ra, rb):
            found.union(ra, rb)
    return codes[[found.find(i) for i in range(len(codes))]]


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
    frame = (
        pairs
        if isinstance(pairs, pd.DataFrame)
        else pd.DataFrame(list(pairs), columns=["unique_id_l", "unique_id_r", "match_probability"])
    )
    kept = frame[frame["match_probability"].to_numpy() >= threshold]
    graph = _graph(kept, unique_ids, list(must_link), list(cannot_link), facts or {})
    if not len(graph.ids):
        return {}
    group = connected_components(len(graph.ids), *map(np.concatenate, zip(graph.must, graph.edges, strict=True)))
    ranks = string_ranks(graph.ids.tolist())
    unsafe = _unsafe_components(graph, group)
    if unsafe.any():
        # By match weight where known (probabilities saturate at 1.0), to the nearest half bit.
        weighted = "match_weight" in kept.columns
        strength = kept["match_weight" if weighted else "match_probability"].to_numpy(dtype=np.float64)
        strength = np.round(strength * 2) / 2 if weighted else strength
        inside = unsafe[group]
        group[inside] = _careful(graph, inside, strength, ranks)  # each labelled by a member: no clashes
    keys = graph.ids[smallest_per_group(group, ranks)]
    return dict(zip(graph.ids.tolist(), keys.tolist(), strict=True))


__all__ = ["FactTable", "IdentityFacts", "cluster", "identity_facts"]
