"""`joinedup demo --no-serve` on each backend: the place is generated, loaded, summarised; a rerun changes nothing."""

from __future__ import annotations

from joinedup.cli import ExitCode
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.ingest_state import QuarantineStore
from joinedup.store.source_records import SourceRecordStore

from .conftest import Run


def test_demo_loads_every_system_and_a_rerun_is_idempotent(run_cli: Run, database_url: str) -> None:
    first = run_cli("demo", "--people", "600", "--no-serve", "--database-url", database_url)
    assert first.returncode == ExitCode.OK, first.stderr
    assert "What is where" in first.stdout

    database = Database(database_url)
    counts = {c.system: c for c in SourceRecordStore(database).counts()}
    assert set(counts) == {system.code for system in load_place(demo_place_path()).systems}
    assert all(c.records > 0 and c.versions == c.records for c in counts.values())
    assert "not synced" not in first.stdout, "every system is pulled in through its connector"
    assert QuarantineStore(database).open_counts() == {}, "every record of the synthetic place maps"
    total = sum(c.records for c in counts.values())
    assert f"{total:,} new" in first.stdout

    second = run_cli("demo", "--people", "600", "--no-serve", "--database-url", database_url)
    assert second.returncode == ExitCode.OK, second.stderr
    assert "0 new, 0 changed" in second.stdout
    assert sum(c.versions for c in SourceRecordStore(database).counts()) == total
    database.dispose()


def test_demo_default_database_is_joinedup_db_in_the_working_folder(run_cli: Run, tmp_path: object) -> None:
    from pathlib import Path

    result = run_cli("demo", "--people", "50", "--no-serve")
    assert result.returncode == ExitCode.OK, result.stderr
    assert (Path(str(tmp_path)) / "joinedup.db").exists()
