"""FileDropConnector: a system that delivers its data as files in a folder (nightly exports and the like).

Reading: complete files are read in name order, record by record, streaming. Each record's cursor says how
far the read has got: ``<file>#after=<n>`` inside a file (n records of it done) and plain ``<file>`` once
the file's last record is out, so ``read(since=cursor)`` resumes exactly after it, mid-file included.

Picking up: reading never moves anything, so a read that dies half-way loses nothing. Once ingest has
stored what it read it calls :meth:`FileDropConnector.archive_through` with its cursor; fully processed files
then move to the archive folder and are never read again.

Writing: with an ``outbox_directory`` configured, each change becomes one JSON change file there for the
system's import job, or with ``outbox_batches`` each batch one JSON lines file (see
:mod:`joinedup.connectors.files.outbox`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joinedup.connectors.base import (
    Capability,
    Change,
    ConnectorDescription,
    ConnectorLifecycle,
    Health,
    RawRecord,
    SourceLocation,
    WriteReceipt,
    WriteResult,
    write_each,
)
from joinedup.connectors.batches import RecordBatch, batched
from joinedup.connectors.files.config import FileDropConfig
from joinedup.connectors.files.folder import DropFolder
from joinedup.connectors.files.outbox import write_batch_file, write_change_file
from joinedup.connectors.files.readers import RowOut, read_csv, read_csv_values, read_fixed_width, read_jsonl

KIND = "file-drop"
_PARTIAL = "#after="


def _read_xlsx(path: Path, config: FileDropConfig) -> Iterator[RowOut]:
    from joinedup.connectors.files.xlsx import read_xlsx  # keeps openpyxl out of non-XLSX sources

    return read_xlsx(path, config)


_READERS: dict[str, Callable[[Path, FileDropConfig], Iterator[RowOut]]] = {
    "csv": read_csv,
    "jsonl": read_jsonl,
    "fixed-width": read_fixed_width,
    "xlsx": _read_xlsx,
}


def parse_cursor(cursor: str) -> tuple[str, int | None]:
    """``"a.csv"`` -> ("a.csv", None): the whole file is done; ``"a.csv#after=5"`` -> ("a.csv", 5)."""
    name, marker, count = cursor.rpartition(_PARTIAL)
    if marker and count.isdigit():
        return name, int(count)
    return cursor, None


class FileDropConnector(ConnectorLifecycle):
    reads_in_a_child_process = True  # holds no connection: ingest may read, map and hash in a second process

    def __init__(self, config: FileDropConfig, *, clock: Callable[[], float] | None = None) -> None:
        self.config = config
        self.folder = DropFolder(config, clock) if clock is not None else DropFolder(config)

    @classmethod
    def from_connection(cls, connection: dict[str, Any]) -> FileDropConnector:
        return cls(FileDropConfig.from_connection(connection))

    def describe(self) -> ConnectorDescription:
        capabilities = {Capability.READ_ALL, Capability.READ_CHANGES}
        if self.config.outbox_directory is not None:
            capabilities.add(Capability.WRITE)
            if self.config.outbox_batches:
                capabilities.add(Capability.WRITE_MANY)
        return ConnectorDescription(KIND, frozenset(capabilities), self.config.expected_columns or ())

    def read(self, since: str | None = None) -> Iterator[RawRecord]:
        """Every record of every complete file still in the drop folder, or only those after ``since``.

        Raises SchemaDriftError (before any record of that file) when a file's columns are not the
        configured ones; records of earlier files have been handed out by then and their cursors hold.
        """
        for path, skip in self._files_after(since):
            yield from self.read_file(path, skip=skip)

    def read_batches(self, since: str | None, size: int) -> Iterator[RecordBatch]:
        """As :meth:`read`, in batches (see :mod:`joinedup.connectors.batches`): a CSV file's good rows stay
        lists of values. A batch never spans two files; each file ends with a batch whose cursor is the
        file's name (empty if the file's records filled the batches before it), so the cursor moves past it."""
        if self.config.format != "csv":
            yield from batched(self.read(since), size)
            return
        for path, skip in self._files_after(since):
            yield from self._csv_batches(path, skip, size)

    def _files_after(self, since: str | None) -> Iterator[tuple[Path, int]]:
        """Each complete file still to read from ``since``, with how many of its records are already done."""
        done_file, done_records = parse_cursor(since) if since is not None else (None, None)
        for path in self.folder.ready_files():
            skip = 0
            if done_file is not None:
                if path.name < done_file or (path.name == done_file and done_records is None):
                    continue
                if path.name == done_file and done_records is not None:
                    skip = done_records
            yield path, skip

    def _csv_batches(self, path: Path, skip: int, size: int) -> Iterator[RecordBatch]:
        name, where, id_column = path.name, f"{path.name} line ", self.config.id_column
        keys: tuple[str, ...] = ()
        ids: list[str] = []
        rows: list[Sequence[Any] | None] = []
        lines: list[int] = []
        whole: dict[int, RawRecord] = {}
        ordinal, id_index = 0, -1
        # Runs once per row of million-row files: kept flat on purpose.
        for line, header, values, problem in read_csv_values(path, self.config):
            ordinal += 1
            if ordinal <= skip:
                continue
            if len(ids) >= size:
                yield RecordBatch(keys, ids, rows, lines, whole, f"{name}{_PARTIAL}{ordinal - 1}", where)
                ids, rows, lines, whole = [], [], [], {}
            if header is not keys:
                keys, id_index = header, header.index(id_column)
            if problem is None and isinstance(values, list):
                record_id = values[id_index].strip()
                if record_id:
                    ids.append(record_id)
                    rows.append(values)
                    lines.append(line)
                    continue
                problem = f"no value in the id column {id_column}"
            # Not a usable record: it joins the batch whole, named by its file and line, for quarantine.
            payload = values if isinstance(values, Mapping) else dict(zip(header, values, strict=True))
            location = SourceLocation(f"{where}{line}")
            whole[len(ids)] = RawRecord(f"{name}:{line}", payload, location, None, None, problem or "not a record")
            ids.append(f"{name}:{line}")
            rows.append(None)
            lines.append(line)
        yield RecordBatch(keys, ids, rows, lines, whole, name, where)  # even empty: the cursor moves past the file

    def read_file(self, path: Path, *, skip: int = 0) -> Iterator[RawRecord]:
        """The records of one file, leaving out its first ``skip`` records (good or bad)."""
        name = path.name
        where = f"{name} {'row' if self.config.format == 'xlsx' else 'line'} "
        id_column = self.config.id_column
        partial = f"{name}{_PARTIAL}"
        # One record of look-ahead: only when the next one arrives do we know the held one is not the last,
        # and so which cursor it gets. This loop runs once per row of million-row files: kept flat on purpose.
        held: tuple[str, Mapping[str, Any], SourceLocation, str | None] | None = None
        ordinal = 0
        for line, payload, problem in _READERS[self.config.format](path, self.config):
            ordinal += 1
            if ordinal <= skip:
                continue
            if held is not None:
                yield RawRecord(held[0], held[1], held[2], None, f"{partial}{ordinal - 1}", held[3])
            record_id = ""
            if problem is None:
                value = payload.get(id_column)
                record_id = value.strip() if isinstance(value, str) else "" if value is None else str(value)
                if not record_id:
                    problem = f"no value in the id column {id_column}"
            if problem is not None:
                record_id = f"{name}:{line}"
            held = (record_id, payload, SourceLocation(f"{where}{line}"), problem)
        if held is not None:
            yield RawRecord(held[0], held[1], held[2], None, name, held[3])

    def archive_through(self, cursor: str) -> list[str]:
        """Archive every file the cursor has fully passed; returns their names. A mid-file cursor leaves
        that file in place (it is not finished), archiving only the files before it."""
        name, partial = parse_cursor(cursor)
        return self.folder.archive_through(name, inclusive=partial is None)

    def write(self, change: Change) -> WriteReceipt:
        outbox = self.config.outbox_directory
        if outbox is None:
            return WriteReceipt(change.record_id, accepted=False, detail="this file-drop source has no outbox")
        return write_change_file(outbox, change)

    def write_many(self, changes: Sequence[Change]) -> list[WriteResult]:
        """One batch file (``outbox_batches``), else a change file each. A disk that refuses the batch file is
        every change's outcome: none of them was written."""
        outbox = self.config.outbox_directory
        if outbox is None or not self.config.outbox_batches or not changes:
            return write_each(self.write, changes)
        try:
            return list(write_batch_file(outbox, changes))
        except OSError as error:
            return [error] * len(changes)

    def health(self) -> Health:
        now = datetime.now(UTC)
        problem = self.folder.problem()
        if problem is not None:
            return Health(ok=False, detail=problem, checked_at=now)
        ready, waiting = len(self.folder.ready_files()), len(self.folder.waiting_files())
        return Health(ok=True, detail=f"{ready} files ready, {waiting} still being written", checked_at=now)
