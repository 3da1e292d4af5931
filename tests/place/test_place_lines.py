"""Every kind of broken place file is reported on the right line, in plain words, and never half-loads."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from joinedup.place import (
    PlaceFileError,
    PlaceProblem,
    PlaceValidation,
    load_place,
    load_place_text,
    validate_place_file,
    validate_place_text,
)

VALID = """\
place:
  name: Testville
  code: testville
organisations:
  - code: council
    name: Testville Council
    type: local-authority
systems:
  - code: tax
    name: Council Tax
    organisation: council
    kind: file
    entity: person
"""


def yaml_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def line_of(text: str, needle: str) -> int:
    """The 1-based line holding ``needle``, which must occur on exactly one line."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(lines) == 1, f"{needle!r} is on lines {lines}"
    return lines[0]


def only_problem(text: str) -> PlaceProblem:
    result = validate_place_text(text, "kettleby.yaml")
    assert result.place is None
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    return result.problems[0]


def test_valid_text_loads_with_no_problems() -> None:
    result = validate_place_text(VALID)

    assert result.problems == []
    assert result.place is not None
    assert result.place.systems[0].organisation == "council"


# --- YAML that cannot be read ---------------------------------------------------------------------------


def test_bad_indentation_is_reported_at_the_parser_position() -> None:
    text = VALID.replace("    name: Council Tax", "   name: Council Tax")

    problem = only_problem(text)

    assert problem.line == line_of(text, "name: Council Tax")
    assert problem.path == ""
    assert problem.message.endswith(".")
    assert "indentation" in problem.message or "':'" in problem.message


def test_tab_indentation_is_explained() -> None:
    text = VALID.replace("    kind: file", "\tkind: file")

    problem = only_problem(text)

    assert problem.line == line_of(text, "kind: file")
    assert "tab" in problem.message.lower()


def test_unclosed_quote_is_reported() -> None:
    text = VALID.replace("name: Testville Council", 'name: "Testville Council')

    problem = only_problem(text)

    assert problem.line >= line_of(text, '"Testville Council')
    assert "quote" in problem.message


def test_two_documents_in_one_file_are_refused() -> None:
    text = VALID + "---\nplace: {name: Other, code: other}\n"

    problem = only_problem(text)

    assert problem.line == line_of(text, "---")
    assert "more than one YAML document" in problem.message


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty_file_is_one_problem_on_line_one(text: str) -> None:
    problem = only_problem(text)

    assert (problem.line, problem.column) == (1, 1)
    assert "empty" in problem.message


def test_top_level_that_is_not_a_mapping_is_reported() -> None:
    text = "# a list by mistake\n- place: Testville\n"

    problem = only_problem(text)

    assert problem.line == 2
    assert "not a list" in problem.message


def test_impossible_date_is_a_problem_not_a_crash() -> None:
    text = VALID + yaml_text("""
        agreements:
          - code: isa
            title: Sharing
            version: "1.0"
            parties: [council, council-two]
            purposes: [safeguarding]
            lawful_basis: {article_6: public-task}
            fields: [person.name.family]
            retention: 7 years
            review_date: 2026-13-01
        """)
    text = text.replace("organisations:\n", "organisations:\n  - {code: council-two, name: Two, type: other}\n")

    problem = only_problem(text)

    assert problem.line == line_of(text, "review_date")
    assert problem.path == "agreements[0].review_date"
    assert "YYYY-MM-DD" in problem.message


# --- schema problems ------------------------------------------------------------------------------------


def test_unknown_key_is_reported_on_its_own_line_with_a_suggestion() -> None:
    text = VALID.replace("    kind: file", "    kind: file\n    organsation: council")

    problem = only_problem(text)

    assert (problem.line, problem.column) == (line_of(text, "organsation"), 5)
    assert problem.path == "systems[0].organsation"
    assert "unknown key 'organsation'" in problem.message
    assert "did you mean 'organisation'?" in problem.message


def test_unknown_top_level_section_is_reported() -> None:
    text = VALID + "sytems: []\n"

    problem = only_problem(text)

    assert problem.line == line_of(text, "sytems")
    assert problem.path == "sytems"
    assert "'sytems' is not a known section (did you mean 'systems'?)" in problem.message


