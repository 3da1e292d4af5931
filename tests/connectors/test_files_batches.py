"""Reading a file drop in batches: the same records as reading one by one, cursors that resume exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from joinedup.connectors.base import RawRecord
from joinedup.connectors.batches import RecordBatch, read_batches
from joinedup.connectors.files import FileDropConnector, SchemaDriftError

GOOD_AND_BAD = (
    "id;name;dob\r\n"
    "1;Ann Smith;01/02/1980\r\n"
    '2;"Bob\r\nJones";03/04/1990\r\n'  # a quoted newline: the record starts on line 3 and ends on 4
    "3;too;many;fields\r\n"
    " ;no id;05/06/1970\r\n"
    "4;Zoë;07/08/1960\r\n"
    "\r\n"
    "5;Eve;09/10/1950\r\n"
    "TRAILER;9\r\n"
)


def _connector(folder: Path, **settings: Any) -> FileDropConnector:
    base: dict[str, Any] = {"directory": str(folder), "id_column": "id", "ready": "settle", "settle_seconds": 0}
    return FileDropConnector.from_connection(base | {"delimiter": ";", "trailer_prefix": "TRAILER"} | settings)


def _records(batches: list[RecordBatch]) -> list[RawRecord]:
    return [batch.record(index) for batch in batches for index in range(len(batch))]


def _same(record: RawRecord, expected: RawRecord) -> None:
    got = (record.record_id, dict(record.payload), record.location, record.problem)
    assert got == (expected.record_id, dict(expected.payload), expected.location, expected.problem)


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_batches_hold_the_records_read_one_by_one_good_and_bad(tmp_path: Path, size: int) -> None:
    (tmp_path / "a.csv").write_text(GOOD_AND_BAD, encoding="utf-8", newline="")
    (tmp_path / "b.csv").write_text("id;name;dob\r\n6;Fay;01/01/2001\r\nTRAILER;1\r\n", encoding="utf-8", newline="")
    connector = _connector(tmp_path)
    batches = list(connector.read_batches(None, size))
    expected = list(connector.read())
    got = _records(batches)
    assert len(got) == len(expected) == 8  # five good rows and the trailer's complaint in a.csv, one in b.csv
    for record, wanted in zip(got, expected, strict=True):
        _same(record, wanted)
    assert [r.problem is None for r in got] == [True, True, False, False, True, True, False, True]
    assert all(len(batch) <= size for batch in batches)
    # A batch never spans two files, and each file's last batch carries the file's own name as its cursor.
    assert [batch.cursor for batch in batches if "#" not in (batch.cursor or "")] == ["a.csv", "b.csv"]
    assert all({r.location.description.split()[0] for r in _records([batch])} <= {"a.csv"} for batch in batches[:-1])


@pytest.mark.parametrize("size", [1, 2, 4])
def test_every_batch_cursor_resumes_exactly_after_that_batch(tmp_path: Path, size: int) -> None:
    (tmp_path / "a.csv").write_text(GOOD_AND_BAD, encoding="utf-8", newline="")
    (tmp_path / "b.csv").write_text("id;name;dob\r\n6;Fay;01/01/2001\r\nTRAILER;1\r\n", encoding="utf-8", newline="")
    connector = _connector(tmp_path)
    batches = list(connector.read_batches(None, size))
    everything = _records(batches)
    done = 0
    for batch in batches:
        done += len(batch)
        rest = _records(list(connector.read_batches(batch.cursor, size)))
        assert [r.record_id for r in rest] == [r.record_id for r in everything[done:]]
        one_by_one = list(connector.read(since=batch.cursor))
        assert [r.record_id for r in one_by_one] == [r.record_id for r in everything[done:]]


def test_the_rows_come_as_values_under_the_files_own_column_order(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("name,id\nAnn,1\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("id,name\n2,Bob\n", encoding="utf-8")
    batches = list(_connector(tmp_path, delimiter=",", trailer_prefix=None).read_batches(None, 10))
    assert [(batch.keys, batch.rows) for batch in batches] == [
        (("name", "id"), [["Ann", "1"]]),
        (("id", "name"), [["2", "Bob"]]),
    ]
    assert [dict(r.payload) for r in _records(batches)] == [{"id": "1", "name": "Ann"}, {"id": "2", "name": "Bob"}]


def test_a_drifted_file_stops_the_batches_after_those_of_the_files_before_it(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,name\n1,Ann\n2,Bob\n3,Cy\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("id,name,extra\n4,Di,x\n", encoding="utf-8")
    connector = _connector(tmp_path, delimiter=",", trailer_prefix=None, columns=["id", "name"])
    seen: list[RecordBatch] = []
    with pytest.raises(SchemaDriftError, match=r"b\.csv"):
        for batch in connector.read_batches(None, 2):
            seen.append(batch)
    assert [r.record_id for r in _records(seen)] == ["1", "2", "3"] and seen[-1].cursor == "a.csv"


def test_other_formats_and_other_connectors_come_as_whole_records(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        '{"id": "1", "n": 1}\n{"id": "2", "n": 2}\n{"id": "3", "n": 3}\n', encoding="utf-8"
    )
    connector = _connector(tmp_path, format="jsonl", pattern="*.jsonl", delimiter=None, trailer_prefix=None)
    batches = list(read_batches(connector, None, 2))
    assert [len(batch) for batch in batches] == [2, 1]
    assert all(batch.rows == [None] * len(batch) for batch in batches)
    assert [dict(r.payload) for r in _records(batches)] == [{"id": str(n), "n": n} for n in (1, 2, 3)]
    assert batches[-1].cursor == "a.jsonl"
