"""Preparing a batch for the store: hash each payload, skip what the store already holds, map and encode the rest.

This is the CPU-heavy half of a sync, kept apart from the writing half so it can run in a second process
(see :mod:`._reader_process`). It only reads the store, to learn each record's newest stored hash; the
writer still decides new / changed / unchanged for everything it is given, inside its transaction.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

from joinedup.connectors.batches import RecordBatch
from joinedup.model import flat_row_hasher
from joinedup.store.ingest_state import Rejection
from joinedup.store.source_records import StagedVersion, content_hash, holds_content, raw_json

from .record_mapper import RecordMapper

DifferingHeads = Callable[[list[str], list[str]], dict[str, str | None]]
"""Given record ids (of one system) and the content hash each now has, the stored head hash of each id whose
head does not hold exactly that hash (None: no head). An id left out is one the store holds unchanged."""


class PreparedBatch(NamedTuple):
    """One batch, ready to commit: what to store, what to quarantine, and how far the read has got."""

    staged: list[StagedVersion]
    rejections: list[Rejection]
    unchanged: int  # records skipped because the store already holds exactly this payload
    seen: int  # records read, whatever became of them
    cursor: str | None  # where to resume once this batch is committed

    def __reduce__(self) -> tuple[Any, ...]:
        # Crosses to the writing process column by column: pickling thousands of small tuples cost the reading
        # process more than a tenth of a first load; a few long lists of texts cost a fraction of that.
        columns = tuple(zip(*self.staged, strict=True))
        return (_from_columns, (columns, self.rejections, self.unchanged, self.seen, self.cursor))


def _from_columns(
    columns: tuple[tuple[Any, ...], ...], rejections: list[Rejection], unchanged: int, seen: int, cursor: str | None
) -> PreparedBatch:
    return PreparedBatch(
        list(map(StagedVersion._make, zip(*columns, strict=True))), rejections, unchanged, seen, cursor
    )


class BatchPreparer:
    """Turns batches of raw records into prepared batches, remembering what it has recently handed out.

    The store's heads only show committed batches. Up to ``pending`` batches handed out may still be on their
    way to the writer, so the hashes staged in them are remembered here and take precedence: a record that
    changed in batch k and went back to its old payload in batch k+1 is then a change, not "unchanged".
    The same holds inside a batch, so a record sent twice is judged against the version just before it.
    """

    def __init__(
        self, mapper: RecordMapper, differing_heads: DifferingHeads, clock: Callable[[], datetime], pending: int
    ) -> None:
        self._mapper = mapper
        self._differing_heads = differing_heads
        self._clock = clock
        # This batch's stagings, those of the batches on their way, and of one more: prepare_all looks a batch
        # up before the one ahead of it is judged.
        self._recent: deque[dict[str, str]] = deque(maxlen=pending + 2)
        self._hashers: dict[tuple[str, ...], Callable[[Sequence[Any]], str | None] | None] = {}

    def prepare_all(self, batches: Iterable[RecordBatch]) -> Iterator[PreparedBatch]:
        """Every batch, in order. Each batch's lookup in the store runs on a thread while the batch before it is
        judged and mapped: the database drivers let go of the interpreter while the database works, so on a
        re-sync, which is mostly hashing and lookups, the two overlap."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="joinedup-heads") as lookups:
            waiting: tuple[RecordBatch, list[str | None], Future[dict[str, str | None]]] | None = None
            reading = iter(batches)
            while True:
                try:
                    batch = next(reading, None)
                except Exception:
                    # The read failed (schema drift, say): what was read before it is still kept.
                    if waiting is not None:
                        yield self._decide(waiting[0], waiting[1], waiting[2].result())
                    raise
                if batch is None:
                    break
                digests = self._digests(batch)
                ahead = lookups.submit(self._lookup, batch, digests)
                if waiting is not None:
                    yield self._decide(waiting[0], waiting[1], waiting[2].result())
                waiting = (batch, digests, ahead)
            if waiting is not None:
                yield self._decide(waiting[0], waiting[1], waiting[2].result())

    def _lookup(self, batch: RecordBatch, digests: list[str | None]) -> dict[str, str | None]:
        looked_up: list[str] = []
        hashes: list[str] = []
        for record_id, digest in zip(batch.record_ids, digests, strict=True):
            if digest is not None:
                looked_up.append(record_id)
                hashes.append(digest)
        return self._differing_heads(looked_up, hashes)

    def _decide(self, batch: RecordBatch, digests: list[str | None], differing: dict[str, str | None]) -> PreparedBatch:
        """Skip what the store (or a batch still on its way) holds unchanged; map the rest."""
        now = self._clock()
        ids = batch.record_ids
        # What the batches still on their way staged, newest last, over what the store holds. This batch's own
        # stagings are looked up first, as they come.
        staging: dict[str, str] = {}
        self._recent.append(staging)
        pending: dict[str, str] = {}
        for recent in self._recent:
            pending.update(recent)  # oldest first, so the newest staging of a record wins
        staged: list[StagedVersion] = []
        rejections: list[Rejection] = []
        unchanged = 0
        for index, digest in enumerate(digests):
            record_id = ids[index]
            if digest is not None:
                known = staging.get(record_id) or pending.get(record_id)
                if known is None:
                    if record_id not in differing:
                        unchanged += 1  # the common case: a re-sync is mostly this
                        continue
                    known = differing[record_id]
                if known == digest or (
                    known is not None and holds_content(known, digest, partial(_sorted_json, batch, index))
                ):
                    unchanged += 1
                    continue
            outcome = self._mapper.stage(batch.record(index), now, digest)
            if isinstance(outcome, Rejection):
                rejections.append(outcome)
            else:
                staged.append(outcome)
                staging[record_id] = outcome.content_hash
        return PreparedBatch(staged, rejections, unchanged, len(batch), batch.cursor)

    def _digests(self, batch: RecordBatch) -> list[str | None]:
        """Each record's content hash (None for a record that is not usable: it is mapped, to be quarantined)."""
        keys = batch.keys
        hasher = self._hashers[keys] if keys in self._hashers else self._hashers.setdefault(keys, flat_row_hasher(keys))
        digests: list[str | None] = []
        for index, row in enumerate(batch.rows):
            if row is not None:
                digest = hasher(row) if hasher is not None else None
                digests.append(digest or content_hash(dict(zip(keys, row, strict=True))))
            else:
                record = batch.whole[index]
                digests.append(None if record.problem else content_hash(record.payload))
        return digests


def _sorted_json(batch: RecordBatch, index: int) -> str:
    return raw_json(batch.record(index).payload)
