"""Conflicts: systems that disagree after normalisation are shown with each value and its provenance."""

from __future__ import annotations

from datetime import date

from joinedup.singleview import find_conflicts

from .support import at, record


def fields_of(records: list) -> list[str]:  # type: ignore[type-arg]
    return [conflict.field for conflict in find_conflicts(records)]


def test_a_different_current_address_at_council_tax_and_the_gp_is_a_conflict() -> None:
    council = record("council-tax", "C1", address=at("14 Elm Street", "KB2 7XY", uprn=2002))
    gp = record("gp", "G1", address=at("1 Oak Road", "KB1 4AA", uprn=1001))

    [conflict] = find_conflicts([council, gp])
    assert conflict.field == "address"
    assert conflict.systems == ("council-tax", "gp")
    by_system = {value.held_by[0].system: value for value in conflict.values}
    assert by_system["council-tax"].value.uprn == 2002
    assert by_system["gp"].value.uprn == 1001
    assert by_system["gp"].held_by == (gp.provenance(),)


def test_a_different_date_of_birth_and_different_nhs_numbers_are_conflicts() -> None:
    gp = record("gp", "G1", dob=date(1970, 3, 4), nhs="9434765919")
    care = record("adult-social-care", "A1", dob=date(1970, 4, 3), nhs="9434765870")

    assert fields_of([gp, care]) == ["date_of_birth", "nhs_number"]


def test_a_death_recorded_in_one_system_only_is_a_conflict() -> None:
    gp = record("gp", "G1", dod=date(2024, 5, 6))
    council = record("council-tax", "C1")

    [conflict] = find_conflicts([gp, council])
    assert conflict.field == "date_of_death"
    values = {value.value: value.systems for value in conflict.values}
    assert values == {date(2024, 5, 6): ("gp",), None: ("council-tax",)}


def test_a_death_recorded_alike_everywhere_is_no_conflict() -> None:
    assert fields_of([record("gp", "G1", dod=date(2024, 5, 6)), record("housing", "H1", dod=date(2024, 5, 6))]) == []


def test_values_that_agree_after_normalisation_are_not_conflicts() -> None:
    gp = record(
        "gp", "G1", given="William", address=at("14 Elm Street", "KB2 7XY"), phone="+441632960001", email="w@x.org"
    )
    council = record(
        "council-tax", "C1", given="W", address=at("14 ELM STREET,", "kb27xy"), phone="01632 960001", email="W@X.ORG"
    )
    housing = record("housing", "H1", given="Bill", family="SMITH", address=at("14 Elm  Street", "KB2  7XY"))

    assert fields_of([gp, council, housing]) == []


def test_a_missing_value_contradicts_nothing() -> None:
    assert fields_of([record("gp", "G1", nhs="9434765919"), record("housing", "H1", nhs=None, dob=None)]) == []


def test_a_different_family_name_or_given_name_is_a_conflict() -> None:
    assert fields_of([record("gp", "G1", family="Smith"), record("housing", "H1", family="Jones")]) == ["name"]
    assert fields_of([record("gp", "G1", given="William"), record("housing", "H1", given="Robert")]) == ["name"]


def test_disagreement_inside_one_system_is_not_a_conflict_between_systems() -> None:
    first = record("schools", "S1", dob=date(2012, 1, 2))
    duplicate = record("schools", "S2", dob=date(2012, 2, 1))
    assert fields_of([first, duplicate]) == []
    # ...but once another system holds a value, every competing value is shown with who holds it.
    [conflict] = find_conflicts([first, duplicate, record("gp", "G1", dob=date(2012, 1, 2))])
    assert sorted(len(v.held_by) for v in conflict.values) == [1, 2]


def test_only_the_newest_version_of_a_record_counts() -> None:
    old = record("gp", "G1", version=1, address=at("1 Oak Road", uprn=1001))
    new = record("gp", "G1", version=2, days=9, address=at("14 Elm Street", "KB2 7XY", uprn=2002))
    council = record("council-tax", "C1", address=at("14 Elm Street", "KB2 7XY", uprn=2002))
    assert fields_of([old, new, council]) == []


def test_addresses_compare_by_uprn_when_both_have_one_and_by_postcode_and_line_otherwise() -> None:
    with_uprn = record("gp", "G1", address=at("Flat 2, 14 Elm Street", "KB2 7XY", uprn=2002))
    same_place = record("housing", "H1", address=at("FLAT 2 14 ELM STREET", "KB27XY"))  # no UPRN held
    other_flat = record("schools", "S1", address=at("Flat 3, 14 Elm Street", "KB2 7XY"))
    relabelled = record("council-tax", "C1", address=at("Rose Cottage", "KB9 9ZZ", uprn=2002))  # same UPRN

    assert fields_of([with_uprn, same_place]) == []
    assert fields_of([with_uprn, relabelled]) == []
    assert fields_of([same_place, other_flat]) == ["address"]
