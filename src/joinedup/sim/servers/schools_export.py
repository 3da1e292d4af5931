"""The schools management information system's pupil export, as the trust's MIS leaves it in a drop folder.

It holds pupil records as plain dicts in the system's native layout (``SyntheticPlace(...).batches()`` ->
``batch.native_rows()`` for "schools") and writes them the way the MIS's scheduled report does, which is not
the council-tax supplier's way:

* UTF-8 with a byte order mark (the "CSV UTF-8" a spreadsheet saves), CRLF line ends, ``,`` between fields;
* every field quoted, empty ones included, and dates as dd/mm/yyyy (already so in the native layout);
* no trailer; the file is written under its final name and ``<name>.done`` is left once it is complete.

Every export is a full one: the report has no notion of "changed since". Changes come back the other way as
JSON change files (one change, or JSON lines of a batch) in an inbound folder, applied by
:meth:`SchoolsExport.import_changes` (the MIS's import job; ``start()`` runs it on a timer) and moved to
``processed/``; each change is applied once (see :mod:`.inbound`).
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .inbound import InboundChanges

COLUMNS = (
    "UPN", "LegalForename", "MiddleNames", "LegalSurname", "DOB", "Gender", "AddressLine1", "AddressLine2",
    "Town", "Postcode", "UPRN", "Telephone", "Contact1Name", "Contact1Relationship", "Contact1Phone",
    "Contact1Email", "LastUpdated",
)  # fmt: skip
ID_COLUMN = "UPN"
ENCODING = "utf-8-sig"  # writes the byte order mark; the file connector honours it
DELIMITER = ","
MARKER = ".done"
FILE_PATTERN = "pupils_*.csv"


def connection(drop_folder: Path, inbound_folder: Path | None = None) -> dict[str, object]:
    """The place-file ``connection`` mapping that reads this export (for tests and the demo)."""
    settings: dict[str, object] = {
        "directory": str(drop_folder), "pattern": FILE_PATTERN, "format": "csv", "encoding": "utf-8",
        "delimiter": DELIMITER, "id_column": ID_COLUMN, "columns": list(COLUMNS), "ready": "marker",
        "marker_suffix": MARKER,
    }  # fmt: skip
    if inbound_folder is not None:
        settings["outbox_directory"] = str(inbound_folder)
        settings["outbox_batches"] = True  # the import job takes a file of many changes, each key once
    return settings


def write_export(rows: Iterable[Mapping[str, str]], path: Path) -> Path:
    """Write one pupil export, streaming, then its completion marker."""
    with path.open("w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle, delimiter=DELIMITER, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row.get(column, "") for column in COLUMNS])
    (path.parent / (path.name + MARKER)).touch()
    return path


class SchoolsExport:
    """The pupil records and the MIS's export job (run on demand: ``export_full()``)."""

    def __init__(
        self,
        records: Iterable[Mapping[str, str]],
        drop_folder: Path,
        inbound_folder: Path | None = None,
        *,
        interval_seconds: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.drop_folder = drop_folder
        self.inbound_folder = inbound_folder
        self._records: dict[str, dict[str, str]] = {row[ID_COLUMN]: dict(row) for row in records}
        self._clock = clock
        self._sequence = 0
        self._lock = threading.Lock()
        self._interval = interval_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        drop_folder.mkdir(parents=True, exist_ok=True)
        if inbound_folder is not None:
            inbound_folder.mkdir(parents=True, exist_ok=True)
        self._inbound = InboundChanges(inbound_folder) if inbound_folder is not None else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def record(self, record_id: str) -> dict[str, str]:
        with self._lock:
            return dict(self._records[record_id])

    def change(self, record_id: str, **fields: str) -> None:
        with self._lock:
            self._records[record_id].update(fields)

    def export_full(self) -> Path:
        """Write every pupil record into a new export file in the drop folder; returns its path."""
        now = self._clock()
        with self._lock:
            self._sequence += 1
            rows = [dict(row) for row in self._records.values()]
            name = f"pupils_{now:%Y%m%d%H%M%S}_{self._sequence:04d}.csv"
        return write_export(rows, self.drop_folder / name)

    def import_changes(self) -> int:
        """Apply the change files waiting in the inbound folder, each change once; returns how many were applied."""
        if self._inbound is None:
            return 0
        return self._inbound.apply_waiting(self._apply)

    def _apply(self, record_id: str, fields: Mapping[str, Any]) -> bool:
        with self._lock:
            record = self._records.get(record_id)
            if record is None:
                return False
            record.update({key: str(value) for key, value in fields.items()})
            return True

    def start(self) -> SchoolsExport:
        """Run the import job on a timer in a background thread."""
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="schools-import", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            self.import_changes()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
