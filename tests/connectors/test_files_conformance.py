"""The connector conformance suite for file drops: the council-tax export in CSV, and each other format."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from joinedup.connectors.files import FileDropConnector
from joinedup.sim import SyntheticPlace
from joinedup.sim.servers.file_export import COLUMNS, CouncilTaxExport, connection

from .conformance import ConnectorConformance, Harness


@pytest.fixture(scope="module")
def council_tax_rows() -> list[dict[str, str]]:
    place = SyntheticPlace(people=400, seed=7)
    return [row for batch in place.batches() if batch.system == "council-tax" for row in batch.native_rows()]


class TestCouncilTaxDropFolder(ConnectorConformance):
    """The real simulated supplier writes cp1252 ';' exports with trailers and .done markers."""

    @pytest.fixture
    def harness(self, tmp_path: Path, council_tax_rows: list[dict[str, str]]) -> Harness:
        drop, inbound = tmp_path / "drop", tmp_path / "inbound"
        system = CouncilTaxExport(council_tax_rows, drop, inbound)
        system.export_changes()
        connector = FileDropConnector.from_connection(connection(drop, inbound))

        def change_record(record_id: str) -> None:
            system.change(record_id, TEL_NO="07700 900123")
            system.export_changes()

        def add_record() -> str:
            record_id = system.add({"SURNAME": "NEWTON", "FORENAMES": "ADA", "POSTCODE": "KB1 1AA"})
            system.export_changes()
            return record_id

        def read_back(record_id: str) -> dict[str, Any]:
            system.import_changes()  # the supplier's nightly import job picks up the change files
            return system.record(record_id)

        return Harness(
            connector=connector,
            seeded_ids={row["ACCOUNT_REF"] for row in council_tax_rows},
            change_record=change_record,
            add_record=add_record,
            read_back=read_back,
            writable_field="ADDR1",
            stop_system=lambda: drop.rename(tmp_path / "share-gone"),  # the share is unmounted
        )


# The other formats: a small system in the test that keeps records and drops a file of changes per export.
def _write_xlsx(path: Path, rows: list[dict[str, str]]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[column] for column in COLUMNS])
    book.save(path)


def _write_jsonl(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps({key: value for key, value in row.items() if value}) + "\n")


_WIDTHS = {column: 40 if column.startswith("ADDR") else 24 for column in COLUMNS}


def _fixed_fields() -> list[dict[str, Any]]:
    fields, start = [], 1
    for column in COLUMNS:
        fields.append({"name": column, "start": start, "width": _WIDTHS[column]})
        start += _WIDTHS[column]
    return fields


def _write_fixed(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="cp037") as handle:  # EBCDIC, as the mainframe leaves it
        handle.write("HDR COUNCIL TAX ACCOUNTS\n")
        for row in rows:
            handle.write("".join(row[column].ljust(_WIDTHS[column]) for column in COLUMNS).rstrip() + "\n")
        handle.write(f"TRL{len(rows):09d}\n")


def _write_tab_utf16(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-16", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(COLUMNS)
        writer.writerows([row[column] for column in COLUMNS] for row in rows)


_FORMATS: dict[str, tuple[str, Callable[[Path, list[dict[str, str]]], None], dict[str, Any]]] = {
    "xlsx": ("xlsx", _write_xlsx, {"format": "xlsx", "columns": list(COLUMNS)}),
    "jsonl": ("jsonl", _write_jsonl, {"format": "jsonl", "columns": list(COLUMNS)}),
    "fixed-width": (
        "dat",
        _write_fixed,
        {
            "format": "fixed-width",
            "encoding": "cp037",
            "fields": _fixed_fields(),
            "skip_lines": 1,
            "trailer_prefix": "TRL",
        },
    ),
    "csv-utf16-tab": ("tsv", _write_tab_utf16, {"format": "csv", "encoding": "utf-16", "columns": list(COLUMNS)}),
}


class _FolderSystem:
    def __init__(self, rows: list[dict[str, str]], folder: Path, suffix: str, writer: Callable[..., None]) -> None:
        self.records = {row["ACCOUNT_REF"]: {c: row[c] for c in COLUMNS} for row in rows}
        self.folder, self.suffix, self.writer, self.exports = folder, suffix, writer, 0
        self.applied: set[str] = set()

    def export(self, ids: list[str]) -> None:
        self.exports += 1
        path = self.folder / f"export_{self.exports:04d}.{self.suffix}"
        self.writer(path, [self.records[record_id] for record_id in ids])
        (self.folder / (path.name + ".done")).touch()

    def apply_outbox(self, outbox: Path) -> None:
        """The system's import job: change files and batch files (a change a line), each key once; a change to
        a record the system does not hold is passed over."""
        for path in sorted([*outbox.glob("*.json"), *outbox.glob("*.jsonl")], key=lambda p: p.stat().st_mtime_ns):
            for line in path.read_text(encoding="utf-8").splitlines():
                document = json.loads(line)
                if document["idempotency_key"] not in self.applied and document["record_id"] in self.records:
                    self.records[document["record_id"]].update(document["fields"])
                self.applied.add(document["idempotency_key"])
            path.unlink()


class TestEachFormatDropFolder(ConnectorConformance):
    @pytest.fixture(params=sorted(_FORMATS))
    def harness(
        self, request: pytest.FixtureRequest, tmp_path: Path, council_tax_rows: list[dict[str, str]]
    ) -> Harness:
        suffix, writer, settings = _FORMATS[request.param]
        drop, outbox = tmp_path / "drop", tmp_path / "outbox"
        drop.mkdir()
        outbox.mkdir()
        rows = council_tax_rows[:60]
        system = _FolderSystem(rows, drop, suffix, writer)
        system.export(list(system.records))
        connector = FileDropConnector.from_connection(
            {"directory": str(drop), "pattern": f"*.{suffix}", "id_column": "ACCOUNT_REF",
             "outbox_directory": str(outbox), "outbox_batches": True, **settings}
        )  # fmt: skip

        def change_record(record_id: str) -> None:
            system.records[record_id]["TEL_NO"] = "07700 900456"
            system.export([record_id])

        def add_record() -> str:
            system.records["CT-99999999"] = {c: "" for c in COLUMNS} | {"ACCOUNT_REF": "CT-99999999", "SURNAME": "NEW"}
            system.export(["CT-99999999"])
            return "CT-99999999"

        def read_back(record_id: str) -> dict[str, Any]:
            system.apply_outbox(outbox)
            return system.records[record_id]

        return Harness(
            connector=connector,
            seeded_ids={row["ACCOUNT_REF"] for row in rows},
            change_record=change_record,
            add_record=add_record,
            read_back=read_back,
            writable_field="ADDR1",
            stop_system=lambda: shutil.rmtree(drop),
        )
