"""Declarative mappings: transforms by name, all problems reported, and the place file check gives lines."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.ingest import MappingError, check_mappings, compile_mapping, person_from_canonical_row
from joinedup.ingest.transforms import TransformError, parse_date, phone, split_name
from joinedup.place import SourceMapping, validate_place_text

PLACE = """\
place: {name: Testshire, code: testshire}
organisations:
  - {code: council, name: Council, type: local-authority}
systems:
  - {code: tax, name: Council Tax, organisation: council, kind: file, entity: person}
mappings:
  - system: tax
    fields:
      - source: ACCOUNT_REF
        target: record_id
      - source: NAME
        target: name
        transforms:
          - split-name: {order: family-first}
      - source: DOB
        target: date_of_birth
        transforms:
          - date: {formats: ["%d/%m/%Y", "%d-%b-%Y"]}
      - source: POSTCODE
        target: postcode
        transforms: [postcode]
      - source: SEX
        target: sex
        transforms:
          - lookup: {values: {M: male, F: female}, default: unknown}
"""


def _mapping(text: str = PLACE) -> SourceMapping:
    result = validate_place_text(text, checks=[check_mappings])
    assert result.place is not None, result.problems
    return result.place.mappings[0]


def test_a_legacy_row_maps_to_a_person() -> None:
    mapping = compile_mapping(_mapping())
    outcome = mapping.apply(
        "CT-1",
        {"ACCOUNT_REF": "CT-1", "NAME": "SMITH, William J", "DOB": "03/04/1961", "POSTCODE": "kb14aa", "SEX": "M"},
    )
    assert outcome.row is not None, outcome.problems
    assert outcome.row["family_name"] == "SMITH"
    assert (outcome.row["given_name"], outcome.row["middle_name"]) == ("William", "J")
    assert (outcome.row["date_of_birth"], outcome.row["postcode"], outcome.row["sex"]) == (
        "1961-04-03",
        "KB1 4AA",
        "male",
    )
    person = person_from_canonical_row(outcome.row).person
    assert person is not None and person.name.family == "SMITH"


def test_every_failing_field_is_named_without_its_value() -> None:
    mapping = compile_mapping(_mapping())
    outcome = mapping.apply("CT-2", {"NAME": "Jones, Ann", "DOB": "31/31/1990", "POSTCODE": "ZZ", "SEX": "M"})
    assert outcome.row is None
    assert [problem.split(":")[0] for problem in outcome.problems] == ["DOB", "POSTCODE"]
    assert "31/31/1990" not in " ".join(outcome.problems)


def test_unknown_transform_and_target_are_reported_with_lines() -> None:
    broken = PLACE.replace("transforms: [postcode]", "transforms: [postcoed]").replace("target: sex", "target: gender")
    result = validate_place_text(broken, "place.yaml", checks=[check_mappings])
    assert result.place is None
    lines = {problem.line: problem.message for problem in result.problems}
    assert "postcoed" in lines[21]
    assert "gender" in lines[23]


def test_compile_mapping_lists_all_problems() -> None:
    broken = PLACE.replace("target: name", "target: given_name")
    mapping = validate_place_text(broken).place
    assert mapping is not None
    with pytest.raises(MappingError) as caught:
        compile_mapping(mapping.mappings[0])
    assert "split-name" in str(caught.value)


@pytest.mark.parametrize(
    ("full", "order", "expected"),
    [
        ("Mr William James Smith", "given-first", ("William", "James", "Smith")),
        ("SMITH William James", "family-first", ("William", "James", "SMITH")),
        ("Smith, Mrs Ann", "given-first", ("Ann", "", "Smith")),
        ("Prince", "given-first", ("", "", "Prince")),
    ],
)
def test_split_name(full: str, order: str, expected: tuple[str, str, str]) -> None:
    parts = split_name(full, {"order": order})
    assert isinstance(parts, dict)
    assert (parts["given_name"], parts["middle_name"], parts["family_name"]) == expected


@pytest.mark.parametrize(
    ("typed", "e164"),
    [("01632 960001", "+441632960001"), ("+44 7700 900123", "+447700900123"), ("(0116) 496 0123", "+441164960123")],
)
def test_phone_numbers_become_e164(typed: str, e164: str) -> None:
    assert phone(typed, None) == e164


def test_phone_refuses_non_uk_shapes() -> None:
    with pytest.raises(TransformError):
        phone("12345", None)


@given(st.dates(min_value=date(1850, 1, 1)))
def test_date_round_trips_in_the_stated_format(day: date) -> None:
    assert parse_date(day.strftime("%d/%m/%Y"), "%d/%m/%Y") == day.isoformat()


def test_a_remembered_result_is_the_same_result_and_so_is_a_remembered_refusal() -> None:
    # Dates and postcodes are remembered per distinct value; the second sight must answer as the first did.
    mapping = compile_mapping(_mapping())
    good = {"ACCOUNT_REF": "CT-3", "NAME": "Jones, Ann", "DOB": "03/04/1961", "POSTCODE": "kb14aa", "SEX": "F"}
    bad = good | {"DOB": "31/31/1990", "POSTCODE": "ZZ"}
    first_good, first_bad = mapping.apply("CT-3", good), mapping.apply("CT-4", bad)
    second_good, second_bad = mapping.apply("CT-3", good), mapping.apply("CT-4", bad)
    assert first_good == second_good and first_good.row is not None
    assert first_good.row["date_of_birth"] == "1961-04-03"
    assert first_bad == second_bad and second_bad.row is None
    assert second_bad.problems == (
        "DOB: not a date in the formats %d/%m/%Y, %d-%b-%Y",
        "POSTCODE: not a valid UK postcode",
    )


def test_several_sources_are_joined_skipping_blanks() -> None:
    joined = "      - {source: [ADDR1, ADDR2, ADDR3], target: address, transforms: [split-address]}\n"
    text = PLACE.replace("      - source: POSTCODE\n", joined + "      - source: POSTCODE\n")
    mapping = compile_mapping(_mapping(text))
    base = {"ACCOUNT_REF": "CT-1", "NAME": "SMITH, Ann", "DOB": "01/02/1970", "POSTCODE": "KB1 4AA", "SEX": "F"}
    two_lines = mapping.apply("CT-1", base | {"ADDR1": "14 Mill Lane", "ADDR2": "KETTLEBY", "ADDR3": ""}).row
    flat = mapping.apply("CT-1", base | {"ADDR1": "Flat 2", "ADDR2": "14 Mill Lane", "ADDR3": "KETTLEBY"}).row
    assert two_lines is not None and flat is not None
    assert (two_lines["address_line_1"], two_lines["town"]) == ("14 Mill Lane", "KETTLEBY")
    assert (flat["address_line_1"], flat["town"]) == ("Flat 2, 14 Mill Lane", "KETTLEBY")
    assert mapping.source_fields >= {"ADDR1", "ADDR2", "ADDR3"}
