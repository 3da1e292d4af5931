"""Connections stay free-form, but secrets must come from the environment, not the file."""

from __future__ import annotations

import json

import pytest

from joinedup.place import PlaceProblem, load_place_text, validate_place_text

HEADER = """\
place: {name: Testville, code: testville}
organisations:
  - {code: council, name: Testville Council, type: local-authority}
systems:
  - code: tax
    name: Council Tax
    organisation: council
    kind: api
    entity: person
    connection:
"""
FIRST_CONNECTION_LINE = HEADER.count("\n") + 1


def problems_for(connection_lines: str) -> list[PlaceProblem]:
    return validate_place_text(HEADER + connection_lines).problems


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("password", "hunter2"),
        ("client_secret", "s3cr3t"),
        ("api_key", "abc123"),
        ("apiKey", "abc123"),
        ("access_token", "t0k-value"),
        ("private-key", "xyz"),
        ("password", 123456),
    ],
)
def test_secret_named_keys_must_hold_an_environment_reference(key: str, value: object) -> None:
    problems = problems_for(f"      {key}: {json.dumps(value)}\n")

    assert [(p.line, p.path) for p in problems] == [(FIRST_CONNECTION_LINE, f"systems[0].connection.{key}")]
    assert "environment variable" in problems[0].message
    assert str(value) not in problems[0].message  # the message never repeats the secret


@pytest.mark.parametrize(
    "value",
    [
        "postgresql://hub:Pa55word@db.example:5432/asc",
        "https://api.example/v1?api_key=abc123def",
        "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBg",
        "Bearer eyJhbGciOiJIUzI1NiJ9KZx7Qm2vLp9sT4wR8yN3cB6",
        "0123456789abcdef0123456789abcdef",
        "${lowercase_is_not_a_reference}",
        "${UNCLOSED",
    ],
)
def test_secret_looking_values_are_reported_whatever_the_key(value: str) -> None:
    problems = problems_for(f"      setting: {json.dumps(value)}\n")

    assert [(p.line, p.path) for p in problems] == [(FIRST_CONNECTION_LINE, "systems[0].connection.setting")]


def test_secrets_nested_deep_in_a_connection_are_found_on_their_line() -> None:
    lines = "      auth:\n        type: basic\n        users:\n          - name: hub\n            password: pw\n"

    problems = problems_for(lines)

    assert [(p.line, p.path) for p in problems] == [
        (FIRST_CONNECTION_LINE + 4, "systems[0].connection.auth.users[0].password")
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("password", "${TAX_PASSWORD}"),
        ("url", "postgresql://hub:${TAX_DB_PASSWORD}@db.example:5432/tax"),
        ("base_url", "${TAX_URL}/api/v2"),
        ("token_url", "https://login.example/oauth2/token"),
        ("password_file", "/run/secrets/tax-password"),
        ("directory", "/exports/CouncilTax/2024-25/Extracts"),
        ("tenant", "123e4567-e89b-12d3-a456-426614174000"),
        ("host", "revenues-db-01.kettleby.example"),
        ("key_column", "uprn"),
        ("timeout_seconds", 30),
        ("password", None),
    ],
)
def test_ordinary_settings_and_environment_references_are_accepted(key: str, value: object) -> None:
    place = load_place_text(HEADER + f"      {key}: {json.dumps(value)}\n")

    assert place.system("tax").connection == {key: value}


def test_connection_takes_any_keys_the_connector_needs() -> None:
    lines = "      format: fixed-width\n      columns: [{name: ref, width: 10}]\n      encoding: cp1252\n"

    place = load_place_text(HEADER + lines)

    assert place.system("tax").connection["columns"] == [{"name": "ref", "width": 10}]
