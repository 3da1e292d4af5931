"""SqlConnector: read a legacy database's records (all, or what changed) and write changes back by id.

Reads stream through a server-side cursor (``yield_per``), so a table of millions of rows is never held in
memory, and they run in a transaction that is rolled back (read-only on PostgreSQL). Writes update one row by
id in one transaction, only in the configured writable columns, guarded by the row's version when the caller
says which version it last saw; ``write_many`` writes a batch in one transaction (see ``_batch``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, DateTime, Engine, FromClause, MetaData, Table, column, create_engine, select, text
from sqlalchemy import update as sql_update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import SQLAlchemyError

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
from joinedup.connectors.sql._batch import BatchAbandoned, BatchRules, write_rows
from joinedup.connectors.sql._config import ChangeTracking, SqlConnectorConfig
from joinedup.connectors.sql._statements import read_statement
from joinedup.connectors.sql._values import ReadPosition, as_aware, decode_cursor, encode_cursor, render

_log = logging.getLogger(__name__)

KIND = "sql"


def _connect_args(backend: str, timeout: int) -> dict[str, Any]:
    # Each driver names its connect timeout differently; without one an unreachable host hangs a health check.
    if backend == "postgresql":
        return {"connect_timeout": timeout}
    if backend in ("mysql", "mariadb"):
        return {"connect_timeout": timeout}
    if backend == "sqlite":
        return {"timeout": timeout}
    return {}


class SqlConnector(ConnectorLifecycle):
    """A connector for any database SQLAlchemy can reach. Pass ``engine`` to share or instrument one."""

    def __init__(self, config: SqlConnectorConfig, engine: Engine | None = None) -> None:
        self.config = config
        self._zone = ZoneInfo(config.timezone)
        url = config.sqlalchemy_url
        self._backend = url.get_backend_name()
        # hide_parameters: a failing statement's error would otherwise quote the values, i.e. personal data.
        self._engine = engine or create_engine(
            url,
            hide_parameters=True,
            pool_pre_ping=True,
            connect_args=_connect_args(self._backend, config.timeout_seconds),
        )
        self._tables: dict[str, Table] = {}
        self._query_columns: list[str] | None = None

    def __repr__(self) -> str:
        return f"SqlConnector({self.config.display_url!r})"

    def close(self) -> None:
        """Release pooled connections (only those of an engine this connector made)."""
        self._engine.dispose()

    # -- describe / health -------------------------------------------------------------------------

    def describe(self) -> ConnectorDescription:
        capabilities = {Capability.READ_ALL}
        if self.config.tracking is not ChangeTracking.NONE:
            capabilities.add(Capability.READ_CHANGES)
        if self.config.writable_columns:
            capabilities |= {Capability.WRITE, Capability.WRITE_MANY}
        return ConnectorDescription(KIND, frozenset(capabilities), self.config.columns)

    def health(self) -> Health:
        now = datetime.now(UTC)
        try:
            with self._engine.connect() as connection:
                if self._backend == "postgresql":
                    timeout_ms = self.config.timeout_seconds * 1000
                    connection.execute(text(f"SET LOCAL statement_timeout = {timeout_ms}"))
                connection.execute(text("SELECT 1")).scalar_one()
        except SQLAlchemyError as error:
            detail = f"{self.config.display_url} is not answering: {self._describe_error(error)}"
            _log.warning("sql.health.failed", extra={"error": type(error).__name__})
            return Health(ok=False, detail=detail, checked_at=now)
        return Health(ok=True, detail="SELECT 1 answered", checked_at=now)

    def _describe_error(self, error: SQLAlchemyError) -> str:
        cause = getattr(error, "orig", None) or error
        lines = str(cause).strip().splitlines()
        message = f"{type(cause).__name__}: {lines[0] if lines else ''}".strip()
        password = self.config.sqlalchemy_url.password
        return message.replace(password, "***") if password else message

    # -- read ----------------------------------------------------------------------------------------

    def read(self, since: str | None = None) -> Iterator[RawRecord]:
        tracking = self.config.tracking
        after = None
        if since is not None and tracking is not ChangeTracking.NONE:
            after = decode_cursor(since, tracking.value)
        count = 0
        with self._engine.connect() as connection:
            if self._backend == "postgresql":
                connection = connection.execution_options(postgresql_readonly=True)
            source, columns = self._read_source(connection)
            statement = read_statement(
                source, columns, self.config.id_column, self.config.tracking_column, after, self._recent_from(after)
            )
            result = connection.execution_options(yield_per=self.config.batch_size).execute(statement)
            try:
                for row in result:
                    record = self._record(row._mapping)
                    if record is not None:
                        count += 1
                        yield record
            finally:
                result.close()  # also when the caller stops early: release the server-side cursor now
            connection.rollback()  # nothing was changed; say so rather than commit
        _log.info("sql.read.done", extra={"source": self._source_name, "records": count, "incremental": bool(after)})

    @property
    def _source_name(self) -> str:
        if self.config.table is None:
            return "query"
        return f"{self.config.table_schema}.{self.config.table}" if self.config.table_schema else self.config.table

    def _read_source(self, connection: Connection) -> tuple[FromClause, list[str]]:
        config = self.config
        source: FromClause
        if config.table is not None:
            source = self._table(connection, config.table)
            names = list(config.columns) or [c.name for c in source.columns]
        else:
            query = config.query or ""  # the config's validator guarantees one of table / query
            if self._query_columns is None:
                probe = text(f"SELECT * FROM ({query}) AS src WHERE 1 = 0")  # noqa: S608 - configured query
                self._query_columns = list(connection.execute(probe).keys())
            names = list(config.columns) or self._query_columns
            source = text(query).columns(*(column(n) for n in self._query_columns)).subquery("src")
        for needed in (config.id_column, config.tracking_column):
            if needed is not None and needed not in names:
                names.append(needed)  # the cursor needs them, and writers need the version they saw
        return source, names

    def _table(self, connection: Connection, name: str) -> Table:
        if name not in self._tables:
            metadata = MetaData(schema=self.config.table_schema)
            self._tables[name] = Table(name, metadata, autoload_with=connection)
        return self._tables[name]

    def _recent_from(self, after: ReadPosition | None) -> Any:
        """The start of the look-back window, in the same form as the cursor's timestamp."""
        if after is None or after.tracking != ChangeTracking.UPDATED_AT or not self.config.look_back_seconds:
            return None
        start = datetime.now(UTC) - timedelta(seconds=self.config.look_back_seconds)
        value = after.value
        if isinstance(value, datetime):
            return start if value.tzinfo is not None else start.astimezone(self._zone).replace(tzinfo=None)
        if isinstance(value, date):
            return start.astimezone(self._zone).date()
        if isinstance(value, str):  # a query's timestamp that the driver left as text (SQLite)
            return start.astimezone(self._zone).replace(tzinfo=None).isoformat(sep=" ")
        return None

    def _record(self, row: RowMapping) -> RawRecord | None:
        config = self.config
        record_id = row[config.id_column]
        if record_id is None:
            return None  # a row without an id cannot be named, linked or written back
        payload = {name: render(value) for name, value in row.items()}
        location = SourceLocation(f"{self._source_name} row {config.id_column}={record_id}")
        if config.tracking is ChangeTracking.NONE or config.tracking_column is None:
            return RawRecord(str(record_id), payload, location)
        tracked = row[config.tracking_column]
        changed_at = as_aware(tracked, self._zone) if config.tracking is ChangeTracking.UPDATED_AT else None
        cursor = encode_cursor(ReadPosition(config.tracking.value, tracked, record_id))
        return RawRecord(str(record_id), payload, location, changed_at=changed_at, cursor=cursor)

    # -- write ---------------------------------------------------------------------------------------

    def write(self, change: Change) -> WriteReceipt:
        refusal = self._refusal(change)
        if refusal is not None:
            return refusal
        target = self.config.target_table or ""  # writable columns imply a table (the config's validator)
        with self._engine.begin() as connection:
            table = self._table(connection, target)
            receipt = self._write_row(connection, table, change, self.config.effective_version_column)
        _log.info(
            "sql.write.done",
            extra={"record_id": change.record_id, "accepted": receipt.accepted, "outcome": receipt.detail},
        )
        return receipt

    def write_many(self, changes: Sequence[Change]) -> list[WriteResult]:
        """The batch in one transaction (one SELECT, one executemany per set of changed columns); if that cannot
        be (a row changed under it, a row the database refuses), each change in a transaction of its own."""
        results: list[WriteResult | None] = [self._refusal(change) for change in changes]
        todo = [index for index, result in enumerate(results) if result is None]
        if todo:
            batch = [changes[index] for index in todo]
            try:
                with self._engine.begin() as connection:
                    table = self._table(connection, self.config.target_table or "")
                    written: list[WriteResult] = list(write_rows(connection, table, batch, self._batch_rules(table)))
            except (BatchAbandoned, SQLAlchemyError) as error:
                _log.info("sql.write_many.one_by_one", extra={"changes": len(batch), "why": type(error).__name__})
                written = write_each(self.write, batch)
            for index, result in zip(todo, written, strict=True):
                results[index] = result
        done = [result for result in results if result is not None]
        _log.info("sql.write_many.done", extra={"changes": len(changes)})
        return done

    def _refusal(self, change: Change) -> WriteReceipt | None:
        config = self.config
        refused = sorted(set(change.fields) - set(config.writable_columns))
        if refused:
            allowed = ", ".join(config.writable_columns) or "none"
            detail = f"refused: not writable: {', '.join(refused)} (writable: {allowed})"
            return WriteReceipt(change.record_id, accepted=False, detail=detail)
        if change.expected_version is not None and config.effective_version_column is None:
            detail = "refused: expected_version given but no version column is configured"
            return WriteReceipt(change.record_id, accepted=False, detail=detail)
        return None

    def _batch_rules(self, table: Table) -> BatchRules:
        config = self.config
        record_id = table.c[config.id_column]
        python_type = record_id.type.python_type if _has_python_type(record_id.type) else str
        stamp = config.tracking_column
        stamped = bool(config.stamp_updated_at and config.tracking is ChangeTracking.UPDATED_AT and stamp)

        def stamp_values() -> dict[str, Any]:
            return {stamp: self._now_for(table, stamp)} if stamped and stamp else {}

        return BatchRules(
            config.id_column, config.effective_version_column, stamp_values, config.increment_columns,
            lambda change: self._coerce_id(python_type, change),
        )  # fmt: skip

    def _write_row(self, connection: Connection, table: Table, change: Change, version: str | None) -> WriteReceipt:
        record_id = table.c[self.config.id_column]
        key = self._coerce_id(record_id.type.python_type if _has_python_type(record_id.type) else str, change)
        if key is None:
            return WriteReceipt(change.record_id, accepted=False, detail="not found")
        watched = [*change.fields, *([version] if version else [])]
        current = connection.execute(
            select(*(table.c[name] for name in dict.fromkeys(watched))).where(record_id == key).with_for_update()
        ).first()
        if current is None:
            return WriteReceipt(change.record_id, accepted=False, detail="not found")
        seen = current._mapping
        different = {name: value for name, value in change.fields.items() if render(seen[name]) != render(value)}
        if not different:
            # Already as asked (a repeat, or someone else made the same change): nothing to do, nothing to stamp.
            return WriteReceipt(change.record_id, accepted=True, detail="unchanged")
        if change.expected_version is not None and version and str(render(seen[version])) != change.expected_version:
            return WriteReceipt(change.record_id, accepted=False, detail="conflict")
        values: dict[str, Any] = dict(different)
        stamp = self.config.tracking_column
        if self.config.stamp_updated_at and self.config.tracking is ChangeTracking.UPDATED_AT and stamp:
            values[stamp] = self._now_for(table, stamp)
        for name in self.config.increment_columns:
            values[name] = table.c[name] + 1
        statement = sql_update(table).where(record_id == key)
        if version:  # the version must still be the one just read: no lost update even without row locks
            statement = statement.where(table.c[version] == seen[version])
        if connection.execute(statement.values(values)).rowcount != 1:
            return WriteReceipt(change.record_id, accepted=False, detail="conflict")
        return WriteReceipt(change.record_id, accepted=True, detail="updated")

    @staticmethod
    def _coerce_id(python_type: type, change: Change) -> object:
        if python_type is int:
            try:
                return int(change.record_id)
            except ValueError:
                return None  # an id this table cannot hold
        return change.record_id

    def _now_for(self, table: Table, name: str) -> datetime:
        now = datetime.now(UTC)
        column_type = table.c[name].type
        if isinstance(column_type, DateTime) and column_type.timezone:
            return now
        return now.astimezone(self._zone).replace(tzinfo=None)  # the database keeps naive local times


def _has_python_type(column_type: Any) -> bool:
    try:
        column_type.python_type  # noqa: B018 - probing: some reflected types do not know theirs
    except NotImplementedError:
        return False
    return True
