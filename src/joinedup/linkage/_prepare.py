"""prepare(): canonical person records -> the cleaned and derived columns the linkage model compares.

A place has a million records but far fewer distinct names, dates and addresses. So each raw column is
factorised once (every record gets the code of its value), each cleaning function runs once per distinct
value, each derived column (aliases, soundex, swapped date...) once per distinct cleaned value, and the
results reach the records in one take by code at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from joinedup.linkage import _normalise as clean
from joinedup.linkage._columns import LINK_COLUMNS, UNIQUE_ID_SEPARATOR
from joinedup.linkage._errors import LinkageError

# The columns prepare() adds, each documented in docs/linkage.md.
PREPARED_COLUMNS: tuple[str, ...] = (
    "unique_id", "source", "record_id",
    "given", "given_aliases", "given_stem", "given_initial", "given_soundex",
    "middle", "middle_initial", "family", "family_soundex",
    "dob", "dob_swapped", "dob_year", "dob_jan_first", "dob_placeholder",
    "sex", "uprn", "postcode", "address", "town",
    "nhs_number", "nhs_valid", "ni_number", "ni_valid", "email",
)  # fmt: skip

Objects = NDArray[np.object_]


class _Column:
    """One raw column as codes into its distinct values; `clean` and `then` give one value per distinct value
    (an array one longer than the distinct values: the last slot, for code -1, is a missing value)."""

    def __init__(self, raw: pd.Series) -> None:
        codes, distinct = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=True)
        self.codes: NDArray[np.intp] = np.asarray(codes, dtype=np.intp)
        self.distinct: list[Any] = list(distinct)

    def clean(self, function: Callable[[str], Any]) -> Objects:
        """function(value) for each distinct value; blanks give None, as do results "" and []."""
        results = _slots([None] * len(self.distinct))
        todo = np.arange(len(self.distinct))
        array_form = clean.ASCII_ARRAY_FORMS.get(function)
        if array_form is not None and all(type(value) is str for value in self.distinct):
            # Distinct values can be many (NHS numbers, UPRNs): the ASCII ones go through Arrow at once.
            try:
                text = pa.array(self.distinct, type=pa.string())
            except (pa.ArrowException, UnicodeEncodeError):  # e.g. lone surrogates: the slow way for all
                text = None
            if text is not None:
                ascii = pc.string_is_ascii(text).to_numpy(zero_copy_only=False)
                done = array_form(text.filter(ascii)).to_numpy(zero_copy_only=False)
                done[done == ""] = None
                results[np.flatnonzero(ascii)] = done
                todo = np.flatnonzero(~ascii)
        distinct = self.distinct
        results[todo] = _slots([_apply(function, str(distinct[i]).strip()) for i in todo.tolist()])[:-1]
        return results

    def records(self, per_distinct: Objects) -> Objects:
        return per_distinct[self.codes]


def _apply(function: Callable[[str], Any], text: str) -> Any:
    result = function(text) if text else None
    return result if result not in ("", []) else None


def _slots(results: list[Any]) -> Objects:
    """The results, then None: code -1 (a missing value) picks the last slot."""
    return np.fromiter([*results, None], dtype=object, count=len(results) + 1)


def _then(cleaned: Objects, function: Callable[[str], Any]) -> Objects:
    """function over already-cleaned values (None stays None), once per distinct cleaned value."""
    done: dict[Any, Any] = {}
    results = np.empty(len(cleaned), dtype=object)
    for i, value in enumerate(cleaned.tolist()):
        if value is None:
            continue
        if value not in done:
            done[value] = _apply(function, str(value).strip())
        results[i] = done[value]
    return results


def check_columns(frame: pd.DataFrame) -> None:
    missing = [c for c in LINK_COLUMNS if c not in frame.columns]
    if missing:
        raise LinkageError(f"the records lack the column(s) {', '.join(missing)}")


def _text(raw: pd.Series) -> Objects:
    """Each value as trimmed text, "" when missing."""
    values = raw.tolist()
    try:
        return np.array([value.strip() for value in values], dtype=object)  # nearly always all text
    except (AttributeError, TypeError):
        pass
    missing = raw.isna().to_numpy()
    return np.array(["" if gone else str(v).strip() for v, gone in zip(raw.tolist(), missing.tolist(), strict=True)],
                    dtype=object)  # fmt: skip


def _names(frame: pd.DataFrame) -> dict[str, Any]:
    given, middle, family = (_Column(frame[c]) for c in ("given_name", "middle_name", "family_name"))
    given_clean, middle_clean, family_clean = (
        given.clean(clean.name),
        middle.clean(clean.name),
        family.clean(clean.name),
    )
    return {
        "given": given.records(given_clean),
        "given_aliases": given.records(_then(given_clean, clean.name_aliases)),
        "given_stem": given.records(_then(given_clean, clean.name_stem)),
        "given_initial": given.records(_then(given_clean, lambda n: n[:1])),
        "given_soundex": given.records(_then(given_clean, clean.soundex)),
        "middle": middle.records(middle_clean),
        "middle_initial": middle.records(_then(middle_clean, lambda n: n[:1])),
        "family": family.records(family_clean),
        "family_soundex": family.records(_then(family_clean, clean.soundex)),
    }


def _dates(raw: pd.Series) -> dict[str, Any]:
    """ISO dates; placeholders such as 1900-01-01 count as missing (and are flagged)."""
    column = _Column(raw)
    iso = column.clean(clean.iso_date)
    placeholder = np.array([d in clean.PLACEHOLDER_DATES for d in iso.tolist()], dtype=bool)
    dob = iso.copy()
    dob[placeholder] = None
    year = np.array([np.nan if d is None else float(d[0:4]) for d in dob.tolist()])  # iso_date gives digits
    return {
        "dob": column.records(dob),
        "dob_swapped": column.records(_then(dob, lambda d: f"{d[0:5]}{d[8:10]}-{d[5:7]}")),
        "dob_year": pd.array(column.records(year), dtype="Int64"),
        "dob_jan_first": column.records(_then(dob, lambda d: d[5:10] == "01-01")) == True,  # noqa: E712 (None: False)
        "dob_placeholder": placeholder[column.codes],
    }


def _identifiers(frame: pd.DataFrame) -> dict[str, Any]:
    nhs, ni = _Column(frame["nhs_number"]), _Column(frame["ni_number"])
    nhs_clean, ni_clean = nhs.clean(clean.digits), ni.clean(clean.upper_alphanumeric)
    nhs_valid = np.zeros(len(nhs_clean), dtype=bool)
    present = np.flatnonzero(nhs_clean != None)  # noqa: E711 (elementwise)
    nhs_valid[present] = clean.nhs_numbers_valid(nhs_clean[present])
    return {
        "nhs_number": nhs.records(nhs_clean),
        "nhs_valid": nhs_valid[nhs.codes],
        "ni_number": ni.records(ni_clean),
        "ni_valid": ni.records(_then(ni_clean, clean.ni_number_is_valid)) == True,  # noqa: E712 (None: False)
    }


def _places(frame: pd.DataFrame) -> dict[str, Any]:
    columns = {"uprn": ("uprn", clean.uprn),
               "postcode": ("postcode", clean.upper_alphanumeric), "address": ("address_line_1", clean.address_line),
               "town": ("town", clean.name)}  # fmt: skip
    places = {}
    for name, (raw, function) in columns.items():
        column = _Column(frame[raw])
        places[name] = column.records(column.clean(function))
    return places


def _sex(value: str) -> str:
    return value[:1].lower() if value[:1].lower() in ("f", "m") else ""


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Clean canonical person records and derive the features the model compares (one row per record).

    Identifiers that fail their format check keep their value and are flagged (`nhs_valid`, `ni_valid`):
    they still count as evidence, weighted as the model learnt for invalid identifiers.
    """
    check_columns(frame)
    frame = frame.reset_index(drop=True)
    source, record_id = _text(frame["source"]), _text(frame["record_id"])
    blank = (source == "") | (record_id == "")
    if blank.any():
        rows = [int(i) for i in np.flatnonzero(blank)[:5]]
        raise LinkageError(f"records at row(s) {rows} have no source or record_id")
    pairs = zip(source.tolist(), record_id.tolist(), strict=True)
    unique_id = np.array([f"{s}{UNIQUE_ID_SEPARATOR}{r}" for s, r in pairs], dtype=object)
    sex, email = _Column(frame["sex"]), _Column(frame["email"])
    columns = (
        {"unique_id": unique_id, "source": source, "record_id": record_id}
        | _names(frame)
        | _dates(frame["date_of_birth"])
        | {"sex": sex.records(sex.clean(_sex))}
        | _places(frame)
        | _identifiers(frame)
        | {"email": email.records(email.clean(str.lower))}
    )
    # copy=False: each column stays its own array (no copying a million rows into one 2-D block).
    prepared = pd.DataFrame({name: columns[name] for name in PREPARED_COLUMNS}, copy=False)
    duplicated = prepared["unique_id"].duplicated()
    if duplicated.any():
        raise LinkageError(f"{int(duplicated.sum())} record ids repeat within a source")
    return prepared
