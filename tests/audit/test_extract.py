"""Pseudonymised extracts: keyed pseudonyms, no direct identifiers, small numbers suppressed."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.audit import Pseudonymiser, count_by, extract_rows, suppress_small_counts
from joinedup.audit._extract import age_band

from .support import person_record

KEY = b"k" * 32
TODAY = date(2026, 12, 2)


def test_pseudonyms_are_keyed_stable_and_not_the_identifier() -> None:
    first, same, other_key = Pseudonymiser(KEY), Pseudonymiser(KEY), Pseudonymiser(b"x" * 32)
    assert first.pseudonym("R-1") == same.pseudonym("R-1")
    assert first.pseudonym("R-1") != other_key.pseudonym("R-1")
    assert first.pseudonym("R-1") != first.pseudonym("R-1", kind="record")
    assert "R-1" not in first.pseudonym("R-1")
    with pytest.raises(ValueError, match="at least 16 bytes"):
        Pseudonymiser(b"short")


def test_rows_hold_no_direct_identifiers_and_linked_records_share_a_pseudonym() -> None:
    records = [
        person_record("council-tax", "CT-1", "Smith", born=date(1980, 6, 1)),
        person_record("gp", "GP-1", "Smith", born=date(1980, 6, 1)),
        person_record("gp", "GP-2", "Jones", born=date(2001, 12, 3)),
    ]
    linked = {("council-tax", "CT-1"): "R-1", ("gp", "GP-1"): "R-1"}
    rows = extract_rows(records, Pseudonymiser(KEY), today=TODAY, resident_of=lambda s, r: linked.get((s, r)))
    assert len({row.person for row in rows if row.system in ("council-tax", "gp") and row.age_band == "40-49"}) == 1
    assert {row.age_band for row in rows} == {"40-49", "20-29"}
    assert {row.postcode_district for row in rows} == {"KB1"}
    text = repr(rows)
    assert all(value not in text for value in ("Smith", "Jones", "CT-1", "GP-2", "1980", "KB1 4AA"))


def test_counts_below_the_threshold_are_suppressed() -> None:
    counts = suppress_small_counts(Counter({("a",): 9, ("b",): 10, ("c",): 0, ("d",): 1}), threshold=10)
    assert {row.group: row.count for row in counts} == {("a",): None, ("b",): 10, ("c",): 0, ("d",): None}


@given(st.dictionaries(st.text(max_size=3), st.integers(0, 50), max_size=20), st.integers(1, 20))
def test_no_count_between_one_and_the_threshold_survives(raw: dict[str, int], threshold: int) -> None:
    rows = suppress_small_counts(Counter({(key,): value for key, value in raw.items()}), threshold)
    assert all(row.count is None or row.count == 0 or row.count >= threshold for row in rows)
    assert {row.group for row in rows} == {(key,) for key in raw}


def test_count_by_counts_distinct_people_and_rejects_unknown_fields() -> None:
    records = [person_record("gp", f"GP-{n}", "Smith", born=date(1990, 1, 1)) for n in range(12)]
    rows = extract_rows(records, Pseudonymiser(KEY), today=TODAY)
    assert [(row.group, row.count) for row in count_by(rows, ["system", "age_band"], 10)] == [(("gp", "30-39"), 12)]
    assert [row.count for row in count_by(rows[:3], ["system"], 10)] == [None]
    with pytest.raises(ValueError, match="cannot count by person"):
        count_by(rows, ["person"], 10)


def test_age_bands_turn_on_the_birthday() -> None:
    assert age_band(date(1996, 12, 3), TODAY) == "20-29"
    assert age_band(date(1996, 12, 2), TODAY) == "30-39"
    assert age_band(None, TODAY) is None
