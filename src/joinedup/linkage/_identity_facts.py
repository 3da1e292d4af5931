"""What each record says about who it is, for clustering: valid NHS and NI numbers and a birth year.

Two clusters whose facts conflict (two different valid NHS numbers, or NI numbers) are never joined: see
`_clusters`. A million records' facts are held as columns (FactTable), and turned into IdentityFacts objects
only for the few records whose clusters can conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from joinedup.linkage._components import Codes

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
        if GENERATION_YEARS is None or self.first_year is None or other.first_year is None:
            return False
        years = [y for y in (self.first_year, self.last_year, other.first_year, other.last_year) if y is not None]
        return max(years) - min(years) > GENERATION_YEARS

    def merged(self, other: IdentityFacts) -> IdentityFacts:
        years = [y for y in (self.first_year, self.last_year, other.first_year, other.last_year) if y is not None]
        return IdentityFacts(
            self.nhs_numbers | other.nhs_numbers,
            self.ni_numbers | other.ni_numbers,
            min(years) if years else None,
            max(years) if years else None,
        )


def _facts(nhs: str | None, ni: str | None, year: float) -> IdentityFacts:
    whole = None if year != year else int(year)  # NaN: unknown
    return IdentityFacts(frozenset() if nhs is None else frozenset([nhs]),
                         frozenset() if ni is None else frozenset([ni]), whole, whole)  # fmt: skip


class FactTable(Mapping[str, IdentityFacts]):
    """The identity facts of many records as columns: at most one NHS and one NI number a record (None where
    it holds no valid one) and a birth year (NaN where unknown). Reads like a dict of IdentityFacts, each
    built only when asked; `cluster` reads the columns."""

    def __init__(self, unique_ids: NDArray[np.object_], nhs: NDArray[np.object_], ni: NDArray[np.object_],
                 years: NDArray[np.float64]) -> None:  # fmt: skip
        self.unique_ids, self.nhs, self.ni, self.years = unique_ids, nhs, ni, years
        self._rows: dict[str, int] | None = None

    def at(self, rows: Codes) -> list[IdentityFacts]:
        """The facts in these rows."""
        nhs, ni, years = self.nhs[rows].tolist(), self.ni[rows].tolist(), self.years[rows].tolist()
        return [_facts(a, b, y) for a, b, y in zip(nhs, ni, years, strict=True)]

    def __getitem__(self, uid: str) -> IdentityFacts:
        if self._rows is None:
            self._rows = {u: i for i, u in enumerate(self.unique_ids.tolist())}
        return self.at(np.array([self._rows[uid]]))[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self.unique_ids.tolist())

    def __len__(self) -> int:
        return len(self.unique_ids)


def identity_facts(prepared: pd.DataFrame) -> FactTable:
    """Facts for each record of a prepared frame; records with none are left out."""
    has_facts = (prepared["nhs_valid"] | prepared["ni_valid"] | prepared["dob_year"].notna()).to_numpy()
    rows = prepared.loc[has_facts]
    nhs = rows["nhs_number"].to_numpy(dtype=object).copy()
    nhs[~rows["nhs_valid"].to_numpy(dtype=bool)] = None
    ni = rows["ni_number"].to_numpy(dtype=object).copy()
    ni[~rows["ni_valid"].to_numpy(dtype=bool)] = None
    return FactTable(rows["unique_id"].to_numpy(dtype=object), nhs, ni, rows["dob_year"].astype("float64").to_numpy())


@dataclass(frozen=True)
class NodeFacts:
    """Facts by record code (see `_clusters`): one row per (code, kind, value) held, and birth years."""

    code: Codes  # only codes whose facts the union-find holds
    kind: NDArray[np.int8]  # 0: NHS number, 1: NI number
    value: NDArray[np.object_]
    first_year: NDArray[np.float64]  # per code, NaN when unknown; for every code (they order the edges)
    last_year: NDArray[np.float64]
    of: Callable[[Codes], list[IdentityFacts | None]]  # the facts the union-find holds for some codes


def node_facts(facts: Mapping[str, IdentityFacts], node: Codes, count: int, initial: int) -> NodeFacts:
    """`facts` by code: `node[i]` is the code of the i-th record of `facts` (-1: not a node), `count` codes;
    like the union-find, only codes below `initial` hold facts that can refuse a union."""
    table = facts if isinstance(facts, FactTable) else None
    if table is not None:
        rows = np.arange(len(table))
        nhs_rows, ni_rows = rows[pd.notna(table.nhs)], rows[pd.notna(table.ni)]
        value_rows = np.concatenate([nhs_rows, ni_rows])
        kinds = np.repeat(np.array([0, 1], dtype=np.int8), [len(nhs_rows), len(ni_rows)])
        values = np.concatenate([table.nhs[nhs_rows], table.ni[ni_rows]])
        first = last = table.years
    else:
        held = [(i, k, v) for i, f in enumerate(facts.values()) for k, vs in enumerate((f.nhs_numbers, f.ni_numbers))
                for v in sorted(vs)]  # fmt: skip
        value_rows = np.array([h[0] for h in held], dtype=np.int64)
        kinds = np.array([h[1] for h in held], dtype=np.int8)
        values = np.array([h[2] for h in held], dtype=object)
        first = np.array([np.nan if f.first_year is None else f.first_year for f in facts.values()], dtype=float)
        last = np.array([np.nan if f.last_year is None else f.last_year for f in facts.values()], dtype=float)
    present = node >= 0
    first_year, last_year = np.full(count, np.nan), np.full(count, np.nan)
    first_year[node[present]], last_year[node[present]] = first[present], last[present]
    row_of = np.full(count, -1, dtype=np.int64)
    row_of[node[present]] = np.flatnonzero(present)
    row_of[initial:] = -1
    objects = list(facts.values()) if table is None else []

    def of(codes: Codes) -> list[IdentityFacts | None]:
        rows = row_of[codes]
        known = np.flatnonzero(rows >= 0)
        found = table.at(rows[known]) if table is not None else [objects[r] for r in rows[known].tolist()]
        held: list[IdentityFacts | None] = [None] * len(codes)
        for position, fact in zip(known.tolist(), found, strict=True):
            held[position] = fact
        return held

    value_node = node[value_rows] if len(value_rows) else np.empty(0, dtype=np.int64)
    usable = (value_node >= 0) & (value_node < initial)
    return NodeFacts(value_node[usable], kinds[usable], values[usable], first_year, last_year, of)
