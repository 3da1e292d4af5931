"""Schema drift: a file whose columns are not the ones the source is configured to expect.

Loading such a file would put values under the wrong names, so the reader stops the whole source with an
error that names the file and the columns (column names are layout, never personal data).
"""

from __future__ import annotations

from collections.abc import Sequence

from joinedup.connectors import base


class SchemaDriftError(base.SchemaDriftError):
    """A file's columns differ from the configured ones: some were added, renamed or are missing.

    A subclass of the shared ``joinedup.connectors.base.SchemaDriftError``, on which ingest stops the source;
    this one also carries the file and the columns.
    """

    def __init__(self, file: str, *, added: Sequence[str] = (), missing: Sequence[str] = (), detail: str = "") -> None:
        self.file = file
        self.added = tuple(added)
        self.missing = tuple(missing)
        parts = []
        if self.added and self.missing:
            parts.append(f"renamed or replaced? {', '.join(self.missing)} -> {', '.join(self.added)}")
        elif self.added:
            parts.append(f"columns added: {', '.join(self.added)}")
        elif self.missing:
            parts.append(f"columns missing: {', '.join(self.missing)}")
        if detail:
            parts.append(detail)
        super().__init__(f"schema drift in {file}: {'; '.join(parts)}")


def check_columns(file: str, header: Sequence[str], expected: Sequence[str] | None, id_column: str) -> None:
    """Raise SchemaDriftError unless ``header`` carries exactly the expected columns (in any order)."""
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise SchemaDriftError(file, detail=f"duplicate columns: {', '.join(duplicates)}")
    if expected is None:
        if id_column not in header:
            raise SchemaDriftError(file, missing=[id_column], detail="the id column is absent")
        return
    present = set(header)
    wanted = set(expected)
    added = [name for name in header if name not in wanted]
    missing = [name for name in expected if name not in present]
    if added or missing:
        raise SchemaDriftError(file, added=added, missing=missing)


def check_keys(file: str, where: str, keys: Sequence[str], expected: Sequence[str] | None) -> None:
    """JSON lines have no header: every object's keys must be known ones. Absent keys are allowed,
    because JSON writers commonly leave out empty values."""
    if expected is None:
        return
    wanted = set(expected)
    added = [key for key in keys if key not in wanted]
    if added:
        raise SchemaDriftError(file, added=added, detail=f"first seen at {where}")
