"""How one file-drop source is laid out: where its files land, what they look like, when one is complete.

Built from the place file's ``systems[].connection`` mapping, for example::

    connection:
      directory: /srv/exports/council-tax
      pattern: ctax_accounts_*.csv
      format: csv
      encoding: cp1252
      delimiter: ";"
      id_column: ACCOUNT_REF
      columns: [ACCOUNT_REF, TITLE, FORENAMES, SURNAME]
      ready: marker            # or: settle
      trailer_prefix: TRL

Everything about a source's layout lives here so that a supplier changing its export is a configuration
change, not a code change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FileFormat = Literal["csv", "xlsx", "jsonl", "fixed-width"]


class FixedField(BaseModel):
    """One field of a fixed-width record: 1-based start column and width, as mainframe record layouts give them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    start: int = Field(ge=1)
    width: int = Field(ge=1)

    @property
    def end(self) -> int:
        """The 0-based, exclusive end offset, for slicing."""
        return self.start - 1 + self.width


class FileDropConfig(BaseModel):
    """One drop folder and the format of the files a system leaves in it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    directory: Path
    pattern: str = "*"
    format: FileFormat = "csv"
    id_column: str = Field(min_length=1)
    # The columns the export is expected to carry; a header that differs is schema drift. None: not checked.
    columns: tuple[str, ...] | None = None

    # Text formats. A byte order mark at the start of the file overrides the declared encoding.
    encoding: str = "utf-8"
    delimiter: str | None = None  # CSV; None: sniffed from the start of each file
    quotechar: str = '"'
    # A last line starting with this marker carries the record count (e.g. "TRL;1234"); checked when set.
    trailer_prefix: str | None = None

    # Fixed-width layouts: the fields by position, header lines to skip, and the exact record length if known.
    fields: tuple[FixedField, ...] = ()
    skip_lines: int = Field(default=0, ge=0)
    record_length: int | None = Field(default=None, ge=1)

    sheet: str | None = None  # XLSX; None: the first sheet

    # When is a file complete? "marker": its writer has left `<name><marker_suffix>` beside it.
    # "settle": it has not been modified for `settle_seconds`. Temporary names that do not match
    # `pattern` (write then rename) are complete by construction under either rule.
    ready: Literal["marker", "settle"] = "marker"
    marker_suffix: str = ".done"
    settle_seconds: float = Field(default=5.0, ge=0)

    archive_directory: Path | None = None  # default: <directory>/archive
    outbox_directory: Path | None = None  # where change files are written; None: the source is read-only
    # Write a batch of changes as one JSON lines file (each line a change with its idempotency key) instead of
    # a file per change: only for a system whose import job takes such files and applies each key once.
    outbox_batches: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> FileDropConfig:
        if self.format == "fixed-width" and not self.fields:
            raise ValueError("a fixed-width source needs its `fields` (name, start, width)")
        if self.format != "fixed-width" and self.fields:
            raise ValueError("`fields` only applies to fixed-width sources")
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise ValueError("`delimiter` must be one character")
        if self.columns is not None and self.id_column not in self.columns:
            raise ValueError(f"id_column {self.id_column!r} is not among `columns`")
        if self.format == "fixed-width" and self.id_column not in self.field_names:
            raise ValueError(f"id_column {self.id_column!r} is not among the fixed-width `fields`")
        return self

    @classmethod
    def from_connection(cls, connection: dict[str, Any]) -> FileDropConfig:
        """Build from a place file's ``connection`` mapping (raises pydantic.ValidationError when wrong)."""
        return cls.model_validate(connection)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def expected_columns(self) -> tuple[str, ...] | None:
        if self.format == "fixed-width":
            return self.field_names
        return self.columns

    @property
    def archive_path(self) -> Path:
        return self.archive_directory if self.archive_directory is not None else self.directory / "archive"
