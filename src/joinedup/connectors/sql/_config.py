"""The SQL connector's configuration, built from a place file's ``systems[].connection`` dict.

Everything that differs between databases (where the rows are, which columns, how changes are spotted,
what may be written back) lives here as data, so a new legacy database needs a config entry, not code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from joinedup.connectors.sql._statements import check_read_only_select


class ChangeTracking(StrEnum):
    """How the connector finds what changed since its last read."""

    NONE = "none"  # read everything every time
    UPDATED_AT = "updated_at"  # a last-updated timestamp column, keyset on (timestamp, id)
    SEQUENCE = "sequence"  # a monotonically increasing number or rowversion column


class SqlConnectorConfig(BaseModel):
    """Where the records are and what may be done with them.

    ``url`` is any SQLAlchemy URL; the place file normally holds ``${ENV_VAR}`` and the caller resolves it, so
    the password never sits in a file. It is kept secret here: the model's repr shows only ``display_url``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: SecretStr
    table: str | None = None  # a table or view; with it, `columns` (or every column, found by reflection)
    table_schema: str | None = Field(default=None, alias="schema")
    columns: tuple[str, ...] = ()
    query: str | None = None  # instead of a table: one read-only SELECT (or WITH ... SELECT)
    id_column: str
    tracking: ChangeTracking = ChangeTracking.NONE
    tracking_column: str | None = None  # the updated-at or sequence column `tracking` names
    look_back_seconds: float = Field(default=120.0, ge=0)  # updated-at only; see docs/connectors/sql.md
    timezone: str = "UTC"  # zone of naive timestamps in this database (legacy systems rarely store one)
    batch_size: int = Field(default=2_000, ge=1)  # rows per round trip while streaming
    timeout_seconds: int = Field(default=5, ge=1)  # connecting and health checks
    writable_columns: tuple[str, ...] = ()
    write_table: str | None = None  # where writes go when reading from a view or query; default `table`
    version_column: str | None = None  # compared with Change.expected_version; default `tracking_column`
    stamp_updated_at: bool = True  # on a real change, set the updated-at column to now (updated_at tracking)
    increment_columns: tuple[str, ...] = ()  # integer columns (e.g. ROW_VER) to add 1 to on a real change

    @classmethod
    def from_connection(cls, connection: dict[str, Any]) -> Self:
        """Build from a place file's connection dict (environment references already resolved)."""
        return cls.model_validate(connection)

    @field_validator("url")
    @classmethod
    def _url_parses(cls, value: SecretStr) -> SecretStr:
        try:
            make_url(value.get_secret_value())
        except ArgumentError:
            raise ValueError("url is not a SQLAlchemy database URL") from None  # the text may hold a password
        return value

    @field_validator("query")
    @classmethod
    def _query_reads_only(cls, value: str | None) -> str | None:
        return None if value is None else check_read_only_select(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` (a table or view) or `query` (a read-only SELECT)")
        if self.tracking is not ChangeTracking.NONE and not self.tracking_column:
            raise ValueError(f"tracking '{self.tracking}' needs `tracking_column`")
        if self.writable_columns and not (self.write_table or self.table):
            raise ValueError("writing back needs `write_table` (or `table`) when reading from a query")
        protected = {self.id_column, self.tracking_column, self.effective_version_column, *self.increment_columns}
        if clash := sorted(protected.intersection(self.writable_columns) - {None}, key=str):
            raise ValueError(f"columns the connector manages cannot be writable: {', '.join(map(str, clash))}")
        return self

    @property
    def sqlalchemy_url(self) -> URL:
        return make_url(self.url.get_secret_value())

    @property
    def display_url(self) -> str:
        """The URL with its password masked: the only form that may reach a log or an error."""
        return self.sqlalchemy_url.render_as_string(hide_password=True)

    @property
    def effective_version_column(self) -> str | None:
        return self.version_column or self.tracking_column

    @property
    def target_table(self) -> str | None:
        return self.write_table or self.table

    def __repr__(self) -> str:
        return f"SqlConnectorConfig(url={self.display_url!r}, table={self.table!r}, tracking={self.tracking.value!r})"
