"""prepare(): cleaning and derived features, flags for invalid identifiers, and clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from joinedup.linkage import LINK_COLUMNS, PREPARED_COLUMNS, LinkageError, prepare
from joinedup.linkage._normalise import name_stem, soundex

from .linkage_cases import frame, nhs_number, row


def prepared_one(**values: str) -> pd.Series:
    return prepare(frame(row("gp", "1", **values))).iloc[0]


def test_every_prepared_column_is_present_and_unique_id_joins_source_and_record() -> None:
    result = prepare(frame(row("gp", "A1", given_name="Ann"), row("housing", "A1", given_name="Ann")))
    assert list(result.columns) == list(PREPARED_COLUMNS)
    assert result["unique_id"].tolist() == ["gp|A1", "housing|A1"]


def test_names_are_cleaned_of_case_spaces_accents_and_punctuation() -> None:
    record = prepared_one(given_name="  José ", middle_name="Anne-Marie", family_name="O'BRIEN")
    assert (record["given"], record["middle"], record["family"]) == ("jose", "annemarie", "obrien")
    assert record["given_initial"] == "j" and record["middle_initial"] == "a"


def test_nicknames_share_an_alias_with_the_full_name() -> None:
    bill, william = prepared_one(given_name="Bill"), prepared_one(given_name="William")
    assert set(bill["given_aliases"]) & set(william["given_aliases"])
    kate, catherine = prepared_one(given_name="Kate"), prepared_one(given_name="Catherine")  # a British form
    assert set(kate["given_aliases"]) & set(catherine["given_aliases"])


def test_diminutive_stems_and_soundex() -> None:
    assert [name_stem(n) for n in ("alfie", "robbie", "debs", "amy")] == ["alf", "rob", "deb", "amy"]
    assert soundex("robert") == soundex("rupert") == "R163"
    assert soundex("smith") == soundex("smyth")


def test_dates_give_a_swapped_key_and_placeholders_count_as_missing() -> None:
    record = prepared_one(date_of_birth="1985-03-07")
    assert (record["dob"], record["dob_swapped"], record["dob_year"]) == ("1985-03-07", "1985-07-03", 1985)
    placeholder = prepared_one(date_of_birth="1900-01-01")
    assert placeholder["dob"] is None and bool(placeholder["dob_placeholder"])
    assert bool(prepared_one(date_of_birth="1971-01-01")["dob_jan_first"])  # maybe a year-only placeholder


def test_invalid_identifiers_are_flagged_and_kept_as_evidence() -> None:
    valid = nhs_number("943476591")
    wrong_digit = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    assert bool(prepared_one(nhs_number=valid)["nhs_valid"])
    record = prepared_one(nhs_number=wrong_digit, ni_number="1234567")  # FEBRL's social security ids look so
    assert record["nhs_number"] == wrong_digit and not record["nhs_valid"]
    assert record["ni_number"] == "1234567" and not record["ni_valid"]
    assert bool(prepared_one(ni_number="jk 12 34 56 c")["ni_valid"])
    assert not prepared_one(ni_number="GB123456A")["ni_valid"]  # a prefix HMRC never issues


def test_location_fields_are_normalised() -> None:
    record = prepared_one(address_line_1="Flat 2, 9 Oak Road", postcode="kb1 0ab", uprn="000100000000123")
    assert (record["address"], record["postcode"], record["uprn"]) == ("flat 2 9 oak road", "KB10AB", "100000000123")


def test_blank_values_are_missing_not_empty_strings() -> None:
    record = prepared_one()
    assert all(record[c] is None for c in ("given", "family", "dob", "sex", "uprn", "nhs_number", "email"))


def test_a_missing_column_is_named() -> None:
    incomplete = frame(row("gp", "1")).drop(columns=["postcode", "uprn"])
    with pytest.raises(LinkageError, match="postcode, uprn"):
        prepare(incomplete)


def test_repeated_record_ids_within_a_source_are_refused() -> None:
    with pytest.raises(LinkageError, match="repeat"):
        prepare(frame(row("gp", "1"), row("gp", "1")))


def test_records_without_a_source_are_refused_by_row() -> None:
    with pytest.raises(LinkageError, match=r"row\(s\) \[1\]"):
        prepare(frame(row("gp", "1"), row("", "2")))


def test_columns_are_the_canonical_person_columns() -> None:
    assert LINK_COLUMNS[:3] == ("source", "record_id", "given_name") and len(LINK_COLUMNS) == 16
