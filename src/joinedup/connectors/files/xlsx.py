"""Streaming reader for XLSX workbooks (openpyxl in read-only mode: rows are parsed as they are reached).

Cells come out as text so that every format hands ingest the same kind of payload: dates as ISO 8601,
whole numbers without a trailing ".0", empty cells as "".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

from joinedup.connectors.files.config import FileDropConfig
from joinedup.connectors.files.drift import SchemaDriftError, check_columns
from joinedup.connectors.files.readers import RowOut


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_xlsx(path: Path, config: FileDropConfig) -> Iterator[RowOut]:
    from openpyxl import load_workbook  # imported here: only XLSX sources pay for it

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        if config.sheet is not None and config.sheet not in workbook.sheetnames:
            raise SchemaDriftError(path.name, detail=f"no sheet named {config.sheet!r}")
        sheet = workbook[config.sheet] if config.sheet is not None else workbook.worksheets[0]
        header: list[str] | None = None
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=sheet.min_row):
            values = [_text(cell) for cell in cells]
            while values and values[-1] == "":
                values.pop()  # read-only sheets report trailing empty cells up to the widest row
            if not values:
                continue
            if header is None:
                header = values
                check_columns(path.name, header, config.columns, config.id_column)
                continue
            if len(values) > len(header):
                yield number, {"raw": "\t".join(values)}, f"expected {len(header)} cells, found {len(values)}"
                continue
            values += [""] * (len(header) - len(values))
            yield number, dict(zip(header, values, strict=True)), None
    finally:
        workbook.close()  # read-only workbooks keep the file open until closed
