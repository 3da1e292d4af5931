"""An in-memory index from the model's blocking keys to the population rows that carry them.

Each of the model's blocking rules (`l.nhs_number = r.nhs_number`, `l.postcode = r.postcode AND
l.family_soundex = r.family_soundex`, ...) is reduced to its equalities between the two records; the values
on one record's side form that rule's key. Every population row's keys are hashed once (64-bit, in numpy;
keys computed by an expression such as a postcode's district are first evaluated by DuckDB); the index
keeps, per key, the hashes sorted beside their row numbers (12 bytes a row a key), so a lookup is a binary
search and costs no database round trip when the keys are plain columns. Rows added later go into a small
dictionary per key until the next compaction. A hash can collide and a rule may carry conditions that are
not equalities, so the scorer re-checks the full rules on the few candidates found (`PairScores.blocked`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from numpy.typing import NDArray
from sqlglot import exp

from joinedup.linkage._errors import LinkageError

_DIALECT = "duckdb"
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier that spreads one hash before the next is folded in
_UINT64 = (1 << 64) - 1
_COMPACT_AFTER = 50_000  # rows added since the last sort; beyond this the dictionaries are folded in


@dataclass(frozen=True)
class BlockingKey:
    """The equality part of one blocking rule: SQL expressions over the left record and over the right one.

    Most rules are symmetric (`l.dob = r.dob`); a rule such as `l.given = r.family AND l.family = r.given`
    is not, so each side keeps its own expressions and a lookup tries the record on either side.
    """

    rule: str
    left: tuple[str, ...]
    right: tuple[str, ...]

    @property
    def symmetric(self) -> bool:
        return self.left == self.right

    @classmethod
    def from_rule(cls, rule: str, position: int) -> BlockingKey:
        tree = sqlglot.parse_one(rule, read=_DIALECT)
        left, right = [], []
        for clause in conjuncts(tree):
            if not isinstance(clause, exp.EQ):
                continue
            sides = {_side(clause.left): clause.left, _side(clause.right): clause.right}
            if set(sides) == {"l", "r"}:
                left.append(_unqualified(sides["l"]))
                right.append(_unqualified(sides["r"]))
        if not left:
            raise LinkageError(
                f"blocking rule {position} has no equality between the two records' values, so the real-time "
                "index cannot look it up; give it one (e.g. l.postcode = r.postcode)"
            )
        return cls(rule=rule, left=tuple(left), right=tuple(right))


def conjuncts(tree: exp.Expr) -> list[exp.Expr]:
    while isinstance(tree, exp.Paren):
        tree = tree.this
    if isinstance(tree, exp.And):
        return conjuncts(tree.left) + conjuncts(tree.right)
    return [tree]


def _side(expression: exp.Expr) -> str | None:
    tables = {column.table for column in expression.find_all(exp.Column)}
    return tables.pop() if len(tables) == 1 and tables <= {"l", "r"} else None


def _unqualified(expression: exp.Expr) -> str:
    def strip(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column):
            return exp.column(node.name, quoted=True)
        return node

    return expression.copy().transform(strip).sql(dialect=_DIALECT)


class CandidateIndex:
    """Rows of the population that share at least one blocking key with a record."""

    def __init__(self, rules: tuple[str, ...], *, rows_per_key: int = 1_000) -> None:
        # A key shared by more rows than this (a placeholder NHS number, a common name in a large block) is
        # searched only among its most recently added rows, so one match never scores thousands of pairs.
        self.rows_per_key = rows_per_key
        self.truncated = 0  # lookups that met such a key, for the logs and the benchmark
        if not rules:
            raise LinkageError("the model has no blocking rules to index")
        self.keys = tuple(BlockingKey.from_rule(rule, i) for i, rule in enumerate(rules))
        # One hashed column per key side (one for a symmetric key), and the probes of a lookup: the record's
        # hash in column `mine` is searched among the population's hashes in column `theirs`.
        self._sides: list[tuple[str, ...]] = []
        self._probes: list[tuple[int, int]] = []
        for key in self.keys:
            first = len(self._sides)
            if key.symmetric:
                self._sides.append(key.left)
                self._probes.append((first, first))
            else:
                self._sides += [key.left, key.right]
                self._probes += [(first + 1, first), (first, first + 1)]
        expressions = sorted({e for side in self._sides for e in side})
        self._columns = {e: _plain_column(e) for e in expressions}
        computed = [e for e, column in self._columns.items() if column is None]
        self._computed_sql = (
            f"SELECT {', '.join(f'CAST(({e}) AS VARCHAR) AS e{i}' for i, e in enumerate(computed))} FROM __records"  # noqa: S608
            if computed
            else None
        )
        self._computed = computed
        self._connection = duckdb.connect()
        self._lock = threading.Lock()
        self._sorted: list[tuple[NDArray[np.uint64], NDArray[np.int32]]] = [
            (np.empty(0, np.uint64), np.empty(0, np.int32)) for _ in self._sides
        ]
        self._added: list[dict[int, list[int]]] = [{} for _ in self._sides]
        self._added_count = 0
        self.size = 0

    def key_hashes(self, records: pa.Table) -> list[tuple[NDArray[np.uint64], NDArray[np.bool_]]]:
        """Per key side, each record's key hash and whether it has one (a key with a null part has none)."""
        values: dict[str, pa.ChunkedArray] = {}
        for expression, column in self._columns.items():
            if column is not None:
                if column not in records.column_names:
                    raise LinkageError(f"records have no column {column!r}, which a blocking rule uses")
                values[expression] = records.column(column)
        if self._computed_sql is not None:
            with self._lock:
                self._connection.register("__records", records)
                try:
                    result = self._connection.sql(self._computed_sql).to_arrow_table()
                finally:
                    self._connection.unregister("__records")
            values |= {e: result.column(i) for i, e in enumerate(self._computed)}
        hashed = _hash_one(values) if records.num_rows == 1 else {e: _hash_values(c) for e, c in values.items()}
        sides = []
        for side in self._sides:
            key, valid = hashed[side[0]]
            for expression in side[1:]:
                more, more_valid = hashed[expression]
                key, valid = (key * _MIX) ^ more, valid & more_valid
            sides.append((key, valid))
        return sides

    def extend(self, records: pa.Table) -> None:
        """Index `records` as the next rows (numbered from the current size on)."""
        first = self.size
        sides = self.key_hashes(records)
        if self.size == 0 or records.num_rows > _COMPACT_AFTER:
            for i, (hashes, valid) in enumerate(sides):
                self._fold(i, hashes[valid], np.flatnonzero(valid) + first)
        else:
            for added, (hashes, valid) in zip(self._added, sides, strict=True):
                for offset in np.flatnonzero(valid):
                    added.setdefault(int(hashes[offset]), []).append(first + int(offset))
            self._added_count += records.num_rows
            if self._added_count > _COMPACT_AFTER:
                self.compact()
        self.size += records.num_rows

    def _fold(self, side: int, hashes: NDArray[np.uint64], rows: NDArray[np.int64]) -> None:
        old_hashes, old_rows = self._sorted[side]
        all_hashes = np.concatenate([old_hashes, hashes])
        all_rows = np.concatenate([old_rows, rows.astype(np.int32)])
        order = np.argsort(all_hashes, kind="stable")
        self._sorted[side] = (all_hashes[order], all_rows[order])

    def compact(self) -> None:
        """Fold the rows added one at a time into the sorted arrays."""
        for side, added in enumerate(self._added):
            if added:
                pairs = [(key, row) for key, rows in added.items() for row in rows]
                hashes = np.fromiter((k for k, _ in pairs), np.uint64, len(pairs))
                self._fold(side, hashes, np.fromiter((r for _, r in pairs), np.int64, len(pairs)))
                added.clear()
        self._added_count = 0

    @property
    def plain(self) -> bool:
        """Whether every key is made of plain columns, so a record given as a dict can be hashed without a query."""
        return self._computed_sql is None

    def record_keys(self, values: Mapping[str, Any]) -> list[int | None]:
        """Per key side, the hash of one record given as a dict of its columns (None where a part is null).

        The same hashes as `key_hashes` gives for the record as a table: values are hashed as Arrow casts
        them to text. Only for indexes whose keys are plain columns (`plain`).
        """
        texts = {e: _as_text(values.get(column)) for e, column in self._columns.items() if column is not None}
        present = [text for text in texts.values() if text is not None]
        hashed = iter(pd.util.hash_array(np.array(present, dtype=object), categorize=False).tolist() if present else [])
        single: dict[str, int] = {e: next(hashed) for e, text in texts.items() if text is not None}
        keys: list[int | None] = []
        for side in self._sides:
            if any(e not in single for e in side):
                keys.append(None)
                continue
            parts = [single[e] for e in side]
            key = parts[0]
            for part in parts[1:]:  # as the arrays do it: uint64 arithmetic wraps around
                key = ((key * int(_MIX)) & _UINT64) ^ part
            keys.append(key)
        return keys

    def add_keys(self, keys: list[int | None]) -> None:
        """Index one record, given its `record_keys`, as the next row."""
        for added, key in zip(self._added, keys, strict=True):
            if key is not None:
                added.setdefault(key, []).append(self.size)
        self.size += 1
        self._added_count += 1
        if self._added_count > _COMPACT_AFTER:
            self.compact()

    def lookup(self, record: pa.Table) -> NDArray[np.int64]:
        """Sorted row numbers sharing any blocking key with the (one-row) `record`."""
        if record.num_rows != 1:
            raise LinkageError(f"lookup takes one record, got {record.num_rows}")
        return self.lookup_keys([int(hashes[0]) if valid[0] else None for hashes, valid in self.key_hashes(record)])

    def lookup_keys(self, keys: list[int | None]) -> NDArray[np.int64]:
        """Sorted row numbers sharing any of a record's key hashes (from `record_keys` or `key_hashes`)."""
        found: list[NDArray[np.int32]] = []
        limit, truncated = self.rows_per_key, False
        for mine, theirs in self._probes:
            key = keys[mine]
            if key is None:
                continue
            hashes, rows = self._sorted[theirs]
            target = np.uint64(key)
            block = rows[np.searchsorted(hashes, target, "left") : np.searchsorted(hashes, target, "right")]
            recent = self._added[theirs].get(key, ())
            if len(block) + len(recent) > limit:  # rows of one key are in the order they were added
                truncated = True
                block = np.concatenate([block, np.asarray(recent, dtype=np.int32)])[-limit:]
            elif recent:
                block = np.concatenate([block, np.asarray(recent, dtype=np.int32)])
            found.append(block)
        self.truncated += truncated
        if not found:
            return np.empty(0, np.int64)
        return np.unique(np.concatenate(found)).astype(np.int64)

    @property
    def nbytes(self) -> int:
        """Memory held by the sorted arrays (the dictionaries of recent additions are small)."""
        return sum(h.nbytes + r.nbytes for h, r in self._sorted)


