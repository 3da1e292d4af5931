"""File formats: encodings, delimiters, quoted newlines, bad rows, trailers, fixed-width, XLSX, JSON lines, drift."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from pydantic import ValidationError

from joinedup.connectors import base
from joinedup.connectors.base import RawRecord
from joinedup.connectors.files import FileDropConfig, FileDropConnector, SchemaDriftError


def _connector(folder: Path, **settings: Any) -> FileDropConnector:
    base: dict[str, Any] = {"directory": str(folder), "id_column": "id", "ready": "settle", "settle_seconds": 0}
    return FileDropConnector.from_connection(base | settings)


def _read(folder: Path, **settings: Any) -> list[RawRecord]:
    return list(_connector(folder, **settings).read())


def _good(records: list[RawRecord]) -> list[dict[str, Any]]:
    return [dict(record.payload) for record in records if record.problem is None]


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("cp1252", "O’Brien Zoë"), ("utf-8-sig", "Łukasz Ñoño"), ("utf-16", "Zoë Ǆ"), ("utf-8", "Siân")],
)
def test_encodings_decode_names_and_strip_the_bom(tmp_path: Path, encoding: str, text: str) -> None:
    (tmp_path / "a.csv").write_bytes(f"id,name\r\n1,{text}\r\n".encode(encoding))
    declared = "utf-8" if encoding == "utf-8-sig" else encoding  # the BOM is found without being declared
    assert _good(_read(tmp_path, encoding=declared, columns=["id", "name"])) == [{"id": "1", "name": text}]


def test_a_bom_wins_over_a_wrong_declared_encoding(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes("id,name\n1,Zoë\n".encode("utf-8-sig"))
    assert _good(_read(tmp_path, encoding="cp1252")) == [{"id": "1", "name": "Zoë"}]


@pytest.mark.parametrize("delimiter", [",", ";", "|", "\t"])
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "sniffed"])
def test_delimiters_declared_or_sniffed(tmp_path: Path, delimiter: str, declared: bool) -> None:
    lines = [
        delimiter.join(["id", "name", "town"]),
        delimiter.join(["1", "Ann", "Kettleby"]),
        delimiter.join(["2", "Bo", "Upton"]),
    ]
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = {"delimiter": delimiter} if declared else {}
    assert _good(_read(tmp_path, **settings)) == [
        {"id": "1", "name": "Ann", "town": "Kettleby"},
        {"id": "2", "name": "Bo", "town": "Upton"},
    ]


def test_quoted_newlines_keep_physical_line_numbers(tmp_path: Path) -> None:
    content = 'id;addr\r\n1;"Flat 2\r\n5 High St"\r\n2;"a\nb\nc"\r\n\r\n3;plain\r\n'
    (tmp_path / "x.csv").write_bytes(content.encode("utf-8"))
    records = _read(tmp_path, delimiter=";")
    assert [(r.record_id, r.location.description) for r in records] == [
        ("1", "x.csv line 2"),
        ("2", "x.csv line 4"),
        ("3", "x.csv line 8"),
    ]
    assert records[0].payload["addr"] == "Flat 2\r\n5 High St"
    assert records[1].payload["addr"] == "a\nb\nc"


def test_wrong_field_count_and_bad_bytes_become_problems_not_crashes(tmp_path: Path) -> None:
    content = b"id,name\n1,Ann\n2,Bo,extra\n3,Caf\xff\n4\n5,Di\n"
    (tmp_path / "b.csv").write_bytes(content)
    records = _read(tmp_path, encoding="utf-8")
    assert [r.record_id for r in records] == ["1", "b.csv:3", "b.csv:4", "b.csv:5", "5"]
    problems = {r.location.description: (r.problem, r.payload["raw"]) for r in records if r.problem}
    assert problems == {
        "b.csv line 3": ("expected 2 fields, found 3", "2,Bo,extra"),
        "b.csv line 4": ("bytes that are not valid utf-8", "3,Caf\\xff"),
        "b.csv line 5": ("expected 2 fields, found 1", "4"),
    }


def test_a_runaway_quote_is_reported_and_reading_carries_on(tmp_path: Path) -> None:
    body = 'id,name\n1,Ann\n2,"never closed\n' + ("x" * 1000 + "\n") * 140 + "3,Cy\n"
    (tmp_path / "r.csv").write_text(body, encoding="utf-8")
    records = _read(tmp_path)
    assert records[1].problem is not None
    assert records[1].problem.startswith("unreadable CSV from line 3 to ")
    assert (records[0].record_id, records[-1].record_id, records[-1].location.description) == (
        "1",
        "3",
        "r.csv line 144",
    )


def test_a_row_without_an_id_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,name\n,Ann\n", encoding="utf-8")
    (record,) = _read(tmp_path)
    assert record.problem == "no value in the id column id"
    assert record.record_id == "a.csv:2"


@pytest.mark.parametrize(
    ("trailer", "problem"),
    [
        ("TRL;2;01/01/2026\r\n", None),
        ("TRL;3;01/01/2026\r\n", "the trailer states 3 records but the file holds 2"),
        ("", "no trailer line starting 'TRL': the file may be truncated"),
    ],
)
def test_trailer_record_counts_are_checked(tmp_path: Path, trailer: str, problem: str | None) -> None:
    (tmp_path / "t.csv").write_text(f"id;n\r\n1;a\r\n2;b\r\n{trailer}", encoding="cp1252", newline="")
    records = _read(tmp_path, delimiter=";", trailer_prefix="TRL")
    assert [r.record_id for r in records if r.problem is None] == ["1", "2"]
    expected = [("t.csv line 4", problem)] if problem else []  # the trailer's line, or where it should be
    assert [(r.location.description, r.problem) for r in records if r.problem] == expected


_LAYOUT = [
    {"name": "id", "start": 1, "width": 6},
    {"name": "surname", "start": 7, "width": 10},
    {"name": "dob", "start": 17, "width": 8},
]


def test_fixed_width_slices_declared_positions(tmp_path: Path) -> None:
    lines = ["HEADER LINE", "000001SMITH     19800102", "000002O'NEIL", "000003JONES     19991231 OVERFLOW", "T 3"]
    (tmp_path / "m.dat").write_text("\n".join(lines) + "\n", encoding="cp1252")
    records = _read(tmp_path, format="fixed-width", fields=_LAYOUT, skip_lines=1, trailer_prefix="T ")
    assert _good(records) == [
        {"id": "000001", "surname": "SMITH", "dob": "19800102"},
        {"id": "000002", "surname": "O'NEIL", "dob": ""},  # trailing spaces trimmed by the writer
    ]
    problems = [(r.location.description, r.problem) for r in records if r.problem]
    assert problems == [("m.dat line 4", "text beyond column 24, where the layout ends")]


def test_fixed_width_record_length_is_strict_when_declared(tmp_path: Path) -> None:
    (tmp_path / "m.dat").write_text("000001SMITH     19800102\n000002SHORT\n", encoding="ascii")
    records = _read(tmp_path, format="fixed-width", fields=_LAYOUT, record_length=24)
    assert [r.problem for r in records] == [None, "expected a 24-character record, found 11"]


def test_xlsx_cells_become_text_with_row_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Accounts"
    sheet.append(["id", "name", "born", "band"])
    sheet.append([101, "Ann", datetime(1980, 1, 2), 3.0])  # noqa: DTZ001  (spreadsheets hold naive dates)
    sheet.append([])
    sheet.append([102, "Bo", date(1990, 5, 6), None])
    sheet.append([103, "Cy", None, 1, "stray"])
    book.create_sheet("Notes").append(["not", "data"])
    book.save(tmp_path / "w.xlsx")
    records = _read(tmp_path, format="xlsx", sheet="Accounts", columns=["id", "name", "born", "band"])
    assert [(r.record_id, r.location.description, r.problem) for r in records] == [
        ("101", "w.xlsx row 2", None),
        ("102", "w.xlsx row 4", None),
        ("w.xlsx:5", "w.xlsx row 5", "expected 4 cells, found 5"),
    ]
    assert records[0].payload == {"id": "101", "name": "Ann", "born": "1980-01-02", "band": "3"}
    assert records[1].payload == {"id": "102", "name": "Bo", "born": "1990-05-06", "band": ""}


def test_xlsx_missing_sheet_is_drift(tmp_path: Path) -> None:
    book = Workbook()
    book.save(tmp_path / "w.xlsx")
    with pytest.raises(SchemaDriftError, match=r"w\.xlsx: no sheet named 'Accounts'"):
        _read(tmp_path, format="xlsx", sheet="Accounts")


def test_jsonl_bad_lines_are_problems_and_good_ones_survive(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a1", "name": "Ann"}).encode(),
        b"{not json",
        b"[1, 2]",
        b'{"id": "a4", "name": "Caf\xe9"}',
        b"",
        json.dumps({"id": 5}).encode(),
    ]
    (tmp_path / "j.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    records = _read(tmp_path, format="jsonl", columns=["id", "name"])
    assert [(r.record_id, r.location.description) for r in records] == [
        ("a1", "j.jsonl line 1"),
        ("j.jsonl:2", "j.jsonl line 2"),
        ("j.jsonl:3", "j.jsonl line 3"),
        ("j.jsonl:4", "j.jsonl line 4"),
        ("5", "j.jsonl line 6"),
    ]
    assert records[1].problem is not None and records[1].problem.startswith("not valid JSON")
    assert records[2].problem == "a JSON line must hold an object"
    assert (records[3].problem, records[3].payload["raw"]) == (
        "bytes that are not valid utf-8",
        '{"id": "a4", "name": "Caf\\xe9"}',
    )


def test_jsonl_unknown_key_is_drift(tmp_path: Path) -> None:
    (tmp_path / "j.jsonl").write_text('{"id": "1"}\n{"id": "2", "nickname": "x"}\n', encoding="utf-8")
    with pytest.raises(SchemaDriftError, match=r"j.jsonl: columns added: nickname; first seen at line 2"):
        _read(tmp_path, format="jsonl", columns=["id", "name"])


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,name,town,email", "schema drift in b.csv: columns added: email"),
        ("id,surname,town", r"schema drift in b.csv: renamed or replaced\? name -> surname"),
        ("id,town", "schema drift in b.csv: columns missing: name"),
        ("id,name,name", "schema drift in b.csv: duplicate columns: name"),
    ],
)
def test_schema_drift_stops_at_the_drifted_file(tmp_path: Path, header: str, message: str) -> None:
    (tmp_path / "a.csv").write_text("id,name,town\n1,Ann,Upton\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(f"{header}\n2,Bo,Upton,x\n", encoding="utf-8")
    read = _connector(tmp_path, columns=["id", "name", "town"]).read()
    assert next(read).record_id == "1"  # the good file before it is read in full
    with pytest.raises(SchemaDriftError, match=message) as caught:
        next(read)
    assert caught.value.file == "b.csv"
    assert isinstance(caught.value, base.SchemaDriftError)  # what ingest stops a source on


def test_columns_in_another_order_are_not_drift(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("town,id,name\nUpton,1,Ann\n", encoding="utf-8")
    assert _good(_read(tmp_path, columns=["id", "name", "town"])) == [{"town": "Upton", "id": "1", "name": "Ann"}]


def test_config_rejects_inconsistent_layouts(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="needs its `fields`"):
        FileDropConfig.from_connection({"directory": str(tmp_path), "id_column": "id", "format": "fixed-width"})
    with pytest.raises(ValidationError, match="not among `columns`"):
        FileDropConfig.from_connection({"directory": str(tmp_path), "id_column": "ref", "columns": ["id"]})
    with pytest.raises(ValidationError, match="Extra inputs"):
        FileDropConfig.from_connection({"directory": str(tmp_path), "id_column": "id", "delimeter": ";"})
