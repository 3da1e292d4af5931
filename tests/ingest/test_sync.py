"""Syncing a real file-drop source end to end, on both backends: keep, version, quarantine, stop on drift,
and survive SIGKILL at any point without losing or duplicating a record."""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from joinedup.connectors import open_connector
from joinedup.ingest import check_mappings, compile_mapping
from joinedup.ingest.sync import RecordMapper, SourceSync
from joinedup.model import EntityType, raw_content_hash
from joinedup.place import Place, load_place_text
from joinedup.store import Database
from joinedup.store.ingest_state import QuarantineStore, SyncStateStore
from joinedup.store.place_registry import register_place
from joinedup.store.source_records import SourceRecordStore
from joinedup.store.tables import source_record_heads, source_records

COLUMNS = ["ACCOUNT_REF", "FULL_NAME", "DOB", "POSTCODE"]

PLACE = """\
place: {{name: Testshire, code: testshire}}
organisations:
  - {{code: council, name: Council, type: local-authority}}
systems:
  - code: council-tax
    name: Council Tax
    organisation: council
    kind: file
    entity: person
    connection:
      directory: "{drop}"
      pattern: "*.csv"
      format: csv
      delimiter: ";"
      id_column: ACCOUNT_REF
      columns: [ACCOUNT_REF, FULL_NAME, DOB, POSTCODE]
      ready: marker
mappings:
  - system: council-tax
    fields:
      - {{source: ACCOUNT_REF, target: record_id}}
      - source: FULL_NAME
        target: name
        transforms: [{{split-name: {{order: family-first}}}}]
      - source: DOB
        target: date_of_birth
        transforms: [{{date: "%d/%m/%Y"}}]
      - source: POSTCODE
        target: postcode
        transforms: [postcode]
"""


