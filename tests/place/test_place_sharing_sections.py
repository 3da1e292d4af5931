"""The mappings, subscriptions and agreements sections: their minimal shape and cross-references."""

from __future__ import annotations

import datetime as dt

from joinedup.place import Article6Basis, Article9Condition, load_place_text, validate_place_text

SHARING = """\
place: {name: Testville, code: testville}
organisations:
  - {code: council, name: Testville Council, type: local-authority}
  - {code: surgery, name: Testville Surgery, type: gp-practice, ods_code: A99999, part_of: pcn}
  - {code: pcn, name: Testville PCN, type: primary-care-network, roles: [gp, social-prescriber]}
systems:
  - {code: tax, name: Council Tax, organisation: council, kind: file, entity: person}
  - {code: gp, name: GP, organisation: surgery, kind: api, entity: person}
mappings:
  - system: tax
    fields:
      - source: Surname
        target: person.name.family
        transforms: [trim, {case: title}]
      - source: DOB
        target: person.date_of_birth
        transforms:
          - date: {format: "%d/%m/%Y"}
subscriptions:
  - system: tax
    events: [person.address-changed]
    fields: [person.address]
    agreement: early-help
agreements:
  - code: early-help
    title: Early Help Information Sharing Agreement
    version: "2.1"
    parties: [council, surgery]
    purposes: [Coordinating early help for families]
    lawful_basis:
      article_6: public-task
      article_9: substantial-public-interest
      dpa_2018_schedule_1: "paragraph 18: safeguarding of children and individuals at risk"
    fields: [person.name.family, person.address]
    retention: 6 years
    review_date: 2026-04-01
"""


def line_of(text: str, needle: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(lines) == 1, lines
    return lines[0]


def test_all_sections_load() -> None:
    place = load_place_text(SHARING)

    mapping = place.mappings[0]
    assert [t.name for t in mapping.fields[0].transforms] == ["trim", "case"]
    assert mapping.fields[0].transforms[1].args == "title"
    assert mapping.fields[1].transforms[0].args == {"format": "%d/%m/%Y"}
    assert place.subscriptions[0].agreement == "early-help"
    agreement = place.agreements[0]
    assert agreement.review_date == dt.date(2026, 4, 1)
    assert agreement.lawful_basis.article_6 is Article6Basis.PUBLIC_TASK
    assert agreement.lawful_basis.article_9 is Article9Condition.SUBSTANTIAL_PUBLIC_INTEREST
    assert place.organisation("surgery").part_of == "pcn"


def test_undeclared_references_in_every_section_are_reported_on_their_lines() -> None:
    text = (
        SHARING.replace("  - system: tax\n    fields:", "  - system: ctax\n    fields:")
        .replace("agreement: early-help", "agreement: early-hlp")
        .replace("parties: [council, surgery]", "parties: [council, police]")
        .replace("part_of: pcn", "part_of: network")
    )

    problems = validate_place_text(text).problems

    assert [(p.line, p.path) for p in problems] == [
        (line_of(text, "part_of: network"), "organisations[1].part_of"),
        (line_of(text, "system: ctax"), "mappings[0].system"),
        (line_of(text, "agreement: early-hlp"), "subscriptions[0].agreement"),
        (line_of(text, "parties: [council, police]"), "agreements[0].parties[1]"),
    ]
    assert problems[2].message == (
        "subscriptions[0] names agreement 'early-hlp', which is not declared under agreements."
    )
    assert problems[3].message == (
        "agreements[0] 'early-help' names party 'police', which is not declared under organisations."
    )


def test_shape_problems_in_sharing_sections_are_reported() -> None:
    text = (
        SHARING.replace("retention: 6 years", "retention: forever")
        .replace("article_6: public-task", "article_6: because")
        .replace("transforms: [trim, {case: title}]", "transforms: [trim, {case: title, also: x}]")
        .replace("parties: [council, surgery]", "parties: [council]")
    )

    problems = validate_place_text(text).problems

    assert [(p.line, p.path) for p in problems] == [
        (line_of(text, "also: x"), "mappings[0].fields[0].transforms[1]"),
        (line_of(text, "parties: [council]"), "agreements[0].parties"),
        (line_of(text, "article_6"), "agreements[0].lawful_basis.article_6"),
        (line_of(text, "retention"), "agreements[0].retention"),
    ]
    assert problems[1].message == "agreements[0].parties must list at least 2 items."


def test_repeated_entries_in_lists_are_reported() -> None:
    text = SHARING.replace("roles: [gp, social-prescriber]", "roles: [gp, gp]")

    problems = validate_place_text(text).problems

    assert [(p.line, p.path, p.message) for p in problems] == [
        (
            line_of(text, "roles: [gp, gp]"),
            "organisations[2].roles[1]",
            "organisations[2].roles lists 'gp' more than once.",
        )
    ]


def test_empty_optional_section_means_none() -> None:
    text = SHARING.split("mappings:")[0] + "mappings:\nsubscriptions:\n"

    place = load_place_text(text)

    assert place.mappings == ()
    assert place.subscriptions == ()


def test_organisation_cannot_be_part_of_itself() -> None:
    text = SHARING.replace("part_of: pcn", "part_of: surgery")

    problems = validate_place_text(text).problems

    assert [(p.line, p.path) for p in problems] == [(line_of(text, "part_of: surgery"), "organisations[1].part_of")]
    assert "names itself" in problems[0].message
