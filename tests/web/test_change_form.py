"""Reading the "tell us once" form: the canonical fields tell us once carries, or errors keyed by input id."""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.tellusonce import FIELDS, ChangeKind, ChangeOfCircumstance
from joinedup.web.pages._change_form import KINDS, read_change

TODAY = dt.date(2026, 12, 2)


def test_every_kind_of_change_is_offered_with_only_the_fields_it_carries() -> None:
    assert {choice.kind for choice in KINDS} == set(ChangeKind)
    for choice in KINDS:
        assert {each.name for each in choice.fields} <= FIELDS[choice.kind]


def test_a_new_address_is_read_with_its_postcode_tidied_and_blank_lines_clearing_the_old_ones() -> None:
    read = read_change(
        {"resident_id": "res-1", "kind": "person.address-changed", "address_line_1": " 27 Tanners Yard ",
         "postcode": "kt29qz", "given_name": "left over from another choice"},
        TODAY,
    )  # fmt: skip
    assert read.errors == {}
    assert read.fields == {
        "address_line_1": "27 Tanners Yard", "address_line_2": "", "town": "", "postcode": "KT2 9QZ", "uprn": "",
    }  # fmt: skip
    assert read.kind is not None
    ChangeOfCircumstance(read.kind, read.resident_id, read.fields)  # tell us once accepts it as it stands


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        ({}, {"resident_id": "Enter the resident's id", "kind": "Select what has changed"}),
        ({"resident_id": "res 1?", "kind": "person.name-changed", "family_name": "Okafor"},
         {"resident_id": "Enter the resident id as shown on their record, for example res-1a2b3c"}),
        ({"resident_id": "r", "kind": "person.address-changed", "postcode": "KT2"},
         {"address_line_1": "Enter the first line of the new address",
          "postcode": "Enter a real postcode, for example KT1 4MX"}),
        ({"resident_id": "r", "kind": "person.address-changed", "address_line_1": "1 A St", "postcode": "KT2 9QZ",
          "uprn": "12ab"}, {"uprn": "Enter the UPRN as up to 12 digits"}),
        ({"resident_id": "r", "kind": "person.contact-changed"},
         {"phone": "Enter a phone number, an email address or both"}),
        ({"resident_id": "r", "kind": "person.contact-changed", "email": "nobody", "phone": "12"},
         {"phone": "Enter a phone number, like 01632 960 001 or +44 7700 900 982",
          "email": "Enter an email address like name@example.com"}),
        ({"resident_id": "r", "kind": "person.died"}, {"date_of_death-day": "Enter the date they died"}),
        ({"resident_id": "r", "kind": "person.died", "date_of_death-day": "31", "date_of_death-month": "2",
          "date_of_death-year": "2026"}, {"date_of_death-day": "The date they died must be a real date"}),
        ({"resident_id": "r", "kind": "person.died", "date_of_death-day": "3", "date_of_death-month": "12",
          "date_of_death-year": "2026"}, {"date_of_death-day": "The date they died must be today or in the past"}),
        ({"resident_id": "r", "kind": "household.member-added", "member_resident_id": "r"},
         {"member_resident_id": "The new member must be someone other than the resident"}),
        ({"resident_id": "r", "kind": "person.name-changed", "family_name": "x" * 201},
         {"family_name": "Must be 200 characters or fewer"}),
    ],
)  # fmt: skip
def test_each_problem_is_said_by_the_input_it_belongs_to(form: dict[str, str], errors: dict[str, str]) -> None:
    read = read_change(form, TODAY)
    assert read.errors == errors
    assert [item["field"] for item in read.summary] == list(errors)


def test_a_death_contact_change_and_new_household_member_become_the_fields_tell_us_once_carries() -> None:
    died = read_change(
        {"resident_id": "r", "kind": "person.died", "date_of_death-day": "2", "date_of_death-month": "12",
         "date_of_death-year": "2026"},
        TODAY,
    )  # fmt: skip
    assert died.fields == {"date_of_death": "2026-12-02"}
    contact = read_change({"resident_id": "r", "kind": "person.contact-changed", "phone": "01632 960 001"}, TODAY)
    assert contact.fields == {"phone": "01632 960 001"}, "a blank email does not clear the one held"
    member = read_change(
        {"resident_id": "r", "kind": "household.member-added", "member_resident_id": "res-2", "relationship": ""},
        TODAY,
    )
    assert member.fields == {"member_resident_id": "res-2"}