def _as_text(value: Any) -> str | None:
    """A value as Arrow casts it to text (booleans are "true"/"false"), None for a null."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        raise LinkageError("a blocking key must be a single value (text, number, date), not a list")
    text: str | None = pa.scalar(value).cast(pa.string()).as_py()
    return text


def _plain_column(expression: str) -> str | None:
    tree = sqlglot.parse_one(expression, read=_DIALECT)
    return tree.name if isinstance(tree, exp.Column) else None


def _hash_values(column: pa.ChunkedArray) -> tuple[NDArray[np.uint64], NDArray[np.bool_]]:
    """64-bit hashes of a column's values as text, hashing each distinct value once; and where it is not null."""
    try:
        text = column.cast(pa.string()).combine_chunks()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise LinkageError("a blocking key must be a single value (text, number, date), not a list") from None
    encoded = pc.dictionary_encode(text)
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
    hashed = pd.util.hash_array(distinct, categorize=False) if len(distinct) else np.zeros(0, np.uint64)
    positions = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False)
    valid = np.asarray(text.is_valid(), dtype=bool)
    keys = hashed[positions] if len(distinct) else np.zeros(len(text), np.uint64)
    return keys.astype(np.uint64), valid


def _hash_one(values: dict[str, pa.ChunkedArray]) -> dict[str, tuple[NDArray[np.uint64], NDArray[np.bool_]]]:
    """The same hashes as `_hash_values` for a single record, in one call instead of one per column."""
    try:
        texts = [column.cast(pa.string())[0].as_py() for column in values.values()]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise LinkageError("a blocking key must be a single value (text, number, date), not a list") from None
    present = [text for text in texts if text is not None]
    hashed = iter(pd.util.hash_array(np.array(present, dtype=object), categorize=False) if present else [])
    result = {}
    for expression, text in zip(values, texts, strict=True):
        if text is None:
            result[expression] = (np.zeros(1, np.uint64), np.zeros(1, bool))
        else:
            result[expression] = (np.array([next(hashed)], np.uint64), np.ones(1, bool))
    return result
