"""Preparing a batch for the store: hash each payload, skip what the store already holds, map and encode the rest.

This is the CPU-heavy half of a sync, kept apart from the writing half so it can run in a second process
(see :mod:`._reader_process`). It only reads the store, to learn each record's newest stored hash; the
writer still decides new / changed / unchanged for everything it is given, inside its transaction.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import NamedTuple

from joinedup.connectors.base import RawRecord, SchemaDriftError
from joinedup.store.ingest_state import Rejection
from joinedup.store.source_records import StagedVersion, content_hash, holds_content, raw_json

from .record_mapper import RecordMapper

HeadHashes = Callable[[list[str]], dict[str, str]]
"""Looks up the newest stored content hash of each of these record ids (of one system) that has one."""


class PreparedBatch(NamedTuple):
    """One batch, ready to commit: what to store, what to quarantine, and how far the read has got."""

    staged: list[StagedVersion]
    rejections: list[Rejection]
    unchanged: int  # records skipped because the store already holds exactly this payload
    seen: int  # records read, whatever became of them
    cursor: str | None  # where to resume once this batch is committed


def batches(records: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    """The records in lists of ``size``. On schema drift the records read before it come out first, so the
    sync keeps everything up to the drifting record and stops there."""
    batch: list[RawRecord] = []
    try:
        for record in records:
            batch.append(record)
            if len(batch) >= size:
                yield batch
                batch = []
    except SchemaDriftError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


class BatchPreparer:
    """Turns batches of raw records into prepared batches, remembering what it has recently handed out.

    The store's heads only show committed batches. Up to ``pending`` batches handed out may still be on their
    way to the writer, so the hashes staged in them are remembered here and take precedence: a record that
    changed in batch k and went back to its old payload in batch k+1 is then a change, not "unchanged".
    The same holds inside a batch, so a record sent twice is judged against the version just before it.
    """

    def __init__(self, mapper: RecordMapper, head_hashes: HeadHashes, clock: Callable[[], datetime], pending: int):
        self._mapper = mapper
        self._head_hashes = head_hashes
        self._clock = clock
        self._recent: deque[dict[str, str]] = deque(maxlen=pending + 1)

    def prepare(self, batch: list[RawRecord]) -> PreparedBatch:
        now = self._clock()
        cursor = next((raw.cursor for raw in reversed(batch) if raw.cursor is not None), None)
        digests = [None if raw.problem else content_hash(raw.payload) for raw in batch]
        stored = self._head_hashes([raw.record_id for raw in batch if not raw.problem])
        # What the batches still on their way staged, newest last, over what the store holds: one lookup per
        # record instead of one per pending batch. This batch's own stagings are looked up first, as they come.
        staging: dict[str, str] = {}
        self._recent.append(staging)
        earlier = stored
        if any(self._recent):
            earlier = dict(stored)
            for recent in self._recent:
                earlier.update(recent)  # oldest first, so the newest staging of a record wins
        staged: list[StagedVersion] = []
        rejections: list[Rejection] = []
        unchanged = 0
        for raw, digest in zip(batch, digests, strict=True):
            if digest is not None:
                known = staging.get(raw.record_id) or earlier.get(raw.record_id)
                if known == digest or (  # the common case first: a re-sync is mostly this comparison
                    known is not None and holds_content(known, digest, partial(raw_json, raw.payload))
                ):
                    unchanged += 1
                    continue
            outcome = self._mapper.stage(raw, now, digest)
            if isinstance(outcome, Rejection):
                rejections.append(outcome)
            else:
                staged.append(outcome)
                staging[raw.record_id] = outcome.content_hash
        return PreparedBatch(staged, rejections, unchanged, len(batch), cursor)
