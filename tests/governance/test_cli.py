"""The governance commands as users run them: `validate` refuses bad agreements with lines; `agreements diff`
names exact permissions; consents and the DPO's break-glass list work through the command line."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from joinedup.governance import Actor, DecisionPoint, DisclosureGate, Request
from joinedup.place import load_place
from joinedup.store import Database

from .support import PLACE

JOINEDUP = str(Path(sys.executable).with_name("joinedup"))


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")} | {"COLUMNS": "250", "NO_COLOR": "1"}
    env["JOINEDUP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    return subprocess.run(
        [JOINEDUP, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def at(text: str, needle: str) -> str:
    """``LINE:COLUMN`` of the first occurrence of ``needle``, counted from 1 as editors do."""
    line, column = next((n, row.index(needle) + 1) for n, row in enumerate(text.splitlines(), 1) if needle in row)
    return f"{line}:{column}"


def test_validate_refuses_special_category_without_article_9_a_lapsed_agreement_and_an_unknown_party(
    tmp_path: Path,
) -> None:
    text = (
        PLACE.replace("public-task}\n    fields: [person.name, person.address]",
                      "public-task}\n    fields: [person.name, person.address, health.gp]")
        .replace("parties: [council, police]", "parties: [council, fire]")
    )  # fmt: skip
    place_file = tmp_path / "place.yaml"
    place_file.write_text(text, encoding="utf-8")

    result = run(tmp_path, "validate", str(place_file))

    assert result.returncode == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith(f"{place_file}:")][:-1]
    assert problems == [
        f"{place_file}:{at(text, 'health.gp]')}: agreements[1] 'housing' shares special category data "
        "('health.gp') but its lawful basis names no Article 9 condition; add lawful_basis.article_9.",
        f"{place_file}:{at(text, 'fire]')}: agreements[3] 'scoring' names party 'fire', which is "
        "not declared under organisations.",
    ]
    # With the shape fixed, the lapsed agreement is the one problem left, on its review date's line.
    place_file.write_text(PLACE, encoding="utf-8")
    lapsed = run(tmp_path, "validate", str(place_file))
    assert lapsed.returncode == 1
    assert f"{place_file}:{at(PLACE, '2026-01-01')}: agreements[4] 'old-tax' version 0.1 lapsed" in lapsed.stderr


def test_agreements_diff_names_each_added_and_removed_permission(tmp_path: Path) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(PLACE, encoding="utf-8")
    new.write_text(
        PLACE.replace('version: "1.0"\n    parties: [council, surgery]\n    purposes:\n      - {code: housing',
                      'version: "1.1"\n    parties: [council, surgery]\n    purposes:\n      - {code: housing')
        .replace("[housing-officer], fields: [person.name, person.address]}",
                 "[housing-officer], fields: [person.name]}\n      - {recipients: [surgery], fields: [person.address]}"),  # noqa: E501
        encoding="utf-8",
    )  # fmt: skip

    result = run(tmp_path, "agreements", "diff", str(old), str(new))

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "housing: version 1.0 -> 1.1",
        "  + surgery (any role) may receive person.address for housing",
        "  - council (housing-officer) may receive person.address for housing",
    ]


def test_consents_and_break_glass_reviews_through_the_command_line(tmp_path: Path) -> None:
    document = tmp_path / "objection.json"
    document.write_text(
        json.dumps({"id": "obj-9", "subject": "r-9", "scope": "share", "decision": "deny",
                    "recorded_on": "2026-01-05", "evidence": "letter"}),
        encoding="utf-8",
    )  # fmt: skip
    assert run(tmp_path, "consent", "add", str(document)).returncode == 0
    listed = run(tmp_path, "consent", "list", "r-9", "--fhir")
    assert json.loads(listed.stdout)[0]["decision"] == "deny"
    assert run(tmp_path, "consent", "withdraw", "obj-9", "--reason", "changed mind").returncode == 0
    assert json.loads(run(tmp_path, "consent", "list", "r-9", "--fhir").stdout)[0]["status"] == "inactive"

    place_file = tmp_path / "place.yaml"
    place_file.write_text(PLACE, encoding="utf-8")
    database = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    gate = DisclosureGate(DecisionPoint(load_place(place_file), clock=lambda: dt.datetime(2026, 6, 1, tzinfo=dt.UTC)))
    with database.transaction() as connection:
        request = Request(Actor("ho", "housing-officer", "council"), "emergency", "r-9", ("person.name",))
        gate.break_glass_in(connection, request, "Resident unconscious in a flat", lambda f: dict.fromkeys(f, "x"))
    database.dispose()

    assert "Resident unconscious in a flat" in run(tmp_path, "breakglass", "list").stdout
    assert run(tmp_path, "breakglass", "close", "1", "--by", "dpo", "--outcome", "justified").returncode == 0
    assert "Resident unconscious" not in run(tmp_path, "breakglass", "list").stdout
    assert "dpo: justified" in run(tmp_path, "breakglass", "list", "--all").stdout
    assert run(tmp_path, "breakglass", "close", "1", "--by", "dpo", "--outcome", "again").returncode == 1
