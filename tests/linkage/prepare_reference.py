"""The simple reference for prepare(): each column cleaned once per distinct value by pandas, derived columns
from the cleaned columns (kept verbatim from before `_prepare.prepare` was made faster, apart from names).
tests/linkage/test_prepare_reference.py checks the two agree on random records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from joinedup.linkage import _normalise as clean
from joinedup.linkage._columns import LINK_COLUMNS, UNIQUE_ID_SEPARATOR
from joinedup.linkage._errors import LinkageError
from joinedup.linkage._prepare import PREPARED_COLUMNS


def _per_distinct(values: pd.Series, function: Callable[[str], Any]) -> pd.Series:
    """function(value) for each value, computed once per distinct value; blanks and NaN give None."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    results = np.empty(len(distinct) + 1, dtype=object)
    for i, value in enumerate(distinct):
        text = str(value).strip()
        result = function(text) if text else None
        results[i] = result if result not in ("", []) else None
    results[-1] = None  # code -1 (NaN) picks the last slot
    return pd.Series(results[codes], index=values.index, dtype=object)


def _derive(values: pd.Series, function: Callable[[str], Any]) -> pd.Series:
    """function over an already-cleaned column (None stays None)."""
    return _per_distinct(values, function)


def _dates(raw: pd.Series) -> pd.DataFrame:
    """ISO dates; placeholders such as 1900-01-01 count as missing (and are flagged)."""
    iso = _per_distinct(raw, clean.iso_date)
    placeholder = iso.isin(clean.PLACEHOLDER_DATES).to_numpy()
    dob = iso.where(~placeholder, None)
    return pd.DataFrame(
        {
            "dob": dob,
            "dob_swapped": _derive(dob, lambda d: f"{d[0:5]}{d[8:10]}-{d[5:7]}"),
            "dob_year": pd.to_numeric(_derive(dob, lambda d: d[0:4]), errors="coerce").astype("Int64"),
            "dob_jan_first": _derive(dob, lambda d: d[5:10] == "01-01").eq(True),
            "dob_placeholder": placeholder,
        },
        index=raw.index,
    )


def check_columns(frame: pd.DataFrame) -> None:
    missing = [c for c in LINK_COLUMNS if c not in frame.columns]
    if missing:
        raise LinkageError(f"the records lack the column(s) {', '.join(missing)}")


def reference_prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Clean canonical person records and derive the features the model compares (one row per record).

    Identifiers that fail their format check keep their value and are flagged (`nhs_valid`, `ni_valid`):
    they still count as evidence, weighted as the model learnt for invalid identifiers.
    """
    check_columns(frame)
    frame = frame.reset_index(drop=True)
    source = frame["source"].fillna("").astype(str).str.strip()
    record_id = frame["record_id"].fillna("").astype(str).str.strip()
    blank = (source == "") | (record_id == "")
    if blank.any():
        rows = [int(i) for i in frame.index[blank][:5]]
        raise LinkageError(f"records at row(s) {rows} have no source or record_id")
    given = _per_distinct(frame["given_name"], clean.name)
    middle = _per_distinct(frame["middle_name"], clean.name)
    family = _per_distinct(frame["family_name"], clean.name)
    nhs_number = _per_distinct(frame["nhs_number"], clean.digits)
    ni_number = _per_distinct(frame["ni_number"], clean.upper_alphanumeric)
    nhs_codes, nhs_distinct = pd.factorize(nhs_number)
    sex = _per_distinct(frame["sex"], lambda s: s[:1].lower() if s[:1].lower() in ("f", "m") else "")
    prepared = pd.DataFrame(
        {
            "unique_id": source + UNIQUE_ID_SEPARATOR + record_id,
            "source": source,
            "record_id": record_id,
            "given": given,
            "given_aliases": _derive(given, clean.name_aliases),
            "given_stem": _derive(given, clean.name_stem),
            "given_initial": _derive(given, lambda n: n[:1]),
            "given_soundex": _derive(given, clean.soundex),
            "middle": middle,
            "middle_initial": _derive(middle, lambda n: n[:1]),
            "family": family,
            "family_soundex": _derive(family, clean.soundex),
        }
    )
    prepared = pd.concat([prepared, _dates(frame["date_of_birth"])], axis=1)
    prepared["sex"] = sex
    prepared["uprn"] = _per_distinct(frame["uprn"], lambda u: clean.digits(u).lstrip("0"))
    prepared["postcode"] = _per_distinct(frame["postcode"], clean.upper_alphanumeric)
    prepared["address"] = _per_distinct(frame["address_line_1"], clean.address_line)
    prepared["town"] = _per_distinct(frame["town"], clean.name)
    prepared["nhs_number"] = nhs_number
    nhs_valid = np.append(clean.nhs_numbers_valid(np.asarray(nhs_distinct, dtype=object)), False)
    prepared["nhs_valid"] = nhs_valid[nhs_codes]
    prepared["ni_number"] = ni_number
    prepared["ni_valid"] = _derive(ni_number, clean.ni_number_is_valid).eq(True)
    prepared["email"] = _per_distinct(frame["email"], str.lower)
    duplicated = prepared["unique_id"].duplicated()
    if duplicated.any():
        raise LinkageError(f"{int(duplicated.sum())} record ids repeat within a source")
    return prepared[list(PREPARED_COLUMNS)]
