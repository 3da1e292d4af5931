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

import pandas as pd

ORDER = ["email", "occupier", "records", "born", "cluster"]
ASCENDING = [False, False, False, True, True]
OCCUPIER_UPRN_SHARE = 0.9  # an occupier source gives a UPRN on (nearly) every record...
OCCUPIER_RECORDS_PER_UPRN = 1.15  # ...and holds about one record per property


def sparse_mask(prepared: pd.DataFrame) -> pd.Series:
    """Records with a location but nothing that tells one member of the household from another."""
    personal = ["given", "dob", "nhs_number", "ni_number"]  # a contact e-mail alone does not say who
    located = prepared["uprn"].notna() | (prepared["postcode"].notna() & prepared["address"].notna())
    return prepared[personal].isna().all(axis=1) & located


def occupier_sources(prepared: pd.DataFrame) -> set[str]:
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


def attach_sparse_records(
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
    ).isin(occupier_sources(prepared))
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
