"""The simple references for clustering: the per-edge union-find and the row-by-row occupier attachment that
`_clusters.cluster` and `_occupiers.attach_sparse_records` replaced with vectorised versions (kept verbatim
from before, apart from names). The tests check the fast versions against these on random inputs, as
Splink checks its connected components against networkx.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from joinedup.linkage._identity_facts import IdentityFacts
from joinedup.linkage._occupiers import (
    ASCENDING,
    OCCUPIER_RECORDS_PER_UPRN,
    OCCUPIER_UPRN_SHARE,
    ORDER,
    sparse_mask,
)


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


def reference_cluster(
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


def reference_occupier_sources(prepared: pd.DataFrame) -> set[str]:
    """Sources that keep one record per property (a bill, a bin round): they name each household's
    reference person. Found from the data: nearly every record has a UPRN and UPRNs rarely repeat."""
    stats = prepared.groupby("source").agg(records=("unique_id", "size"), with_uprn=("uprn", "count"),
                                           uprns=("uprn", "nunique"))  # fmt: skip
    occupier = (stats["with_uprn"] >= OCCUPIER_UPRN_SHARE * stats["records"]) & (
        stats["with_uprn"] <= OCCUPIER_RECORDS_PER_UPRN * stats["uprns"]
    )
    return set(stats.index[occupier])


def _location_keys(prepared: pd.DataFrame) -> pd.DataFrame:
    """(unique_id, key) for each location a record gives: its UPRN and its postcode with address line."""
    by_uprn = prepared.loc[prepared["uprn"].notna(), ["unique_id", "uprn"]]
    by_uprn = by_uprn.assign(key="u" + by_uprn.pop("uprn"))
    has_address = prepared["postcode"].notna() & prepared["address"].notna()
    by_address = prepared.loc[has_address, ["unique_id"]].assign(
        key="a" + prepared.loc[has_address, "postcode"] + " " + prepared.loc[has_address, "address"]
    )
    return pd.concat([by_uprn, by_address], ignore_index=True)


def reference_attach_sparse_records(
    clusters: dict[str, str], prepared: pd.DataFrame, decided: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Move each sparse record (except the `decided` ones) into the resident at its location with the
    strongest claim (see the module's doc)."""
    sparse = sparse_mask(prepared) & ~prepared["unique_id"].isin(decided)
    if not sparse.any():
        return clusters
    keys = _location_keys(prepared)
    keys["cluster"] = keys["unique_id"].map(clusters)
    is_sparse = keys["unique_id"].isin(set(prepared.loc[sparse, "unique_id"]))
    wanted, held = keys[is_sparse], keys[~is_sparse]
    candidates = (
        wanted[["unique_id", "key"]]
        .merge(held.rename(columns={"unique_id": "held_id"}), on="key")
        .drop_duplicates(["unique_id", "held_id"])  # a record at the same UPRN and address counts once
    )
    facts = prepared.set_index("unique_id")[["family_soundex", "dob_year", "email"]]
    candidates = candidates.join(facts, on="held_id").join(facts.add_suffix("_sparse"), on="unique_id")
    wanted_family = candidates["family_soundex_sparse"]
    candidates = candidates[wanted_family.isna() | (wanted_family == candidates["family_soundex"])]
    by_occupier_source = candidates["key"].str.startswith("u") & candidates["held_id"].map(
        prepared.set_index("unique_id")["source"]
    ).isin(reference_occupier_sources(prepared))
    best = (
        candidates.assign(occupier=by_occupier_source, email=candidates["email"] == candidates["email_sparse"])
        .groupby(["unique_id", "cluster"], as_index=False)
        .agg(
            email=("email", "sum"),
            occupier=("occupier", "sum"),
            records=("held_id", "size"),
            born=("dob_year", "min"),
        )
        .sort_values(["unique_id", *ORDER], ascending=[True, *ASCENDING])
        .drop_duplicates("unique_id")
    )
    attached = dict(clusters)
    attached.update(zip(best["unique_id"], best["cluster"], strict=True))
    return attached
