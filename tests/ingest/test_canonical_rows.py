"""Mapping canonical person rows: good fields land, broken identifiers are dropped and named, nothing raises."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.ingest import CANONICAL_PERSON_COLUMNS, person_from_canonical_row
from joinedup.model import Sex


def _row(**values: str) -> dict[str, str]:
    return {column: "" for column in CANONICAL_PERSON_COLUMNS} | values


def test_a_full_row_maps_every_field() -> None:
    mapped = person_from_canonical_row(
        _row(
            given_name=" William ",
            middle_name="James",
            family_name="SMITH",
            date_of_birth="1961-04-03",
            sex="M",
            address_line_1="14 Mill  Lane",
            town="Kettleby",
            postcode="kb14aa",
            uprn="100023336956",
            phone="01632 960001",
            email="Bill@Example.org",
            nhs_number="943 476 5919",
            ni_number="ab123456c",
        )
    )
    person = mapped.person
    assert person is not None and mapped.dropped_fields == ()
    assert (person.name.given, person.name.middle, person.name.family) == ("William", ("James",), "SMITH")
    assert person.date_of_birth == date(1961, 4, 3)
    assert person.sex is Sex.MALE
    assert person.nhs_number == "9434765919" and person.ni_number == "AB123456C"
    assert person.address is not None
    assert person.address.lines == ("14 Mill Lane",)
    assert (person.address.postcode, person.address.uprn) == ("KB1 4AA", 100023336956)
    assert [c.value for c in person.contact_points] == ["01632 960001", "bill@example.org"]


def test_broken_identifiers_are_dropped_and_named() -> None:
    mapped = person_from_canonical_row(
        _row(given_name="Ann", nhs_number="9434765918", postcode="NOT A POSTCODE", date_of_birth="1980-02-30")
    )
    assert mapped.person is not None
    assert mapped.person.nhs_number is None and mapped.person.date_of_birth is None
    assert set(mapped.dropped_fields) == {"nhs_number", "postcode", "date_of_birth"}


def test_a_row_without_any_name_is_refused_with_a_reason() -> None:
    mapped = person_from_canonical_row(_row(date_of_birth="1980-01-01", nhs_number="9434765919"))
    assert mapped.person is None
    assert mapped.error is not None and "name" in mapped.error


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({column: st.text(max_size=20) for column in CANONICAL_PERSON_COLUMNS}))
def test_mapping_never_raises_whatever_arrives(row: dict[str, str]) -> None:
    mapped = person_from_canonical_row(row)
    assert (mapped.person is None) == (mapped.error is not None)
