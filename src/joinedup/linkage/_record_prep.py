"""prepare() for one record, without pandas: the same cleaning functions, called directly on its values.

`_prepare.prepare` is written for a million rows (a DataFrame, each function once per distinct value) and
costs several milliseconds for one. Real-time matching prepares one record a call, so this mirrors it value
by value: the same functions from `_normalise`, the same rules for blanks (a value that is missing, blank
after trimming, or cleans to "" or [] is None) and the same derived columns. tests/linkage/test_record_prep.py
checks it equals `prepare` on random records, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from joinedup.linkage import _normalise as clean
from joinedup.linkage._columns import UNIQUE_ID_SEPARATOR
from joinedup.linkage._errors import LinkageError


def _missing(value: Any) -> bool:
    """What pandas.factorize treats as missing: None, NaN, pandas' NA and NaT."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def _apply(value: Any, function: Callable[[str], Any]) -> Any:
    """`_prepare._per_distinct` for one value."""
    if _missing(value):
        return None
    text = str(value).strip()
    result = function(text) if text else None
    return None if result in ("", []) else result


@lru_cache(maxsize=1 << 14)
def _given(value: str) -> tuple[Any, ...]:
    """A cleaned given name's derived columns, cached: names repeat."""
    given = _apply(value, clean.name)
    if given is None:
        return None, None, None, None, None
    aliases = _apply(given, clean.name_aliases)
    return given, aliases, _apply(given, clean.name_stem), _apply(given, lambda n: n[:1]), _apply(given, clean.soundex)


def _sex(value: str) -> str:
    return value[:1].lower() if value[:1].lower() in ("f", "m") else ""


def prepare_one(record: Mapping[str, Any]) -> dict[str, Any]:
    """One canonical record (a mapping of LINK_COLUMNS) as `prepare` would prepare it, as a dict of its columns."""
    source = "" if _missing(record.get("source")) else str(record.get("source")).strip()
    record_id = "" if _missing(record.get("record_id")) else str(record.get("record_id")).strip()
    if not source or not record_id:
        raise LinkageError("records at row(s) [0] have no source or record_id")
    raw_given = record.get("given_name")
    given, aliases, stem, initial, given_soundex = (
        _given(str(raw_given)) if not _missing(raw_given) else (None, None, None, None, None)
    )
    middle = _apply(record.get("middle_name"), clean.name)
    family = _apply(record.get("family_name"), clean.name)
    iso = _apply(record.get("date_of_birth"), clean.iso_date)
    placeholder = iso in clean.PLACEHOLDER_DATES
    dob = None if placeholder else iso
    nhs_number = _apply(record.get("nhs_number"), clean.digits)
    ni_number = _apply(record.get("ni_number"), clean.upper_alphanumeric)
    return {
        "unique_id": source + UNIQUE_ID_SEPARATOR + record_id,
        "source": source,
        "record_id": record_id,
        "given": given,
        "given_aliases": list(aliases) if aliases is not None else None,
        "given_stem": stem,
        "given_initial": initial,
        "given_soundex": given_soundex,
        "middle": middle,
        "middle_initial": _apply(middle, lambda n: n[:1]),
        "family": family,
        "family_soundex": _apply(family, clean.soundex),
        "dob": dob,
        "dob_swapped": _apply(dob, lambda d: f"{d[0:5]}{d[8:10]}-{d[5:7]}"),
        "dob_year": None if dob is None else int(dob[0:4]),
        "dob_jan_first": _apply(dob, lambda d: d[5:10] == "01-01") is True,
        "dob_placeholder": placeholder,
        "sex": _apply(record.get("sex"), _sex),
        "uprn": _apply(record.get("uprn"), clean.uprn),
        "postcode": _apply(record.get("postcode"), clean.upper_alphanumeric),
        "address": _apply(record.get("address_line_1"), clean.address_line),
        "town": _apply(record.get("town"), clean.name),
        "nhs_number": nhs_number,
        "nhs_valid": nhs_number is not None and bool(clean.nhs_numbers_valid(np.array([nhs_number], dtype=object))[0]),
        "ni_number": ni_number,
        "ni_valid": _apply(ni_number, clean.ni_number_is_valid) is True,
        "email": _apply(record.get("email"), str.lower),
    }
