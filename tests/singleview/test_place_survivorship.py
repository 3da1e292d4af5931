"""The place file's survivorship section: read into rules, and every mistake reported on its line."""

from __future__ import annotations

import pytest

from joinedup.place import Place, PlaceFileError, load_place_text, validate_place_text
from joinedup.singleview import Strategy, SurvivorshipRules

HEAD = """\
place: {name: Testby, code: testby}
organisations:
  - {code: council, name: Testby Council, type: local-authority}
systems:
  - {code: gp, name: GP, organisation: council, kind: api, entity: person, trust: 5}
  - {code: housing, name: Housing, organisation: council, kind: api, entity: person, trust: 3}
  - {code: schools, name: Schools, organisation: council, kind: file, entity: person}
"""


def problems(section: str) -> list[tuple[int, str]]:
    result = validate_place_text(HEAD + section, "place.yaml")
    return [(problem.line, problem.message) for problem in result.problems]


def test_a_place_without_the_section_uses_most_recent_everywhere() -> None:
    place = load_place_text(HEAD)
    rules = SurvivorshipRules.from_place(place)
    assert {rules.for_field(name).strategy for name in rules.rulings} == {Strategy.MOST_RECENT}
    assert load_place_text(HEAD + "survivorship:\n").survivorship == place.survivorship


def test_rules_and_sources_are_read_from_the_file() -> None:
    place = load_place_text(
        HEAD
        + "survivorship:\n"
        + "  default: most-frequent\n"
        + "  fields:\n"
        + "    - {field: nhs_number, strategy: most-trusted, sources: [schools, gp]}\n"
    )
    rules = SurvivorshipRules.from_place(place)
    nhs = rules.for_field("nhs_number")
    assert nhs.strategy is Strategy.MOST_TRUSTED
    order = sorted(["housing", "gp", "schools"], key=nhs.ranking.position)
    assert order == ["schools", "gp", "housing"]
    assert rules.for_field("address").strategy is Strategy.MOST_FREQUENT
    assert sorted(["schools", "housing", "gp"], key=rules.for_field("address").ranking.position) == [
        "gp",
        "housing",
        "schools",  # no trust rank: last
    ]


def test_an_unknown_field_is_reported_on_its_line_with_a_suggestion() -> None:
    found = problems("survivorship:\n  fields:\n    - {field: adress, strategy: most-recent}\n")
    assert len(found) == 1
    line, message = found[0]
    assert line == 10
    assert "'adress'" in message and "did you mean 'address'" in message


def test_an_unknown_strategy_is_reported_on_its_line() -> None:
    found = problems("survivorship:\n  default: most-recent\n  fields:\n    - {field: name, strategy: most-liked}\n")
    assert found == [
        (11, "survivorship.fields[0].strategy 'most-liked' is not one of: most-recent, most-trusted, most-frequent.")
    ]
    assert problems("survivorship:\n  default: newest\n")[0][0] == 9


def test_an_unknown_or_repeated_system_in_sources_is_reported_on_its_line() -> None:
    found = problems(
        "survivorship:\n  fields:\n"
        + "    - field: nhs_number\n"
        + "      strategy: most-trusted\n"
        + "      sources: [gp, hospital, gp]\n"
    )
    assert [line for line, _ in found] == [12, 12]
    assert any("'hospital', which is not declared under systems" in message for _, message in found)
    assert any("lists 'gp' more than once" in message for _, message in found)


def test_a_field_with_two_rules_and_an_unknown_key_are_reported() -> None:
    found = problems(
        "survivorship:\n  fields:\n"
        + "    - {field: name, strategy: most-recent}\n"
        + "    - {field: name, strategy: most-trusted, order: [gp]}\n"
    )
    assert [line for line, _ in found] == [11, 11]
    assert any("already sets" in message for _, message in found)
    assert any("unknown key 'order'" in message for _, message in found)


def test_a_place_built_in_code_is_held_to_the_same_rules() -> None:
    data = load_place_text(HEAD).model_dump(mode="python")
    data["survivorship"] = {"fields": [{"field": "nhs_number", "strategy": "most-trusted", "sources": ["police"]}]}
    with pytest.raises(ValueError, match="police"):
        Place.model_validate(data)


def test_the_loader_refuses_the_whole_file() -> None:
    with pytest.raises(PlaceFileError):
        load_place_text(HEAD + "survivorship:\n  fields:\n    - {field: shoe_size, strategy: most-recent}\n")
