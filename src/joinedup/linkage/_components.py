"""Array helpers for clustering a million records: connected components and string ranks, in numpy.

Records are numbered 0..n-1 (codes); edges are two int arrays of codes. Nothing here knows about records.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

Codes = NDArray[np.int64]


def connected_components(count: int, left: Codes, right: Codes) -> Codes:
    """The smallest code in each code's connected component (`count` codes; edges `left[i]`-`right[i]`).

    Hook and compress (Shiloach-Vishkin): every root joins the smallest root an edge offers it, then every
    code points straight at its root; edges inside one component drop out. Pointers only ever go down, so a
    component ends with its smallest code as the root. A few rounds suffice even for long chains, because
    compressing halves every path.
    """
    label = np.arange(count, dtype=np.int64)
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    while len(left):
        low = np.minimum(label[left], label[right])
        high = np.maximum(label[left], label[right])
        apart = low != high
        left, right, low, high = left[apart], right[apart], low[apart], high[apart]
        if not len(left):
            break
        np.minimum.at(label, high, low)  # each root hooks under the smallest root offered
        while True:  # compress: point every code at its root
            hop = label[label]
            if np.array_equal(hop, label):
                break
            label = hop
    return label


def string_ranks(values: list[str]) -> Codes:
    """Each string's position in sorted order (Python's order: by code point), ties broken by position."""
    try:
        order = pc.sort_indices(pa.array(values, type=pa.string())).to_numpy()  # UTF-8 bytes sort as code points
    except (pa.ArrowException, UnicodeEncodeError):  # e.g. lone surrogates, which UTF-8 cannot hold
        order = np.argsort(np.array(values, dtype=object), kind="stable")
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(len(values), dtype=np.int64)
    return ranks


def smallest_per_group(groups: Codes, ranks: Codes) -> Codes:
    """For each element, the element of its group with the smallest rank (groups: codes in 0..len-1)."""
    best = np.full(len(groups), len(groups), dtype=np.int64)
    np.minimum.at(best, groups, ranks)
    by_rank = np.empty(len(ranks), dtype=np.int64)
    by_rank[ranks] = np.arange(len(ranks), dtype=np.int64)
    return by_rank[best[groups]]
