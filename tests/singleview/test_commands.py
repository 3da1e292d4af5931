"""`joinedup view`, `fhir` and `out-of-sync` as an operator runs them, on a database linkage has filled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from rich.console import Console

from joinedup.cli import ExitCode, singleview_commands
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.place_registry import register_place
from joinedup.store.residents import ResidentStore
from joinedup.store.source_records import SourceRecordStore

from .support import at, record

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RESIDENTS = {
    "R-ann": [
        record("gp", "G1", given="Ann", dob=date(1950, 6, 7), nhs="9434765919", address=at("1 Oak Road", uprn=11)),
        record("council-tax", "C1", given="Ann", days=30, dob=date(1950, 6, 7), address=at("9 Elm St", "KB2 7XY")),
    ],
    "R-bob": [record("gp", "G2", given="Bob"), record("housing", "H2", given="Robert")],
}


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("joinedup")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
    environment |= {"COLUMNS": "200", "NO_COLOR": "1", "JOINEDUP_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}"}
    command = [str(script)] if script.exists() else [sys.executable, "-m", "joinedup.cli"]
    return subprocess.run(
        [*command, *args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    database = Database(f"sqlite:///{tmp_path / 'hub.db'}")
    database.migrate()
    register_place(database, load_place(demo_place_path()), now=NOW)
    SourceRecordStore(database).save(r for records in RESIDENTS.values() for r in records)
    residents = ResidentStore(database)
    with database.transaction() as connection:
        for resident_id, records in RESIDENTS.items():
            residents.create_in(connection, resident_id, NOW)
            for r in records:
                residents.attach_in(connection, (r.system, r.record_id), resident_id, "bulk", NOW)
    database.dispose()
    return tmp_path


def test_view_shows_the_golden_record_and_the_conflict(hub: Path) -> None:
    result = run(hub, "view", "R-ann", "--place", str(demo_place_path()))
    assert result.returncode == ExitCode.OK, result.stderr
    assert "Golden record" in result.stdout
    assert "council-tax C1 v1" in result.stdout  # the most recent address, with its provenance
    assert "Conflicts between systems" in result.stdout and "1 Oak Road" in result.stdout


def test_fhir_prints_a_patient_with_the_nhs_number(hub: Path) -> None:
    result = run(hub, "fhir", "R-ann", "--place", str(demo_place_path()))
    assert result.returncode == ExitCode.OK, result.stderr
    patient = json.loads(result.stdout)
    assert patient["resourceType"] == "Patient"
    assert {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919", "use": "official"} in patient[
        "identifier"
    ]


def test_an_unknown_resident_or_a_missing_place_file_is_refused(hub: Path) -> None:
    unknown = run(hub, "view", "R-nobody", "--place", str(demo_place_path()))
    assert unknown.returncode == ExitCode.INVALID_INPUT, unknown.stderr
    assert "R-nobody" in unknown.stderr
    assert run(hub, "view", "R-ann").returncode == ExitCode.USAGE


def test_out_of_sync_reports_counts_per_pair(hub: Path) -> None:
    result = run(hub, "out-of-sync", "--json")
    assert result.returncode == ExitCode.OK, result.stderr
    report = json.loads(result.stdout)
    assert report["residents"] == 2
    pairs = {tuple(p["systems"]): p for p in report["pairs"]}
    assert pairs[("council-tax", "gp")] == {
        "systems": ["council-tax", "gp"], "shared_residents": 1, "out_of_sync": 1, "fields": {"address": 1},
    }  # fmt: skip
    assert pairs[("gp", "housing")]["out_of_sync"] == 0  # Bob and Robert are one name
    table = run(hub, "out-of-sync")
    assert "council-tax / gp" in table.stdout and "Ann" not in table.stdout


def test_the_demo_hook_shows_the_residents_held_by_the_most_systems(hub: Path) -> None:
    database = Database(f"sqlite:///{hub / 'hub.db'}")
    recorder = Console(width=200, record=True, color_system=None)
    try:
        shown = singleview_commands.show_residents(database, load_place(demo_place_path()), count=1, out=recorder)
    finally:
        database.dispose()
    assert shown == ["R-ann"]  # two systems each, but Ann's records disagree on her address
    assert "Golden record" in recorder.export_text()
