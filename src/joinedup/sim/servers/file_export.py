"""The council-tax system's nightly file export, as its legacy supplier writes it, and its change import.

It holds the council-tax records as plain dicts in the system's native layout (e.g. from
``SyntheticPlace(...).batches()`` -> ``batch.native_rows()`` for "council-tax") and writes them into a drop
folder the way the supplier's export job does, quirks included:

* Windows-1252 text ("?" for anything it cannot encode), CRLF line ends, ``;`` between fields;
* dates as dd/mm/yyyy (already so in the native layout), names with typographic apostrophes (’);
* the first address line keeps the flat on its own line, so quoted fields contain line breaks;
* a trailer line ``TRL;<record count>;<dd/mm/yyyy hh:mm>`` after the last record;
* the file is written in place under its final name, slowly, and ``<name>.done`` is left when it is complete.

The first export is a full one; later exports carry only records changed or added since the previous one.
Writes come back the other way: change files (JSON, one per change, or JSON lines, one per batch) dropped
in the inbound folder are applied by :meth:`CouncilTaxExport.import_changes`, the supplier's import job, each
change once, and moved to ``processed/``.
``start()`` runs both jobs on a timer in a background thread, like the supplier's scheduler.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from joinedup.sim.servers.inbound import InboundChanges

COLUMNS = (
    "ACCOUNT_REF", "TITLE", "FORENAMES", "SURNAME", "DOB", "NINO", "PROPERTY_REF", "ADDR1", "ADDR2", "ADDR3",
    "POSTCODE", "TEL_NO", "EMAIL_ADDR", "LIABLE_FROM",
)  # fmt: skip
ID_COLUMN = "ACCOUNT_REF"
ENCODING = "cp1252"
DELIMITER = ";"
TRAILER = "TRL"
MARKER = ".done"
FILE_PATTERN = "ctax_accounts_*.csv"
_FLAT = re.compile(r"^((?:FLAT|UNIT|APARTMENT) [^,]+), ")
_FLUSH_EVERY = 500


@dataclass
class ExportPause:
    """Stops an export half-way, as a slow writer would be caught by a reader: ``reached`` is set once half
    the rows are on disk, and the writer waits for ``resume`` before finishing."""

    reached: threading.Event = field(default_factory=threading.Event)
    resume: threading.Event = field(default_factory=threading.Event)


def connection(drop_folder: Path, inbound_folder: Path | None = None) -> dict[str, object]:
    """The place-file ``connection`` mapping that reads this export (for tests and the demo)."""
    settings: dict[str, object] = {
        "directory": str(drop_folder), "pattern": FILE_PATTERN, "format": "csv", "encoding": ENCODING,
        "delimiter": DELIMITER, "id_column": ID_COLUMN, "columns": list(COLUMNS), "trailer_prefix": TRAILER,
        "ready": "marker", "marker_suffix": MARKER,
    }  # fmt: skip
    if inbound_folder is not None:
        settings["outbox_directory"] = str(inbound_folder)
        settings["outbox_batches"] = True  # the import job takes a file of many changes, each key once
    return settings


def _render(row: Mapping[str, str]) -> list[str]:
    values = [row.get(column, "") for column in COLUMNS]
    for index in (COLUMNS.index("FORENAMES"), COLUMNS.index("SURNAME")):
        values[index] = values[index].replace("'", "’")
    address = COLUMNS.index("ADDR1")
    values[address] = _FLAT.sub(lambda match: match.group(1) + "\n", values[address])
    return values


def write_export(
    rows: Iterable[Mapping[str, str]],
    path: Path,
    exported_at: datetime,
    *,
    pause: ExportPause | None = None,
    pause_after: int = 0,
) -> Path:
    """Write one export file the supplier's way, streaming (rows may be a generator of millions), then its
    marker. Public so benchmarks can write a large export without holding it in memory."""
    count = 0
    with path.open("w", encoding=ENCODING, errors="replace", newline="") as handle:
        writer = csv.writer(handle, delimiter=DELIMITER, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for count, row in enumerate(rows, start=1):
            writer.writerow(_render(row))
            if count % _FLUSH_EVERY == 0:
                handle.flush()
            if pause is not None and count == pause_after:
                handle.flush()
                pause.reached.set()
                pause.resume.wait()
        writer.writerow([TRAILER, str(count), f"{exported_at:%d/%m/%Y %H:%M}"])
    (path.parent / (path.name + MARKER)).touch()
    return path


class CouncilTaxExport:
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
        self._dirty: list[str] = list(self._records)  # nothing exported yet: the first export is full
        self._interval = interval_seconds
        self._clock = clock
        self._sequence = 0
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        drop_folder.mkdir(parents=True, exist_ok=True)
        if inbound_folder is not None:
            inbound_folder.mkdir(parents=True, exist_ok=True)
        self._inbound = InboundChanges(inbound_folder) if inbound_folder is not None else None

    # The system as its users see it.
    def record(self, record_id: str) -> dict[str, str]:
        with self._lock:
            return dict(self._records[record_id])

    def change(self, record_id: str, **fields: str) -> None:
        with self._lock:
            self._records[record_id].update(fields)
            self._mark(record_id)

    def add(self, row: Mapping[str, str]) -> str:
        with self._lock:
            number = 1 + max((int(ref[3:]) for ref in self._records if ref[3:].isdigit()), default=-1)
            record_id = f"CT-{number:08d}"
            self._records[record_id] = {**{c: "" for c in COLUMNS}, **row, ID_COLUMN: record_id}
            self._mark(record_id)
            return record_id

    def _mark(self, record_id: str) -> None:
        if record_id not in self._dirty:
            self._dirty.append(record_id)

    # The supplier's jobs.
    def export_changes(self, pause: ExportPause | None = None) -> Path | None:
        """Write every record changed since the last export (all of them the first time); None if none."""
        with self._lock:
            ids, self._dirty = self._dirty, []
            rows = [dict(self._records[record_id]) for record_id in ids]
        if not rows:
            return None
        return self._write(rows, pause)

    def export_full(self, pause: ExportPause | None = None) -> Path:
        with self._lock:
            rows = [dict(row) for row in self._records.values()]
            self._dirty = []
        return self._write(rows, pause)

    def _write(self, rows: list[dict[str, str]], pause: ExportPause | None) -> Path:
        now = self._clock()
        with self._lock:
            self._sequence += 1
            name = f"ctax_accounts_{now:%Y%m%d%H%M%S}_{self._sequence:04d}.csv"
        return write_export(rows, self.drop_folder / name, now, pause=pause, pause_after=len(rows) // 2)

    def import_changes(self) -> int:
        """Apply the change files waiting in the inbound folder, each change once; returns how many were applied."""
        if self._inbound is None:
            return 0
        return self._inbound.apply_waiting(self._apply)

    def _apply(self, record_id: str, fields: Mapping[str, Any]) -> bool:
        with self._lock:
            if record_id not in self._records:
                return False
            self._records[record_id].update({key: str(value) for key, value in fields.items()})
            self._mark(record_id)
            return True

    # The scheduler.
    def start(self) -> CouncilTaxExport:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="council-tax-export", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            self.import_changes()
            self.export_changes()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> CouncilTaxExport:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
