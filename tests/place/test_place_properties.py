"""Property tests: key order never matters, and every unknown key is reported on the line it is written.

The YAML is written by a small emitter here that records the line of every key it writes, so the
expected line of each inserted key is known independently of the validator.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.place import demo_place_path, load_place_text, validate_place_text

Loc = tuple[str | int, ...]

SHARING_SECTIONS: dict[str, Any] = {
    "mappings": [
        {
            "system": "council-tax",
            "fields": [
                {"source": "Surname", "target": "person.name.family", "transforms": ["trim"]},
                {"source": "DOB", "target": "person.date_of_birth", "transforms": [{"date": "%d/%m/%Y"}]},
            ],
        }
    ],
    "subscriptions": [{"system": "housing", "events": ["person.address-changed"], "fields": ["person.address"]}],
    "agreements": [
        {
            "code": "early-help",
            "title": "Early Help",
            "version": "1.0",
            "parties": ["kettleby-council", "kettleby-schools-trust"],
            "purposes": ["Coordinating early help"],
            "lawful_basis": {"article_6": "public-task", "article_9": "substantial-public-interest"},
            "fields": ["person.name.family"],
            "retention": "6 years",
            "review_date": dt.date(2026, 4, 1),
        }
    ],
}


def base_document() -> dict[str, Any]:
    parsed = yaml.safe_load(demo_place_path().read_text(encoding="utf-8"))
    assert isinstance(parsed, dict)
    return {**parsed, **SHARING_SECTIONS}


BASE = base_document()
EXTRA_NAMES = ["colour", "notes", "legacy_ref", "owner_team", "comment"]


def scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | dt.date):
        return str(value)
    if value == {}:
        return "{}"
    if value == []:
        return "[]"
    return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar


def emit_mapping(
    mapping: dict[str, Any], indent: int, lines: list[str], loc: Loc, key_lines: dict[Loc, int], first: str
) -> None:
    for n, (key, value) in enumerate(mapping.items()):
        prefix = first if n == 0 else " " * indent
        key_lines[(*loc, key)] = len(lines) + 1
        if isinstance(value, dict) and value:
            lines.append(f"{prefix}{key}:")
            emit_mapping(value, indent + 2, lines, (*loc, key), key_lines, " " * (indent + 2))
        elif isinstance(value, list) and value:
            lines.append(f"{prefix}{key}:")
            emit_list(value, indent + 2, lines, (*loc, key), key_lines)
        else:
            lines.append(f"{prefix}{key}: {scalar(value)}")


def emit_list(items: list[Any], indent: int, lines: list[str], loc: Loc, key_lines: dict[Loc, int]) -> None:
    for i, item in enumerate(items):
        dash = " " * indent + "- "
        if isinstance(item, dict) and item:
            emit_mapping(item, indent + 2, lines, (*loc, i), key_lines, dash)
        else:
            lines.append(f"{dash}{scalar(item)}")


def emit(document: dict[str, Any]) -> tuple[str, dict[Loc, int]]:
    lines: list[str] = []
    key_lines: dict[Loc, int] = {}
    emit_mapping(document, 0, lines, (), key_lines, "")
    return "\n".join(lines) + "\n", key_lines


def path_text(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@st.composite
def reshaped(draw: st.DrawFn, add_extras: bool) -> tuple[dict[str, Any], list[Loc]]:
    """BASE with every mapping's keys shuffled and, optionally, unknown keys slipped in at random places."""
    extras: list[Loc] = []

    def rebuild(value: Any, loc: Loc) -> Any:
        if isinstance(value, list):
            return [rebuild(item, (*loc, i)) for i, item in enumerate(value)]
        if not isinstance(value, dict):
            return value
        keys = draw(st.permutations(list(value)))
        rebuilt = {key: rebuild(value[key], (*loc, key)) for key in keys}
        # A transform is one name with its arguments: an added key would change its meaning, not be unknown.
        if add_extras and "transforms" not in loc and draw(st.integers(0, 3)) == 0:
            name = f"{draw(st.sampled_from(EXTRA_NAMES))}_{len(extras)}"
            position = draw(st.integers(0, len(rebuilt)))
            items = list(rebuilt.items())
            items.insert(position, (name, draw(st.sampled_from(["x", 7, True]))))
            rebuilt = dict(items)
            extras.append((*loc, name))
        return rebuilt

    return rebuild(BASE, ()), extras


BASE_PLACE = load_place_text(emit(BASE)[0])


@settings(max_examples=60, deadline=None)
@given(reshaped(add_extras=False))
def test_key_order_never_changes_the_place(case: tuple[dict[str, Any], list[Loc]]) -> None:
    document, _ = case
    text, _ = emit(document)

    result = validate_place_text(text)

    assert result.problems == []
    assert result.place == BASE_PLACE


@settings(max_examples=80, deadline=None)
@given(reshaped(add_extras=True))
def test_unknown_keys_are_reported_on_the_line_they_are_written(case: tuple[dict[str, Any], list[Loc]]) -> None:
    document, extras = case
    text, key_lines = emit(document)

    result = validate_place_text(text)

    # Connections deliberately take any keys; everywhere else an unknown key is a problem on its line.
    expected = sorted((key_lines[loc], path_text(loc)) for loc in extras if "connection" not in loc)
    assert sorted((p.line, p.path) for p in result.problems) == expected
    for problem in result.problems:
        assert "unknown key" in problem.message or "not a known section" in problem.message
    assert (result.place is None) == bool(expected)
