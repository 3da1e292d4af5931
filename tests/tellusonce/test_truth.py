"""What a new version of a source of truth's record tells: pure, checked on stored canonical documents."""

from __future__ import annotations

from joinedup.tellusonce import ChangeKind, changes_between

BEFORE = {
    "name": {"given": "Ada", "middle": ["Mary"], "family": "Lovelace"},
    "address": {"lines": ["3 Old Road", "Abbey Park"], "town": "Kettleby", "postcode": "KB1 2AB", "uprn": "100"},
    "contact_points": [{"system": "phone", "value": "+441632960001"}, {"system": "email", "value": "a@example.org"}],
}
EVERYTHING = frozenset({"address", "name", "phone", "email", "date_of_death"})


def test_each_changed_field_becomes_its_kind_of_change_with_canonical_values() -> None:
    after = {
        **BEFORE,
        "name": {"given": "Ada", "family": "King"},
        "address": {"pao": "7", "street": "New Street", "town": "Kettleby", "postcode": "KB2 3CD"},
        "contact_points": [{"system": "phone", "value": "+441632960002"}, BEFORE["contact_points"][1]],
        "date_of_death": "2026-11-30",
    }
    told = dict(changes_between(BEFORE, after, EVERYTHING))
    assert told[ChangeKind.ADDRESS] == {
        "address_line_1": "7 New Street", "address_line_2": "", "town": "Kettleby", "postcode": "KB2 3CD",
    }  # fmt: skip
    assert told[ChangeKind.NAME] == {"given_name": "Ada", "middle_name": "", "family_name": "King"}
    assert told[ChangeKind.CONTACT] == {"phone": "+441632960002"}, "only the contact detail that changed"
    assert told[ChangeKind.DEATH] == {"date_of_death": "2026-11-30"}


def test_only_the_fields_a_system_is_the_source_of_truth_for_are_told() -> None:
    after = {**BEFORE, "name": {"given": "Ada", "family": "King"}, "address": {**BEFORE["address"], "uprn": "200"}}
    told = dict(changes_between(BEFORE, after, frozenset({"address"})))
    assert set(told) == {ChangeKind.ADDRESS} and told[ChangeKind.ADDRESS]["uprn"] == "200"
    assert told[ChangeKind.ADDRESS]["address_line_2"] == "Abbey Park"


def test_no_change_a_new_record_a_dropped_value_or_an_incomplete_one_tells_nothing() -> None:
    assert changes_between(BEFORE, dict(BEFORE), EVERYTHING) == []
    assert changes_between(None, BEFORE, EVERYTHING) == [], "a first version is a new record"
    assert changes_between(BEFORE, {"name": BEFORE["name"]}, EVERYTHING) == [], "a blank is not told"
    no_postcode = {**BEFORE, "address": {"lines": ["9 Elsewhere"], "town": "Kettleby"}}
    assert changes_between(BEFORE, no_postcode, frozenset({"address"})) == [], "an address needs a postcode"