def _write_drop(drop: Path, name: str, rows: list[list[str]], columns: list[str] = COLUMNS) -> None:
    drop.mkdir(parents=True, exist_ok=True)
    with (drop / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(columns)
        writer.writerows(rows)
    (drop / f"{name}.done").write_text("", encoding="utf-8")


def _rows(count: int, start: int = 0) -> list[list[str]]:
    return [
        [f"CT{n:07d}", f"SMITH, Person{n} J", f"{1 + n % 28:02d}/{1 + n % 12:02d}/19{50 + n % 50}", "KB1 4AA"]
        for n in range(start, start + count)
    ]


def _place(tmp_path: Path) -> Place:
    return load_place_text(PLACE.format(drop=tmp_path / "drop"), checks=[check_mappings])


def _sync(database: Database, place: Place, **options: Any) -> SourceSync:
    system = place.system("council-tax")
    assert system is not None
    register_place(database, place)
    connector = open_connector("file", system.connection, {})
    mapper = RecordMapper("council-tax", EntityType.PERSON, compile_mapping(place.mappings[0]))
    return SourceSync(database, connector, mapper, batch_size=50, **options)


def test_sync_keeps_good_rows_and_quarantines_bad_ones(database: Database, tmp_path: Path) -> None:
    rows = _rows(120)
    rows[7][2] = "31/02/1980"  # not a date
    rows[40][1] = ""  # no name at all
    _write_drop(tmp_path / "drop", "ctax_20260101.csv", rows)
    report = _sync(database, _place(tmp_path)).run()

    assert report.status == "succeeded"
    assert (report.saved.new, report.quarantined) == (118, 2)
    held = {entry.record_id: entry for entry in QuarantineStore(database).list("council-tax")}
    assert set(held) == {"CT0000007", "CT0000040"}
    assert held["CT0000007"].reasons == ("DOB: not a date in the format %d/%m/%Y",)
    assert held["CT0000007"].location.startswith("ctax_20260101.csv")
    assert held["CT0000007"].raw["DOB"] == "31/02/1980"  # kept raw, nothing lost
    stored = SourceRecordStore(database).current("council-tax", "CT0000001")
    assert stored is not None and stored.person is not None
    assert stored.person.name.family == "SMITH" and stored.raw["ACCOUNT_REF"] == "CT0000001"
    assert SyncStateStore(database).get("council-tax").last_success_at is not None


def test_a_changed_export_adds_versions_only_for_changed_rows(database: Database, tmp_path: Path) -> None:
    place = _place(tmp_path)
    _write_drop(tmp_path / "drop", "ctax_1.csv", _rows(60))
    assert _sync(database, place).run().saved.new == 60
    changed = _rows(60)
    changed[3][3] = "KB2 9ZZ"
    _write_drop(tmp_path / "drop", "ctax_2.csv", changed)
    report = _sync(database, place).run()
    assert (report.saved.new, report.saved.changed, report.saved.unchanged) == (0, 1, 59)
    assert [r.version for r in SourceRecordStore(database).history("council-tax", "CT0000003")] == [1, 2]
    assert not (tmp_path / "drop" / "ctax_1.csv").exists(), "a stored file is archived"


@pytest.mark.parametrize("read_in_child", [True, False], ids=["reader process", "one process"])
def test_records_stored_with_the_old_hash_are_unchanged_after_the_upgrade(
    database: Database, tmp_path: Path, read_in_child: bool
) -> None:
    place = _place(tmp_path)
    _write_drop(tmp_path / "drop", "ctax_1.csv", _rows(30))
    assert _sync(database, place).run().saved.new == 30
    with database.transaction() as connection:  # what a store written before flat-payload hashes holds
        for pk, raw in connection.execute(select(source_records.c.id, source_records.c.raw)).all():
            connection.execute(
                update(source_record_heads)
                .where(source_record_heads.c.source_record_pk == pk)
                .values(content_hash=raw_content_hash(raw))
            )
    changed = _rows(30)
    changed[5][3] = "KB2 9ZZ"
    _write_drop(tmp_path / "drop", "ctax_2.csv", changed)
    report = _sync(database, place, read_in_child=read_in_child).run()
    assert (report.saved.new, report.saved.changed, report.saved.unchanged) == (0, 1, 29)


def test_schema_drift_stops_the_source_with_a_clear_reason(database: Database, tmp_path: Path) -> None:
    renamed = ["ACCOUNT_REF", "NAME", "DOB", "POSTCODE"]
    _write_drop(tmp_path / "drop", "ctax_1.csv", _rows(10), columns=renamed)
    sync = _sync(database, _place(tmp_path))
    report = sync.run()
    assert report.status == "stopped"
    assert report.error is not None and "FULL_NAME" in report.error
    assert SourceRecordStore(database).counts() == []
    assert sync.run().status == "stopped", "a stopped source stays stopped until someone acts"


def _stored_counts(database: Database) -> tuple[int, int]:
    statement = select(func.count(func.distinct(source_records.c.record_id)), func.count())
    with database.engine.connect() as connection:
        distinct, total = connection.execute(statement).one()
    return int(distinct), int(total)


@pytest.mark.slow
@pytest.mark.parametrize("reader_process", ["always", "never"])
def test_sigkill_at_any_point_loses_and_duplicates_nothing(
    database_url: str, tmp_path: Path, reader_process: str
) -> None:
    """Killed with the reading in a second process (the writer's queue lost with it) and in one process alike."""
    total, files = 40_000, 4
    drop = tmp_path / "drop"
    for part in range(files):
        _write_drop(drop, f"ctax_{part}.csv", _rows(total // files, start=part * (total // files)))
    place_file = tmp_path / "place.yaml"
    place_file.write_text(PLACE.format(drop=drop), encoding="utf-8")
    command = [str(Path(sys.executable).with_name("joinedup")), "sync", "council-tax", "--place", str(place_file),
               "--database-url", database_url]  # fmt: skip
    database = Database(database_url)
    database.migrate()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
    environment["JOINEDUP_INGEST_READER_PROCESS"] = reader_process
    chance = random.Random(7)
    kills = 0
    while kills < 3:
        before, _ = _stored_counts(database)
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Wait until this run has committed at least one batch, then kill it at a random moment after.
        deadline = time.monotonic() + 120
        while process.poll() is None and _stored_counts(database)[0] == before and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is not None:
            break
        time.sleep(chance.uniform(0, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        kills += 1
        distinct, versions = _stored_counts(database)
        assert distinct == versions, "a record was stored twice"
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr
    assert kills >= 2, "the sync finished before it could be killed: make the files bigger"
    assert _stored_counts(database) == (total, total)
    statuses = [run.status for run in SyncStateStore(database).runs("council-tax")]
    assert statuses[-1] == "succeeded"
    assert statuses.count("interrupted") >= kills, "each killed run is recorded as interrupted"
    database.dispose()


def test_a_record_sent_twice_in_one_batch_is_judged_against_the_version_before_it(
    database: Database, tmp_path: Path
) -> None:
    # Only a record's first appearance in a batch may be skipped as already held; a later one follows a
    # version the same batch may be adding. Here CT0000001 goes back to its old payload and then forward again.
    place = _place(tmp_path)
    rows = _rows(3)
    _write_drop(tmp_path / "drop", "ctax_1.csv", rows)
    assert _sync(database, place).run().saved.new == 3
    older = [*rows[1][:3], "KB2 9ZZ"]
    _write_drop(tmp_path / "drop", "ctax_2.csv", [older, rows[1], rows[2], rows[2]])
    report = _sync(database, place).run()
    assert (report.saved.new, report.saved.changed, report.saved.unchanged) == (0, 2, 2)
    history = SourceRecordStore(database).history("council-tax", "CT0000001")
    assert [(r.version, r.raw["POSTCODE"]) for r in history] == [(1, "KB1 4AA"), (2, "KB2 9ZZ"), (3, "KB1 4AA")]
    assert [r.version for r in SourceRecordStore(database).history("council-tax", "CT0000002")] == [1]
