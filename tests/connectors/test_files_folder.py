"""The watched folder: partial files are never read, files are picked up once and archived, cursors resume
exactly, change files are written once; and the simulated council-tax export's quirks come through."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from joinedup.connectors.base import Capability, Change, ConnectorError
from joinedup.connectors.files import FileDropConnector, change_file_name
from joinedup.sim import SyntheticPlace
from joinedup.sim.servers.file_export import CouncilTaxExport, ExportPause, connection


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    place = SyntheticPlace(people=2_000, seed=11)
    return [row for batch in place.batches() if batch.system == "council-tax" for row in batch.native_rows()]


def test_a_file_without_its_marker_is_not_read_until_complete(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    system = CouncilTaxExport(rows, tmp_path / "drop")
    connector = FileDropConnector.from_connection(connection(tmp_path / "drop"))
    pause = ExportPause()
    writer = threading.Thread(target=system.export_full, kwargs={"pause": pause})
    writer.start()
    try:
        assert pause.reached.wait(10)
        (written,) = (tmp_path / "drop").glob("*.csv")
        assert written.stat().st_size > 10_000  # half the rows really are on disk
        assert list(connector.read()) == []
        assert connector.health().detail == "0 files ready, 1 still being written"
    finally:
        pause.resume.set()
        writer.join()
    records = list(connector.read())
    assert [r.record_id for r in records] == [row["ACCOUNT_REF"] for row in rows]
    assert all(r.problem is None for r in records)  # the trailer count matched


def test_settle_mode_waits_until_the_file_stops_changing(tmp_path: Path) -> None:
    settings = {"directory": str(tmp_path), "id_column": "id", "ready": "settle", "settle_seconds": 0.4}
    connector = FileDropConnector.from_connection(settings)
    path = tmp_path / "feed.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,name\n1,Ann\n2,B")
        handle.flush()
        assert list(connector.read()) == []  # just written: not settled
        time.sleep(0.2)
        handle.write("o\n3,Cy\n")
    assert list(connector.read()) == []  # the writer touched it again, so the wait starts over
    time.sleep(0.5)
    assert [(r.record_id, r.payload["name"]) for r in connector.read()] == [("1", "Ann"), ("2", "Bo"), ("3", "Cy")]


def test_temporary_names_are_never_read(tmp_path: Path) -> None:
    for name in (".feed.csv", "feed.csv.tmp", "feed.csv.part"):
        (tmp_path / name).write_text("id\n1\n", encoding="utf-8")
    connector = FileDropConnector.from_connection(
        {"directory": str(tmp_path), "id_column": "id", "ready": "settle", "settle_seconds": 0}
    )
    assert list(connector.read()) == []


def test_files_are_picked_up_once_and_archived(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    drop = tmp_path / "drop"
    system = CouncilTaxExport(rows[:30], drop)
    first = system.export_changes()
    assert first is not None
    connector = FileDropConnector.from_connection(connection(drop))
    records = list(connector.read())
    assert len(records) == 30
    assert records[-1].cursor == first.name
    assert connector.archive_through(records[-1].cursor) == [first.name]
    assert sorted(p.name for p in (drop / "archive").iterdir()) == [first.name, first.name + ".done"]
    assert sorted(p.name for p in drop.iterdir()) == ["archive"]
    assert list(connector.read()) == []  # archived files are not read again
    system.change(rows[0]["ACCOUNT_REF"], TEL_NO="07700 900001")
    second = system.export_changes()
    assert second is not None
    assert [(r.record_id, r.payload["TEL_NO"]) for r in connector.read()] == [(rows[0]["ACCOUNT_REF"], "07700 900001")]


def test_a_mid_file_cursor_resumes_without_loss_or_duplicates(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    drop = tmp_path / "drop"
    system = CouncilTaxExport(rows[:40], drop)
    system.export_changes()
    system.change(rows[1]["ACCOUNT_REF"], EMAIL_ADDR="new@example.org")
    system.add({"SURNAME": "LATE"})
    system.export_changes()
    connector = FileDropConnector.from_connection(connection(drop))
    everything = [(r.record_id, r.location.description) for r in connector.read()]
    assert len(everything) == 42
    for stop in (1, 17, 39, 40, 41):  # inside the first file, at its end, inside the second
        before = list(connector.read())[:stop]
        cursor = before[-1].cursor
        assert cursor is not None
        after = [(r.record_id, r.location.description) for r in connector.read(since=cursor)]
        assert [(r.record_id, r.location.description) for r in before] + after == everything
    partial = list(connector.read())[16].cursor
    assert partial is not None and partial.endswith("#after=17")
    assert connector.archive_through(partial) == []  # that file is not finished, so it stays


def test_the_export_carries_the_suppliers_quirks(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    apostrophe = next(row for row in rows if "'" in row["SURNAME"])
    flat = next(row for row in rows if row["ADDR1"].startswith("FLAT "))
    system = CouncilTaxExport([apostrophe, flat], tmp_path)
    path = system.export_full()
    raw = path.read_bytes()
    assert b"\x92" in raw  # the typographic apostrophe in Windows-1252
    assert raw.startswith(b"ACCOUNT_REF;TITLE;") and b"\r\n" in raw
    assert raw.rstrip().split(b"\r\n")[-1].startswith(b"TRL;2;")
    records = {r.record_id: r for r in FileDropConnector.from_connection(connection(tmp_path)).read()}
    assert records[apostrophe["ACCOUNT_REF"]].payload["SURNAME"] == apostrophe["SURNAME"].replace("'", "’")
    address = records[flat["ACCOUNT_REF"]].payload["ADDR1"]
    assert "\n" in address and address.replace("\n", ", ") == flat["ADDR1"]
    assert records[flat["ACCOUNT_REF"]].location.description == f"{path.name} line 3"


def test_change_files_are_named_by_key_and_written_once(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    inbound = tmp_path / "inbound"
    system = CouncilTaxExport(rows[:5], tmp_path / "drop", inbound)
    connector = FileDropConnector.from_connection(connection(tmp_path / "drop", inbound))
    record_id = rows[0]["ACCOUNT_REF"]
    change = Change(record_id=record_id, fields={"TEL_NO": "07700 900777"}, idempotency_key="evt-42/council-tax")
    assert connector.write(change).accepted
    assert connector.write(change).detail.startswith("already written")
    (written,) = inbound.glob("*.json")
    assert written.name == change_file_name("evt-42/council-tax") != "evt-42_council-tax.json"
    assert json.loads(written.read_text(encoding="utf-8"))["fields"] == {"TEL_NO": "07700 900777"}
    clash = Change(record_id=record_id, fields={"TEL_NO": "0"}, idempotency_key="evt-42/council-tax")
    assert not connector.write(clash).accepted
    assert system.import_changes() == 1
    assert system.record(record_id)["TEL_NO"] == "07700 900777"


def test_a_missing_drop_folder_is_a_connector_error(tmp_path: Path) -> None:
    connector = FileDropConnector.from_connection(connection(tmp_path / "not-mounted"))
    with pytest.raises(ConnectorError, match=r"drop folder .* is missing"):
        list(connector.read())
    assert connector.health().detail == "the drop folder is missing or not a folder"


def test_without_an_outbox_the_source_is_read_only(tmp_path: Path) -> None:
    connector = FileDropConnector.from_connection(connection(tmp_path))
    assert Capability.WRITE not in connector.describe().capabilities
    assert not connector.write(Change(record_id="x", fields={}, idempotency_key="k")).accepted


def test_the_scheduler_exports_changes_and_imports_writes(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    drop, inbound = tmp_path / "drop", tmp_path / "inbound"
    connector = FileDropConnector.from_connection(connection(drop, inbound))
    record_id = rows[2]["ACCOUNT_REF"]
    with CouncilTaxExport(rows[:10], drop, inbound, interval_seconds=0.05) as system:
        connector.write(Change(record_id=record_id, fields={"ADDR1": "14 NEW STREET"}, idempotency_key="k-7"))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and system.record(record_id)["ADDR1"] != "14 NEW STREET":
            time.sleep(0.02)
        assert system.record(record_id)["ADDR1"] == "14 NEW STREET"
    # Stopping lets the tick that imported the change finish its export, so the export carries it.
    latest = [r for r in connector.read() if r.record_id == record_id][-1]
    assert latest.payload["ADDR1"] == "14 NEW STREET"
