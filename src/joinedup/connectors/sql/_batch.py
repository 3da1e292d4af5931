"""Writing a batch of changes into a SQL table in one transaction, with the same checks as one write.

For each change, as :meth:`SqlConnector.write` does: not found, already as asked (``unchanged``), the version
not the one joinedup last saw (``conflict``), or updated. The rows are read in one SELECT (locked FOR UPDATE
where the database can) and updated with one executemany per set of changed columns, each row guarded by the
version just read. If any guarded update finds its row changed, or the database refuses any row (a value too
long, a constraint), the transaction is rolled back and :class:`BatchAbandoned` tells the caller to write each
change on its own, so one bad row neither fails nor doubles the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy import update as sql_update

from joinedup.connectors.base import Change, WriteReceipt
from joinedup.connectors.sql._values import render

_IDS_PER_SELECT = 500  # well under every backend's limit on bound parameters


class BatchAbandoned(Exception):
    """The batch could not be written as one (a row changed under it); write each change on its own."""


@dataclass(frozen=True)
class BatchRules:
    """How the table is written: its id and version columns, and what a real change also sets."""

    id_column: str
    version_column: str | None
    stamp: Callable[[], dict[str, Any]]  # columns set on every real change (an updated-at stamp), or {}
    increment_columns: tuple[str, ...]
    coerce_id: Callable[[Change], object]  # the id as the table holds it, or None when it cannot be one


def write_rows(
    connection: Connection, table: Table, changes: Sequence[Change], rules: BatchRules
) -> list[WriteReceipt]:
    """One receipt per change, in order; raises BatchAbandoned (roll back) when the batch cannot be one."""
    keys = [rules.coerce_id(change) for change in changes]
    current = _current_rows(connection, table, changes, keys, rules)
    receipts: list[WriteReceipt | None] = [None] * len(changes)
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    version = rules.version_column
    for index, (change, key) in enumerate(zip(changes, keys, strict=True)):
        seen = current.get(key) if key is not None else None
        if seen is None:
            receipts[index] = WriteReceipt(change.record_id, accepted=False, detail="not found")
            continue
        different = {name: value for name, value in change.fields.items() if render(seen[name]) != render(value)}
        if not different:
            receipts[index] = WriteReceipt(change.record_id, accepted=True, detail="unchanged")
            continue
        if change.expected_version is not None and version and str(render(seen[version])) != change.expected_version:
            receipts[index] = WriteReceipt(change.record_id, accepted=False, detail="conflict")
            continue
        columns = tuple(sorted(different))
        row = {f"v_{n}": different[name] for n, name in enumerate(columns)}
        row["w_id"] = key
        if version:
            row["w_version"] = seen[version]
        updates.setdefault(columns, []).append(row)
        receipts[index] = WriteReceipt(change.record_id, accepted=True, detail="updated")
    for columns, rows in updates.items():
        _update(connection, table, columns, rows, rules)
    return [receipt for receipt in receipts if receipt is not None]


def _current_rows(
    connection: Connection, table: Table, changes: Sequence[Change], keys: list[object], rules: BatchRules
) -> dict[object, Any]:
    record_id = table.c[rules.id_column]
    watched = dict.fromkeys([name for change in changes for name in change.fields])
    if rules.version_column:
        watched[rules.version_column] = None
    wanted = sorted({key for key in keys if key is not None}, key=str)
    found: dict[object, Any] = {}
    for start in range(0, len(wanted), _IDS_PER_SELECT):
        chunk = wanted[start : start + _IDS_PER_SELECT]
        query = select(record_id, *(table.c[name] for name in watched)).where(record_id.in_(chunk)).with_for_update()
        for row in connection.execute(query):
            found[row[0]] = row._mapping
    return found


def _update(
    connection: Connection, table: Table, columns: tuple[str, ...], rows: list[dict[str, Any]], rules: BatchRules
) -> None:
    values: dict[str, Any] = {name: bindparam(f"v_{n}") for n, name in enumerate(columns)}
    values.update(rules.stamp())
    for name in rules.increment_columns:
        values[name] = table.c[name] + 1
    statement = sql_update(table).where(table.c[rules.id_column] == bindparam("w_id"))
    if rules.version_column:  # the version must still be the one just read: no lost update even without row locks
        statement = statement.where(table.c[rules.version_column] == bindparam("w_version"))
    statement = statement.values(values)
    if connection.dialect.supports_sane_multi_rowcount:
        if connection.execute(statement, rows).rowcount != len(rows):
            raise BatchAbandoned("a row changed while the batch was written")
        return
    for row in rows:  # a driver that cannot count an executemany's rows: one statement a row, same transaction
        if connection.execute(statement, row).rowcount != 1:
            raise BatchAbandoned("a row changed while the batch was written")