def test_missing_key_points_at_the_mapping_that_lacks_it() -> None:
    text = VALID.replace("    organisation: council\n", "")

    problem = only_problem(text)

    assert problem.line == line_of(text, "code: tax")
    assert problem.path == "systems[0].organisation"
    assert problem.message == "systems[0] is missing 'organisation'."


def test_missing_section_points_at_the_top_of_the_file() -> None:
    text = "place:\n  name: Testville\n  code: testville\n"

    problem = only_problem(text)

    assert problem.line == 1
    assert problem.message == "The file is missing the 'organisations' section."


def test_value_not_in_the_allowed_list_names_the_allowed_values() -> None:
    text = VALID.replace("type: local-authority", "type: hospital")

    problem = only_problem(text)

    assert (problem.line, problem.column) == (line_of(text, "hospital"), 11)
    assert problem.path == "organisations[0].type"
    assert problem.message.startswith("organisations[0].type 'hospital' is not one of: local-authority, nhs-trust")
    assert problem.message.endswith("voluntary-sector, other.")


def test_badly_formed_code_is_explained() -> None:
    text = VALID.replace("code: tax", "code: Council Tax")

    problem = only_problem(text)

    assert problem.line == line_of(text, "code: Council Tax")
    assert "lowercase letters" in problem.message


def test_yes_read_as_true_gets_a_quoting_hint() -> None:
    text = VALID.replace("name: Council Tax", "name: yes")

    problem = only_problem(text)

    assert problem.line == line_of(text, "name: yes")
    assert "should be text" in problem.message
    assert "quotes" in problem.message


def test_number_out_of_range_is_reported_at_its_value() -> None:
    text = VALID.replace("    entity: person", "    entity: person\n    trust: 0")

    problem = only_problem(text)

    assert problem.line == line_of(text, "trust: 0")
    assert problem.message == "systems[0].trust should be at least 1, not 0."


@pytest.mark.parametrize("value", ["true", "2.5", "'3'"])
def test_trust_must_be_a_whole_number_as_written(value: str) -> None:
    text = VALID.replace("    entity: person", f"    entity: person\n    trust: {value}")

    problem = only_problem(text)

    assert problem.line == line_of(text, "trust:")
    assert problem.message.startswith("systems[0].trust should be a whole number")


def test_list_item_that_is_not_a_mapping_is_reported() -> None:
    text = VALID + "  - council-tax\n"

    problem = only_problem(text)

    assert problem.line == line_of(text, "- council-tax")
    assert problem.path == "systems[1]"


def test_bad_ods_code_is_reported() -> None:
    text = VALID.replace("    type: local-authority", "    type: local-authority\n    ods_code: rj1-x")

    problem = only_problem(text)

    assert problem.line == line_of(text, "ods_code")
    assert "ODS code" in problem.message


# --- cross-reference problems ---------------------------------------------------------------------------


def test_system_naming_an_undeclared_organisation() -> None:
    text = VALID.replace("organisation: council", "organisation: nhs-trust")

    problem = only_problem(text)

    assert problem.line == line_of(text, "organisation: nhs-trust")
    assert problem.path == "systems[0].organisation"
    assert problem.message == (
        "systems[0] 'tax' names organisation 'nhs-trust', which is not declared under organisations."
    )


def test_duplicate_organisation_code_is_reported_at_the_second_use() -> None:
    text = VALID.replace("systems:\n", "  - code: council\n    name: Again\n    type: other\nsystems:\n")

    problem = only_problem(text)

    assert problem.line == line_of(text, "name: Again") - 1
    assert problem.path == "organisations[1].code"
    assert "already uses" in problem.message


def test_duplicate_system_code_is_reported() -> None:
    extra = "  - {code: tax, name: Tax again, organisation: council, kind: api, entity: person}\n"
    text = VALID + extra

    problem = only_problem(text)

    assert problem.line == line_of(text, "Tax again")
    assert problem.path == "systems[1].code"


