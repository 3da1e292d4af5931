"""`joinedup sync`, `sources` and `quarantine list` as an operator runs them against a real drop folder."""

from __future__ import annotations

from pathlib import Path

from joinedup.cli import ExitCode
from joinedup.store import Database
from joinedup.store.source_records import SourceRecordStore

from ..ingest.test_sync import PLACE, _rows, _write_drop
from .conftest import Run


def test_sync_then_see_freshness_and_quarantine(run_cli: Run, tmp_path: Path) -> None:
    rows = _rows(30)
    rows[4][2] = "not a date"
    _write_drop(tmp_path / "drop", "ctax_1.csv", rows)
    (tmp_path / "place.yaml").write_text(PLACE.format(drop=tmp_path / "drop"), encoding="utf-8")

    synced = run_cli("sync", "council-tax", "--place", "place.yaml")
    assert synced.returncode == ExitCode.OK, synced.stderr
    assert "29 new" in synced.stdout and "1 quarantined" in synced.stdout

    held = run_cli("quarantine", "list", "council-tax")
    assert held.returncode == ExitCode.OK
    assert "CT0000004" in held.stdout and "DOB" in held.stdout
    assert "not a date" not in held.stdout.replace("not a date in the format", ""), "the raw value is not shown"

    fresh = run_cli("sources")
    assert fresh.returncode == ExitCode.OK
    assert "council-tax" in fresh.stdout and "ok" in fresh.stdout


def test_sync_without_a_place_file_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("sync", "council-tax")
    assert result.returncode == ExitCode.USAGE
    assert "place file" in result.stderr


def test_sync_of_an_undeclared_system_is_invalid_input(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "place.yaml").write_text(PLACE.format(drop=tmp_path / "drop"), encoding="utf-8")
    result = run_cli("sync", "no-such-system", "--place", "place.yaml")
    assert result.returncode == ExitCode.INVALID_INPUT
    assert "no-such-system" in result.stderr


def test_fixing_the_mapping_releases_quarantined_records(run_cli: Run, tmp_path: Path) -> None:
    rows = _rows(20)
    for broken in (3, 9):
        rows[broken][2] = "1980-05-17"  # ISO dates, where the mapping expects dd/mm/yyyy
    _write_drop(tmp_path / "drop", "ctax_1.csv", rows)
    place = PLACE.format(drop=tmp_path / "drop")
    (tmp_path / "place.yaml").write_text(place, encoding="utf-8")
    assert "2 quarantined" in run_cli("sync", "council-tax", "--place", "place.yaml").stdout

    still = run_cli("quarantine", "retry", "council-tax", "--place", "place.yaml")
    assert still.returncode == ExitCode.OK, still.stderr
    assert "0 released" in still.stdout and "2 still held" in still.stdout

    fixed = place.replace('[{date: "%d/%m/%Y"}]', '[{date: {formats: ["%d/%m/%Y", "%Y-%m-%d"]}}]')
    assert fixed != place
    (tmp_path / "place.yaml").write_text(fixed, encoding="utf-8")
    released = run_cli("quarantine", "retry", "council-tax", "--place", "place.yaml")
    assert "2 released" in released.stdout and "0 still held" in released.stdout
    assert "CT0000003" not in run_cli("quarantine", "list", "council-tax").stdout
    database = Database(f"sqlite:///{tmp_path / 'joinedup.db'}")
    released_record = SourceRecordStore(database).current("council-tax", "CT0000003")
    assert released_record is not None and released_record.person is not None
    assert released_record.person.date_of_birth is not None
    assert released_record.person.date_of_birth.isoformat() == "1980-05-17"
    database.dispose()
