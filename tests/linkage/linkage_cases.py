"""Shared helpers for linkage tests: canonical rows for hand-made people, valid NHS numbers, a sim frame."""

from __future__ import annotations

from functools import cache

import pandas as pd

from joinedup.linkage import LINK_COLUMNS


def row(source: str, record_id: str, **values: str) -> dict[str, str]:
    """One canonical record; every column not given is blank."""
    unknown = set(values) - set(LINK_COLUMNS)
    assert not unknown, f"not canonical columns: {unknown}"
    return {c: "" for c in LINK_COLUMNS} | {"source": source, "record_id": record_id} | values


def frame(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(LINK_COLUMNS))


def nhs_number(first_nine: str) -> str:
    """A valid NHS number from nine digits (the check digit appended); the nine must not give check 10."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    assert check != 10, "choose other digits: this prefix has no valid check digit"
    return first_nine + str(check)


@cache
def sim_place(people: int, seed: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """A synthetic place's records (canonical columns) and its truth: record unique id -> person id."""
    from joinedup.sim import SyntheticPlace  # tests may use the simulator; the linkage package never does

    rows: list[dict[str, str]] = []
    truth: dict[str, str] = {}
    for batch in SyntheticPlace(people=people, seed=seed).batches():
        rows.extend(batch.canonical_rows())
        truth.update({f"{batch.system}|{record}": person for record, person in batch.truth})
    return pd.DataFrame(rows, columns=list(LINK_COLUMNS)), truth