def test_duplicate_key_in_a_mapping_is_caught() -> None:
    text = VALID.replace("    kind: file", "    kind: file\n    name: Second Name")

    problem = only_problem(text)

    assert problem.line == line_of(text, "Second Name")
    assert problem.path == "systems[0].name"
    assert f"first on line {line_of(text, 'name: Council Tax')}" in problem.message


def test_duplicate_top_level_section_is_caught() -> None:
    text = VALID + "systems: []\n"

    problem = only_problem(text)

    assert problem.line == line_of(text, "systems: []")
    assert problem.message.startswith("The file has the key 'systems' more than once")


# --- many problems, and never a partial Place -----------------------------------------------------------


BROKEN = yaml_text("""
    place:
      name: Testville
      code: Testville
    organisations:
      - code: council
        name: Testville Council
        type: hospital
      - code: council
        name: Again
        type: other
    systems:
      - code: tax
        name: Tax
        organisation: nobody
        kind: floppy-disk
        entity: person
        colour: blue
    """)


def test_every_problem_in_a_file_is_reported_sorted_by_line() -> None:
    result = validate_place_text(BROKEN, "broken.yaml")

    found = [(p.line, p.path) for p in result.problems]
    assert found == [
        (line_of(BROKEN, "code: Testville"), "place.code"),
        (line_of(BROKEN, "hospital"), "organisations[0].type"),
        (line_of(BROKEN, "name: Again") - 1, "organisations[1].code"),
        (line_of(BROKEN, "nobody"), "systems[0].organisation"),
        (line_of(BROKEN, "floppy-disk"), "systems[0].kind"),
        (line_of(BROKEN, "colour"), "systems[0].colour"),
    ]
    assert all(p.file == "broken.yaml" for p in result.problems)
    assert not any("Input should" in p.message for p in result.problems)  # Pydantic's wording is replaced
    assert all(p.message.endswith(".") for p in result.problems)


def test_a_bad_file_never_returns_a_place() -> None:
    result = validate_place_text(BROKEN)

    assert result.place is None
    assert not result.ok
    with pytest.raises(PlaceFileError) as raised:
        load_place_text(BROKEN, "broken.yaml")
    assert raised.value.problems == validate_place_text(BROKEN, "broken.yaml").problems


def test_one_problem_is_enough_to_refuse_the_whole_file() -> None:
    text = VALID.replace("    kind: file", "    kind: file\n    kind: file")

    with pytest.raises(PlaceFileError):
        load_place_text(text)


def test_error_text_lists_problems_as_file_line_column_message() -> None:
    with pytest.raises(PlaceFileError) as raised:
        load_place_text(BROKEN, "broken.yaml")

    lines = str(raised.value).splitlines()
    assert lines[0] == "The place file has 6 problems:"
    problem = raised.value.problems[1]
    assert lines[2] == f"broken.yaml:{problem.line}:{problem.column}: {problem.message}"


def test_validation_result_cannot_hold_both_a_place_and_problems() -> None:
    place = load_place_text(VALID)
    problem = PlaceProblem("f", 1, 1, "", "Something.")

    with pytest.raises(ValueError, match="never both"):
        PlaceValidation(place, [problem])
    with pytest.raises(ValueError, match="never both"):
        PlaceValidation(None, [])


# --- files on disk --------------------------------------------------------------------------------------


def test_file_on_disk_is_labelled_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "place.yaml"
    path.write_text(VALID.replace("type: local-authority", "type: hospital"), encoding="utf-8")

    result = validate_place_file(path)

    assert [p.file for p in result.problems] == [str(path)]
    with pytest.raises(PlaceFileError, match=rf"{path.name}:7:11: "):
        load_place(path)


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    result = validate_place_file(tmp_path / "absent.yaml")

    assert result.place is None
    assert [(p.line, p.column) for p in result.problems] == [(1, 1)]
    assert "could not be read" in result.problems[0].message


def test_file_that_is_not_utf8_is_reported_on_the_right_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(VALID.replace("Testville Council", "Testvillé Council").encode("latin-1"))

    result = validate_place_file(path)

    assert [p.line for p in result.problems] == [line_of(VALID, "Testville Council")]
    assert "UTF-8" in result.problems[0].message


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))

    assert load_place(path).place.code == "testville"
