"""A resident's records, found fast, to refuse joins that a different valid identifier contradicts.

The model weighs two different valid identifiers strongly against a pair, but only pairwise: a record
without an NHS number can score high against one record of a resident while another record of the same
resident holds an NHS number different from the new record's. One person has one NHS number, so the
real-time matcher looks at the whole resident: it does not join a record carrying a valid identifier to a
resident holding a different valid one of the same kind, and sends it to review instead.

`ResidentRows` finds a resident's rows without a Python loop over a million records: the population's
residents are factorised and their rows sorted by resident once (numpy), records added later go into a
small dictionary of their own. `identifier_conflict` is the pure rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

# (identifier column, its validity flag, words for reasons) as `prepare` makes them.
IDENTIFIERS: tuple[tuple[str, str, str], ...] = (
    ("nhs_number", "nhs_valid", "NHS number"),
    ("ni_number", "ni_valid", "NI number"),
)


class ResidentRows:
    """Row numbers of each resident's records: the population's sorted once, later ones in a dictionary."""

    def __init__(self, residents: Sequence[str]) -> None:
        codes, uniques = pd.factorize(np.asarray(residents, dtype=object))
        self._code: dict[str, int] = dict(zip(uniques.tolist(), range(len(uniques)), strict=True))
        self._order = np.argsort(codes, kind="stable")
        self._sorted = codes[self._order]
        self._added: dict[str, list[int]] = {}

    def add(self, resident: str, row: int) -> None:
        self._added.setdefault(resident, []).append(row)

    def rows_of(self, resident: str) -> list[int]:
        """Every row ever given to the resident (the caller skips rows a newer version has replaced)."""
        rows = list(self._added.get(resident, ()))
        code = self._code.get(resident)
        if code is not None:
            first, last = np.searchsorted(self._sorted, code, "left"), np.searchsorted(self._sorted, code, "right")
            rows = self._order[first:last].tolist() + rows
        return rows


def valid_identifiers(
    record: Mapping[str, Any], identifiers: Sequence[tuple[str, str, str]] = IDENTIFIERS
) -> dict[str, Any]:
    """The valid identifiers a prepared record carries, by column."""
    return {
        column: record[column]
        for column, flag, _ in identifiers
        if record.get(column) is not None and record.get(flag) is True
    }


def identifier_conflict(
    record: Mapping[str, Any],
    resident_records: Iterable[Mapping[str, Any]],
    identifiers: Sequence[tuple[str, str, str]] = IDENTIFIERS,
) -> str | None:
    """Words for the first kind of valid identifier the record carries and the resident holds a different
    valid value of (in any of its records), else None. Names no value, so it can be logged and stored."""
    mine = valid_identifiers(record, identifiers)
    if not mine:
        return None
    for other in resident_records:
        theirs = valid_identifiers(other, identifiers)
        for column, value in mine.items():
            if column in theirs and theirs[column] != value:
                words = next(w for c, _, w in identifiers if c == column)
                return f"the resident holds a different valid {words}"
    return None
