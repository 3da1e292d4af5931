"""The audit log's SQL: advance the chain head under its lock, insert entries, read them back in order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

from .audit_tables import audit_chain_head, audit_entries

# One statement both takes the head's lock (PostgreSQL: the row lock, held to commit; SQLite: the database's
# write lock) and reserves the sequence numbers. Writing first matters on SQLite: a transaction that read
# before writing can find its snapshot stale and fail instead of waiting.
_ADVANCE = (
    "UPDATE audit_chain_head SET last_sequence = last_sequence + {p} WHERE id = 1 RETURNING last_sequence, last_hash"
)
_INSERT = (
    "INSERT INTO audit_entries (sequence, kind, subject_resident_id, body, entry_hash) VALUES ({p}, {p}, {p}, {p}, {p})"
)
_SET_HASH = "UPDATE audit_chain_head SET last_hash = {p} WHERE id = 1"
# The append path is the hottest write in joinedup (every disclosure and decision), so it speaks to the driver
# directly on the caller's connection and transaction: three short statements, no statement compilation.
_STATEMENTS = {
    dialect: (_ADVANCE.format(p=marker), _INSERT.format(p=marker), _SET_HASH.format(p=marker))
    for dialect, marker in (("sqlite", "?"), ("postgresql", "%s"))
}
_PARAMETER = {"sqlite": "?", "postgresql": "%s"}


class StoredEntry(NamedTuple):
    sequence: int
    kind: str
    subject_resident_id: str | None
    body: str
    entry_hash: str


class ChainHead(NamedTuple):
    last_sequence: int
    last_hash: str


def append(connection: Connection, count: int, seal: Callable[[int, str], Sequence[StoredEntry]]) -> None:
    """Lock the head, reserve ``count`` sequence numbers, and insert what ``seal(first, previous_hash)`` makes.

    The lock (and the reservation) is held to the end of the caller's transaction, so entries are chained in
    the order their transactions commit, and a rolled-back transaction gives its numbers back.
    """
    advance, insert_entry, set_hash = _STATEMENTS[connection.dialect.name]
    with _driver_cursor(connection, advance) as cursor:
        cursor.execute(advance, (count,))
        ((last_sequence, last_hash),) = cursor.fetchall()
        entries = seal(int(last_sequence) - count + 1, str(last_hash))
        if len(entries) == 1:
            cursor.execute(insert_entry, entries[0])
        else:
            cursor.executemany(insert_entry, entries)
        cursor.execute(set_hash, (entries[-1].entry_hash,))


@contextmanager
def _driver_cursor(connection: Connection, statement: str) -> Iterator[Any]:
    """A cursor of the caller's own driver connection; driver errors come out as SQLAlchemy's, as elsewhere."""
    dbapi_error = connection.dialect.loaded_dbapi.Error
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except dbapi_error as error:
        raise DBAPIError.instance(statement, None, error, dbapi_error, dialect=connection.dialect) from error
    finally:
        cursor.close()


def head(connection: Connection) -> ChainHead:
    row = connection.execute(select(audit_chain_head.c.last_sequence, audit_chain_head.c.last_hash)).one()
    return ChainHead(int(row.last_sequence), str(row.last_hash))


def count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(audit_entries)).scalar_one())


_PAGE = (
    "SELECT sequence, kind, subject_resident_id, body, entry_hash FROM audit_entries"
    " WHERE sequence > {p} AND sequence <= {p} ORDER BY sequence LIMIT {p}"
)


def iter_entries(
    connection: Connection, *, start: int = 1, stop: int | None = None, batch_size: int = 20_000
) -> Iterator[StoredEntry]:
    """Every entry in sequence order, read in key-ordered pages so memory stays flat on long logs.

    Verification reads millions of rows, so pages come straight from the driver as plain tuples.
    """
    page = _PAGE.format(p=_PARAMETER[connection.dialect.name])
    last = stop if stop is not None else 2**62
    after = start - 1
    make = StoredEntry._make
    while True:
        with _driver_cursor(connection, page) as cursor:
            cursor.execute(page, (after, last, batch_size))
            rows = cursor.fetchall()
        yield from map(make, rows)
        if len(rows) < batch_size:
            return
        after = int(rows[-1][0])


def entries_about(connection: Connection, resident_id: str, kinds: Sequence[str]) -> list[StoredEntry]:
    rows = connection.execute(
        select(
            audit_entries.c.sequence,
            audit_entries.c.kind,
            audit_entries.c.subject_resident_id,
            audit_entries.c.body,
            audit_entries.c.entry_hash,
        )
        .where(audit_entries.c.subject_resident_id == resident_id, audit_entries.c.kind.in_(kinds))
        .order_by(audit_entries.c.sequence)
    ).all()
    return [StoredEntry(int(row[0]), row[1], row[2], row[3], row[4]) for row in rows]
