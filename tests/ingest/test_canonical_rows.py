"""Mapping canonical person rows: good fields land, broken identifiers are dropped and named, nothing raises."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.ingest import CANONICAL_PERSON_COLUMNS, person_from_canonical_row
from joinedup.ingest.canonical_rows import person_json_from_canonical_row
from joinedup.model import Sex
from joinedup.store.source_records import canonical_json


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


# Values that are sometimes valid and sometimes not, so that both sides of every check are reached.
_PLAUSIBLE = {
    "given_name": st.sampled_from(["", " ", "Ann", "  Mary  Jo ", "Zoë", 'O"Neil\\', "\u00e9\t"]),
    "family_name": st.sampled_from(["", "SMITH", "de la Cruz", "Ng\n"]),
    "middle_name": st.sampled_from(["", "James", " "]),
    "date_of_birth": st.sampled_from(["", "1961-04-03", "1980-02-30", "03/04/1961"]),
    "sex": st.sampled_from(["", "M", "female", "x", "U", "Other"]),
    "postcode": st.sampled_from(["", "kb14aa", "KB1 4AA", "NOT A POSTCODE", "SW1A1AA"]),
    "uprn": st.sampled_from(["", "100023336956", "0", "12a", " 42 ", "9999999999999"]),
    "phone": st.sampled_from(["", "01632 960001", "+44 1632"]),
    "email": st.sampled_from(["", "Bill@Example.org", "no-at-sign"]),
    "nhs_number": st.sampled_from(["", "943 476 5919", "9434765918", "abc"]),
    "ni_number": st.sampled_from(["", "ab123456c", "QQ123456Z", "GB123456A"]),
    "address_line_1": st.sampled_from(["", "14 Mill  Lane"]),
    "address_line_2": st.sampled_from(["", "Upper Flat"]),
    "town": st.sampled_from(["", "Kettleby"]),
}


@settings(max_examples=400, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            column: st.one_of(_PLAUSIBLE[column], st.text(max_size=12)) if column in _PLAUSIBLE else st.text(max_size=8)
            for column in CANONICAL_PERSON_COLUMNS
        }
    )
)
def test_the_hot_path_json_is_what_the_validated_model_serialises(row: dict[str, str]) -> None:
    # The reference: validate a Person with pydantic and serialise it as the store always has.
    reference = person_from_canonical_row(row)
    document, error = person_json_from_canonical_row(row)
    if reference.person is None:
        assert document is None and error == reference.error
    else:
        assert error is None
        assert document == canonical_json(reference.person)
