"""The single view renders as rich tables: records per system, golden record with provenance, conflicts."""

from __future__ import annotations

import json
from datetime import date

from rich.console import Console

import joinedup.singleview as singleview
from joinedup.singleview import Strategy, SurvivorshipRules, render_single_view

from .support import at, record


def text_of(renderable: object) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_the_view_shows_records_golden_values_with_provenance_and_conflicts() -> None:
    records = [
        record("gp", "G1", days=0, dob=date(1970, 3, 4), address=at("1 Oak Road", uprn=1001)),
        record("council-tax", "C77", days=40, dob=date(1970, 4, 3), address=at("9 Elm Street", "KB2 7XY", uprn=2002)),
    ]
    rules = SurvivorshipRules.uniform(Strategy.MOST_RECENT, {"gp": 5, "council-tax": 3})

    text = text_of(render_single_view("R000007", records, rules))

    assert "R000007" in text and "2 records in 2 systems" in text
    golden = text[text.index("Golden record") : text.index("Conflicts between systems")]
    assert "9 Elm Street" in golden
    assert "council-tax C77 v1" in golden  # the value's provenance: system, record, version
    assert "2025-02-10" in golden  # ...and time
    conflicts = text[text.index("Conflicts between systems") :]
    assert "1970-03-04" in conflicts and "1970-04-03" in conflicts
    assert "gp G1 v1" in conflicts


def test_a_view_without_conflicts_says_so() -> None:
    text = text_of(render_single_view("R1", [record("gp", "G1")], SurvivorshipRules.uniform(Strategy.MOST_RECENT)))
    assert "No conflicts" in text


def test_the_public_surface_is_complete() -> None:
    exported = {name for name in dir(singleview) if not name.startswith("_")}
    modules = {name for name in exported if isinstance(getattr(singleview, name), type(singleview))}
    assert set(singleview.__all__) == exported - modules


def test_the_showcase_picks_residents_held_by_the_most_systems_then_with_the_most_conflicts() -> None:
    many = [record("gp", "G1"), record("housing", "H1"), record("schools", "S1")]
    conflicted = [record("gp", "G2", dob=date(1980, 1, 2)), record("housing", "H2", dob=date(1980, 2, 1))]
    quiet = [record("gp", "G3"), record("housing", "H3")]
    alone = [record("gp", "G4"), record("gp", "G5", dob=date(1999, 9, 9))]
    residents = [("R-quiet", quiet), ("R-alone", alone), ("R-conflicted", conflicted), ("R-many", many)]

    assert singleview.showcase_residents(residents, count=3) == ["R-many", "R-conflicted", "R-quiet"]
    assert singleview.showcase_residents(residents, count=1) == ["R-many"]


def test_the_view_as_json_keeps_every_value_with_its_provenance() -> None:
    records = [
        record("gp", "G1", dob=date(1970, 3, 4), dod=date(2024, 1, 2), address=at("1 Oak Road", uprn=1001)),
        record("council-tax", "C77", days=40, dob=date(1970, 3, 4), address=at("9 Elm Street", "KB2 7XY")),
    ]
    view = singleview.build_single_view("R9", records, SurvivorshipRules.uniform(Strategy.MOST_RECENT))

    data = json.loads(json.dumps(singleview.view_as_dict(view)))

    assert data["golden"]["address"]["value"]["postcode"] == "KB2 7XY"
    assert data["golden"]["address"]["provenance"] == {
        "system": "council-tax", "record_id": "C77", "version": 1, "observed_at": "2025-02-10T09:00:00Z",
    }  # fmt: skip
    assert data["golden"]["date_of_birth"]["value"] == "1970-03-04"
    assert len(data["golden"]["date_of_birth"]["supported_by"]) == 2
    assert "email" not in data["golden"]
    death = next(c for c in data["conflicts"] if c["field"] == "date_of_death")
    assert sorted(str(v["value"]) for v in death["values"]) == ["2024-01-02", "None"]
