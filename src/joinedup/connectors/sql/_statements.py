"""The statements the SQL connector runs, built with SQLAlchemy Core so every dialect quotes and binds its way.

Reads are keyset-paginated in one stable order: (tracking value, id) for updated-at tracking, (sequence) for
sequence tracking, (id) otherwise. Rows without a tracking value sort first and are read only by full reads:
nothing about them says when they changed.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ColumnElement, FromClause, Select, and_, case, false, or_, select

from joinedup.connectors.sql._values import ReadPosition

_FORBIDDEN = frozenset(
    "INSERT UPDATE DELETE MERGE INTO CREATE DROP ALTER TRUNCATE GRANT REVOKE CALL EXEC EXECUTE LOCK COPY "
    "HANDLER LOAD PREPARE".split()
)
# Comments, string literals and quoted identifiers hold text, not statements; they are blanked before checking.
_NOT_CODE = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`", re.DOTALL)


def check_read_only_select(query: str) -> str:
    """The query without a trailing semicolon, if it is one SELECT (or WITH ... SELECT) that changes nothing.

    This guards against a configuration mistake, not an attacker: the database account the connector uses
    for reading should have no write grants. Reads also run in a transaction that is always rolled back (and
    is declared read-only on PostgreSQL).
    """
    statement = query.strip().rstrip(";").strip()
    code = _NOT_CODE.sub(" ", statement)
    if ";" in code:
        raise ValueError("query must be a single statement")
    words = re.findall(r"[A-Za-z_]+", code)
    if not words or words[0].upper() not in ("SELECT", "WITH"):
        raise ValueError("query must be a SELECT (or WITH ... SELECT)")
    if found := sorted({word.upper() for word in words} & _FORBIDDEN):
        raise ValueError(f"query must only read; it contains {', '.join(found)}")
    return statement


def _tracked_first(value: ColumnElement[object]) -> ColumnElement[int]:
    # NULLS FIRST is not portable (MariaDB has no such clause); a 0/1 key sorts the same way everywhere.
    return case((value.is_(None), 0), else_=1)


def read_statement(
    source: FromClause,
    columns: list[str],
    id_column: str,
    tracking_column: str | None,
    after: ReadPosition | None,
    recent_from: datetime | None = None,
) -> Select[tuple[object, ...]]:
    """Rows of ``source`` in a stable order, only those after ``after`` when it is given.

    ``recent_from`` (updated-at tracking) also takes rows stamped at or after it even if they sort before
    ``after``: the look-back window that catches rows whose transaction committed after an earlier read.
    """
    record_id = source.c[id_column]
    statement = select(*(source.c[name] for name in columns))
    if tracking_column is None:
        if after is not None:
            statement = statement.where(record_id > after.record_id)
        return statement.order_by(record_id)
    tracked = source.c[tracking_column]
    if after is None:
        return statement.order_by(_tracked_first(tracked), tracked, record_id)
    if after.tracking == "sequence":
        beyond = tracked > after.value if after.value is not None else tracked.is_not(None)
        return statement.where(beyond).order_by(tracked)
    if after.value is None:
        beyond = or_(and_(tracked.is_(None), record_id > after.record_id), tracked.is_not(None))
    else:
        beyond = or_(tracked > after.value, and_(tracked == after.value, record_id > after.record_id))
    window = tracked >= recent_from if recent_from is not None else false()
    return statement.where(or_(beyond, window)).order_by(_tracked_first(tracked), tracked, record_id)
