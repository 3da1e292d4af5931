"""prepare_one (one record, no pandas) equals prepare (a DataFrame) on random records."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage import LINK_COLUMNS, LinkageError, prepare
from joinedup.linkage._record_prep import prepare_one

from .linkage_cases import nhs_number

_BLANKS = st.sampled_from([None, "", "  ", float("nan")])
_NAMES = st.sampled_from(["William", "bill", " Kate ", "José", "O'Brien", "Anne-Marie", "X", "alfie", "Ng", "ßø"])
_DATES = st.sampled_from(["1980-03-09", "19800309", "1900-01-01", "09/03/1980", "1975-01-01", "2001-12-31", "abc"])
_NHS = st.sampled_from([nhs_number("943476591"), nhs_number("401023213"), "943 476 5919", "1234567890", "12345", "NHS"])
_NI = st.sampled_from(["QQ123456C", "qq 12 34 56 c", "AB123456A", "GB123456A", "123", "zz999999d"])
_OTHER = st.sampled_from(["SW1A 1AA", "sw1a1aa", "1 High St.", "Flat 2, 9 Oak Rd", "0001234", "M", "female", "x@Y.org"])


def _field(specific: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(_BLANKS, specific, _OTHER, st.text(max_size=12), st.integers(0, 10**12))


_RECORDS = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["gp", " housing ", "council-tax"]),
        "record_id": st.one_of(st.text("AB12-", min_size=1, max_size=6), st.integers(1, 999)),
        "given_name": _field(_NAMES),
        "middle_name": _field(_NAMES),
        "family_name": _field(_NAMES),
        "date_of_birth": _field(_DATES),
        "sex": _field(st.sampled_from(["F", "m", "Male", "unknown"])),
        "address_line_1": _field(_OTHER),
        "address_line_2": _field(_OTHER),
        "town": _field(_NAMES),
        "postcode": _field(_OTHER),
        "uprn": _field(st.sampled_from(["100023336956", "000123", "UPRN 42"])),
        "phone": _field(_OTHER),
        "email": _field(_OTHER),
        "nhs_number": _field(_NHS),
        "ni_number": _field(_NI),
    }
)


def _slow(record: dict[str, Any]) -> dict[str, Any]:
    row = prepare(pd.DataFrame([{c: record.get(c) for c in LINK_COLUMNS}])).astype(object).iloc[0]
    return {k: (None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v) for k, v in row.items()}


@settings(max_examples=300, deadline=None)
@given(_RECORDS)
def test_one_record_is_prepared_as_prepare_prepares_it(record: dict[str, Any]) -> None:
    if not str(record["record_id"]).strip():
        return
    assert prepare_one(record) == _slow(record)


def test_the_prepared_columns_and_their_types_are_those_of_prepare() -> None:
    record = {c: "" for c in LINK_COLUMNS} | {
        "source": "gp", "record_id": "1", "given_name": "Bill", "date_of_birth": "1975-01-01",
        "nhs_number": nhs_number("943476591"), "ni_number": "AB123456C",
    }  # fmt: skip
    fast, slow = prepare_one(record), _slow(record)
    assert list(fast) == list(slow)
    assert {k: type(v) for k, v in fast.items()} == {k: type(v) for k, v in slow.items()}
    assert fast["dob_jan_first"] is True and fast["nhs_valid"] is True and fast["ni_valid"] is True


def test_a_record_without_an_id_is_refused() -> None:
    with pytest.raises(LinkageError, match="no source or record_id"):
        prepare_one({"source": "gp", "record_id": "  "})
