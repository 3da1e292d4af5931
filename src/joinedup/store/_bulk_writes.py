"""Writing many record versions at once, the fastest way each backend allows.

SQLite: ids are counted on from one inserted row (the write lock is held from that insert to the commit, and
the primary key refuses any clash), and the rest go in one executemany. PostgreSQL: ids are drawn from the
sequence in one statement and the rows loaded with COPY. Kept apart from the repository so that
:mod:`.source_records` reads as what it does, not how each backend is fed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, Connection, Table, Text, bindparam, insert, text
from sqlalchemy.exc import DBAPIError

from .tables import source_records

if TYPE_CHECKING:
    from .source_records import StagedVersion


def _require_aware(value: datetime) -> None:
    # What UtcDateTime enforces for every other write: a naive time would come back ambiguous.
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored: give a timezone")


def _require_all_aware(inserts: list[tuple[StagedVersion, int]]) -> None:
    """Every time of a batch is aware; checked once per distinct value, as a batch shares its few timestamps."""
    stamps = {record.received_at for record, _ in inserts} | {record.changed_at for record, _ in inserts}
    for stamp in stamps:
        if stamp is not None:
            _require_aware(stamp)


def _stamper(connection: Connection, column: Column[Any]) -> Callable[[Any], Any]:
    """A timestamp as this backend's bulk write takes it: on SQLite what the column type binds (UTC text),
    remembered per distinct value; PostgreSQL's COPY takes the aware datetime itself."""
    if connection.dialect.name == "postgresql":
        return _unchanged
    processor = column.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    return _unchanged if processor is None else _per_distinct_value(processor)


def _unchanged(value: Any) -> Any:
    return value


_VERSION_COLUMNS = (
    "id",
    "system",
    "record_id",
    "version",
    "entity",
    "raw",
    "canonical",
    "content_hash",
    "received_at",
    "changed_at",
)
_HEAD_COLUMNS = ("system", "record_id", "version", "content_hash", "source_record_pk", "updated_at")


def _version_row(pk: int, record: StagedVersion, version: int) -> tuple[Any, ...]:
    return (
        pk,
        record.system,
        record.record_id,
        version,
        record.entity,
        record.raw_json,  # already JSON text: SQLite keeps JSON as text, PostgreSQL parses it into jsonb
        record.canonical_json,
        record.content_hash,
        record.received_at,
        record.changed_at,
    )


def _insert_versions(connection: Connection, inserts: list[tuple[StagedVersion, int]]) -> list[int]:
    """Insert versions and return their ids, in order (SQLite).

    INSERT ... RETURNING with the rows' order kept runs one statement per row on SQLite, which cost more
    than everything else in a sync. Instead the first row is inserted alone, which takes the database's
    write lock until commit and says where ids have got to; the rest are numbered on from it and inserted
    in one executemany. With the lock held nobody else can take those ids; if they were somehow taken the
    primary key refuses the insert and the whole batch rolls back, so nothing can be paired with a wrong id.
    """
    first_record, first_version = inserts[0]
    statement = insert(source_records).values(
        raw=bindparam("raw_json", type_=Text()), canonical=bindparam("canonical_json", type_=Text())
    )
    values = dict(zip(_VERSION_COLUMNS[1:], _version_row(0, first_record, first_version)[1:], strict=True))
    values["raw_json"], values["canonical_json"] = values.pop("raw"), values.pop("canonical")
    key = connection.execute(statement, values).inserted_primary_key
    if key is None:  # SQLite always reports the rowid of a single-row INSERT
        raise RuntimeError("the database did not report the new row's id")
    first = int(key[0])
    stamp = _stamper(connection, source_records.c.received_at)  # the same type as changed_at's
    # Built in their bound form straight away: this runs once per stored version.
    rows = [
        (
            first + offset,
            record.system,
            record.record_id,
            version,
            record.entity,
            record.raw_json,
            record.canonical_json,
            record.content_hash,
            stamp(record.received_at),
            stamp(record.changed_at),
        )
        for offset, (record, version) in enumerate(inserts[1:], start=1)
    ]
    if rows:
        _write_rows(connection, source_records, _VERSION_COLUMNS, rows)
    return list(range(first, first + len(inserts)))


def _copy_versions(connection: Connection, inserts: list[tuple[StagedVersion, int]]) -> list[int]:
    """Insert versions and return their ids, in order (PostgreSQL).

    The ids are drawn from the table's own sequence first, in one statement, so each row's id is known
    without RETURNING; the rows then go in with COPY.
    """
    ids = sorted(
        connection.execute(
            text("SELECT nextval(pg_get_serial_sequence('source_records', 'id')) FROM generate_series(1, :n)"),
            {"n": len(inserts)},
        ).scalars()
    )
    rows = [_version_row(pk, record, version) for pk, (record, version) in zip(ids, inserts, strict=True)]
    _bulk_insert(connection, source_records, _VERSION_COLUMNS, rows)
    return ids


def _bulk_insert(connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain rows, in the order of ``columns``, at the speed of the driver.

    SQLAlchemy's executemany runs each value of each row through Python (its parameter dicts and column
    types), which cost more than the database's own work. Here PostgreSQL gets COPY; SQLite gets one
    executemany of tuples, with the column types' conversions applied once per distinct value (a batch
    shares its timestamps), so what is stored is exactly what the column types would have stored. JSON
    columns must be given JSON text.
    """
    if connection.dialect.name != "postgresql":
        rows = _converted_for_sqlite(connection, table, columns, rows)
    _write_rows(connection, table, columns, rows)


def _write_rows(connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows whose values are already in the form the backend takes (see :func:`_bulk_insert`)."""
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        statement = f"COPY {table.name} ({names}) FROM STDIN"
        driver = connection.connection.driver_connection
        if driver is None:  # only a closed connection has none, and a transaction's is open
            raise RuntimeError("the database connection is closed")
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except connection.dialect.loaded_dbapi.Error as error:
            # The driver's own error, outside SQLAlchemy: raised as SQLAlchemy's (an IntegrityError for a key
            # or constraint), like every other statement's, and without the rows (they hold personal data).
            raise DBAPIError.instance(
                statement, None, error, connection.dialect.loaded_dbapi.Error, hide_parameters=True
            ) from error
        return
    placeholders = ", ".join("?" for _ in columns)
    # Table and column names are this module's own constants, never input.
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


def _converted_for_sqlite(
    connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(columns):
        column_type = table.c[name].type
        if isinstance(column_type, JSON):
            continue  # given as JSON text already
        # The processor SQLAlchemy itself applies on this dialect (the column type's, then the dialect's).
        processor = column_type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
        if processor is not None:
            converters.append((index, _per_distinct_value(processor)))
    if converters:
        converted = []
        for row in rows:
            values = list(row)
            for index, convert in converters:
                values[index] = convert(values[index])
            converted.append(tuple(values))
        rows = converted
    return rows


def _per_distinct_value(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    done: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if value not in done:
            done[value] = processor(value)
        return done[value]

    return convert
