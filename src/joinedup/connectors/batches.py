"""Reading in batches: records handed out many at a time, the good rows of a file kept as plain values.

A re-sync of unchanged data does little per record but recognise it, so making a :class:`RawRecord` (a dict,
a location, a cursor) of each row costs more than that recognition. A connector that reads rows of values
under one set of columns (a CSV export) hands them out as :class:`RecordBatch`; ingest hashes and compares
the values, and makes a record whole only for what it must map or quarantine. Any other connector's records
are grouped into the same shape by :func:`batched`, so ingest has one way in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from .base import Connector, RawRecord, SchemaDriftError, SourceLocation


@dataclass(frozen=True)
class RecordBatch:
    """Records read together, in order; the batch's ``cursor`` is where to resume once all are stored.

    A record is either a row of values under ``keys`` (``rows[i]``, with its id and the line where it
    starts) or, where ``rows[i]`` is None, a whole record in ``whole[i]`` (a row that is not a usable
    record, or any record of a connector without rows).
    """

    keys: tuple[str, ...]
    record_ids: list[str]
    rows: list[Sequence[Any] | None]
    lines: list[int]
    whole: dict[int, RawRecord]
    cursor: str | None
    where: str = ""  # what each line number follows in a location ("export.csv line ")

    def __len__(self) -> int:
        return len(self.record_ids)

    def record(self, index: int) -> RawRecord:
        """The record at ``index``, whole."""
        found = self.whole.get(index)
        if found is not None:
            return found
        row = self.rows[index]
        if row is None:  # every index is in one of the two
            raise IndexError(index)
        location = SourceLocation(f"{self.where}{self.lines[index]}")
        return RawRecord(self.record_ids[index], dict(zip(self.keys, row, strict=True)), location)


@runtime_checkable
class ReadsBatches(Protocol):
    """A connector that reads rows in batches itself, faster than record by record."""

    def read_batches(self, since: str | None, size: int) -> Iterator[RecordBatch]:
        """Everything ``read(since)`` would give, in batches of at most ``size`` records (a batch may be
        smaller, or empty only to move the cursor on). Raises SchemaDriftError as ``read`` does, once the
        batches before the drift are out."""
        ...


def read_batches(connector: Connector, since: str | None, size: int) -> Iterator[RecordBatch]:
    """The connector's records from ``since`` in batches of at most ``size``."""
    if isinstance(connector, ReadsBatches):
        return connector.read_batches(since, size)
    return batched(connector.read(since=since), size)


def batched(records: Iterator[RawRecord], size: int) -> Iterator[RecordBatch]:
    """Records grouped into batches of whole records. On schema drift the records read before it come out
    first, so a sync keeps everything up to the drifting record and stops there."""
    batch: list[RawRecord] = []
    try:
        for record in records:
            batch.append(record)
            if len(batch) >= size:
                yield whole_records(batch)
                batch = []
    except SchemaDriftError:
        if batch:
            yield whole_records(batch)
        raise
    if batch:
        yield whole_records(batch)


def whole_records(records: list[RawRecord]) -> RecordBatch:
    """A batch of records that are already whole; its cursor is the last one any of them carries."""
    cursor = next((record.cursor for record in reversed(records) if record.cursor is not None), None)
    return RecordBatch(
        keys=(),
        record_ids=[record.record_id for record in records],
        rows=[None] * len(records),
        lines=[0] * len(records),
        whole=dict(enumerate(records)),
        cursor=cursor,
    )
