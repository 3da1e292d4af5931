"""Records that name nobody in particular ("The Occupier", "MRS PATEL" at a property) join a resident there.

Such a record has no given name, no date of birth and no identifier, so pairwise scores cannot tell the
people at the address apart: every household member scores the same. It is the household's reference
person that property-level systems name (the one billed, the one registered as occupier), so the record
joins a resident at that location (with the record's family name, when it has one), chosen in this order:
the one with the record's contact e-mail, then one named by another occupier source (see occupier_sources)
at the UPRN, then the one with most records there, then the earliest born, then the smallest cluster key.
Records a reviewer has decided about are left where the decisions put them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from joinedup.linkage._components import string_ranks

ORDER = ["email", "occupier", "records", "born", "cluster"]
ASCENDING = [False, False, False, True, True]
OCCUPIER_UPRN_SHARE = 0.9  # an occupier source gives a UPRN on (nearly) every record...
OCCUPIER_RECORDS_PER_UPRN = 1.15  # ...and holds about one record per property


def sparse_mask(prepared: pd.DataFrame) -> pd.Series:
    """Records with a location but nothing that tells one member of the household from another."""
    personal = ["given", "dob", "nhs_number", "ni_number"]  # a contact e-mail alone does not say who
    located = prepared["uprn"].notna() | (prepared["postcode"].notna() & prepared["address"].notna())
    return prepared[personal].isna().all(axis=1) & located


def _codes(values: pd.Series) -> NDArray[np.int64]:
    """Each value's code (equal values, equal codes); -1 for a missing value."""
    codes: NDArray[np.int64] = np.asarray(pd.factorize(values.to_numpy(dtype=object))[0], dtype=np.int64)
    return codes


def occupier_sources(prepared: pd.DataFrame) -> set[str]:
    """Sources that keep one record per property (a bill, a bin round): they name each household's
    reference person. Found from the data: nearly every record has a UPRN and UPRNs rarely repeat."""
    source_codes, sources = pd.factorize(prepared["source"].to_numpy(dtype=object))
    uprn = _codes(prepared["uprn"])
    records = np.bincount(source_codes, minlength=len(sources))
    with_uprn = np.bincount(source_codes[uprn >= 0], minlength=len(sources))
    held = np.unique(source_codes[uprn >= 0].astype(np.int64) * (uprn.max() + 1) + uprn[uprn >= 0])
    uprns = np.bincount(held // (uprn.max() + 1), minlength=len(sources))
    occupier = (with_uprn >= OCCUPIER_UPRN_SHARE * records) & (with_uprn <= OCCUPIER_RECORDS_PER_UPRN * uprns)
    return {str(s) for s in sources[occupier]}


def _locations(prepared: pd.DataFrame) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """(record row, location code, by UPRN?) for each location a record gives: its UPRN, and its postcode
    with address line. UPRN rows come first."""
    uprn = _codes(prepared["uprn"])
    postcode, address = _codes(prepared["postcode"]), _codes(prepared["address"])
    has_address = (postcode >= 0) & (address >= 0)
    place = np.full(len(prepared), -1, dtype=np.int64)
    place[has_address] = pd.factorize(postcode[has_address] * (address.max() + 1) + address[has_address])[0]
    by_uprn, by_address = np.flatnonzero(uprn >= 0), np.flatnonzero(has_address)
    rows = np.concatenate([by_uprn, by_address])
    codes = np.concatenate([uprn[by_uprn], place[by_address] + uprn.max() + 1])
    return rows, codes, np.arange(len(rows)) < len(by_uprn)


def _candidates(
    prepared: pd.DataFrame, sparse: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Every (sparse record, other record at one of its locations) once, and whether they share a UPRN."""
    rows, codes, by_uprn = _locations(prepared)
    wanted, held = sparse[rows], ~sparse[rows]
    held_rows, held_codes = rows[held], codes[held]
    order = np.argsort(held_codes, kind="stable")
    held_rows, held_codes = held_rows[order], held_codes[order]
    start = np.searchsorted(held_codes, codes[wanted], side="left")
    count = np.searchsorted(held_codes, codes[wanted], side="right") - start
    first = np.repeat(start - np.cumsum(count) + count, count)
    pick = first + np.arange(count.sum())  # each wanted row's run of held rows with its location
    sparse_row, other_row = np.repeat(rows[wanted], count), held_rows[pick]
    shares_uprn = np.repeat(by_uprn[wanted], count)
    # A record at the same UPRN and address counts once, as at the UPRN.
    key = sparse_row * len(prepared) + other_row
    order = np.lexsort((~shares_uprn, key))
    once = np.ones(len(order), dtype=bool)
    once[1:] = key[order][1:] != key[order][:-1]
    chosen = order[once]
    return sparse_row[chosen], other_row[chosen], shares_uprn[chosen]


def attach_sparse_records(
    clusters: dict[str, str], prepared: pd.DataFrame, decided: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Move each sparse record (except the `decided` ones) into the resident at its location with the
    strongest claim (see the module's doc). Works on row numbers and codes, not ids: a million records."""
    uids = prepared["unique_id"].to_numpy(dtype=object)
    sparse = (sparse_mask(prepared) & ~prepared["unique_id"].isin(decided)).to_numpy(dtype=bool)
    if not sparse.any():
        return clusters
    wanted, held, by_uprn = _candidates(prepared, sparse)
    offering = np.unique(held)  # only records at a sparse record's location need their cluster looked up
    cluster_codes = np.full(len(uids), -1, dtype=np.int64)
    offered = np.array([clusters.get(uid) for uid in uids[offering].tolist()], dtype=object)
    cluster_codes[offering], cluster_keys = pd.factorize(offered)
    family = _codes(prepared["family_soundex"])
    same_family = (family[wanted] < 0) | (family[wanted] == family[held])
    keep = same_family & (cluster_codes[held] >= 0)  # a record in no cluster offers none
    wanted, held, by_uprn = wanted[keep], held[keep], by_uprn[keep]
    email = _codes(prepared["email"])
    occupier = by_uprn & prepared["source"].isin(occupier_sources(prepared)).to_numpy(dtype=bool)[held]
    claim = wanted * len(cluster_keys) + cluster_codes[held]
    claims, which = np.unique(claim, return_inverse=True)
    if not len(claims):
        return dict(clusters)
    emails = np.bincount(which, weights=(email[wanted] >= 0) & (email[wanted] == email[held]), minlength=len(claims))
    occupiers = np.bincount(which, weights=occupier, minlength=len(claims))
    records = np.bincount(which, minlength=len(claims))
    born = np.full(len(claims), np.inf)  # no date of birth sorts last
    np.fmin.at(born, which, prepared["dob_year"].astype("float64").to_numpy()[held])
    record, cluster_code = claims // len(cluster_keys), claims % len(cluster_keys)
    key_rank = string_ranks(cluster_keys.tolist())  # the last tie-break: the smallest cluster key
    order = np.lexsort((key_rank[cluster_code], born, -records, -occupiers, -emails, record))
    best = order[np.r_[True, record[order][1:] != record[order][:-1]]]
    attached = dict(clusters)
    attached.update(zip(uids[record[best]].tolist(), cluster_keys[cluster_code[best]].tolist(), strict=True))
    return attached
