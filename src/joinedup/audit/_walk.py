"""One pass over the stored log that finds where the chain breaks, and says what the break looks like.

Each entry is checked against the stored hash of the entry before it (not a hash recomputed from the start),
so one break is reported once and the entries after it are still checked. The shape of a break names its
cause: a gap is a deletion; an entry whose content gives a different sequence number was moved; an entry
chained onto the one two places back has had an entry inserted before it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from joinedup.store.audit_log import StoredEntry

from ._chain import GENESIS_HASH, chain_hash
from ._merkle import MerkleAccumulator

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f-\U0010ffff]*')


def _subject_matches(subject: str | None, body: str) -> bool:
    """The resident column agrees with the body, checked without parsing it.

    Exact for canonical bodies: quotes inside JSON strings are escaped, so an unescaped
    ``"subject_resident_id":`` can only be the event's own key, and the value's closing quote is included.
    Anything this does not confirm goes to the full check, which parses the body.
    """
    if subject is None:
        return '"subject_resident_id":' not in body
    if _PLAIN.fullmatch(subject):
        return f'"subject_resident_id":"{subject}"' in body
    return f'"subject_resident_id":{json.dumps(subject, ensure_ascii=False)}' in body


@dataclass(frozen=True, order=True)
class Problem:
    """Where the log breaks (an entry's sequence number, or a checkpoint) and what is wrong there."""

    sequence: int
    what: str
    checkpoint: int | None = None


@dataclass(frozen=True)
class RecordedCheckpoint:
    """A checkpoint event found in the chain: it must match a stored, signed checkpoint."""

    sequence: int
    tree_size: int
    root: str


@dataclass
class ChainWalk:
    """Feed stored entries in sequence order; read problems, Merkle roots and checkpoint events after."""

    root_sizes: frozenset[int] = frozenset()
    problems: list[Problem] = field(default_factory=list)
    roots: dict[int, str] = field(default_factory=dict)
    frontiers: dict[int, tuple[str, ...]] = field(default_factory=dict)  # at each root size: its subtree roots
    recorded_checkpoints: list[RecordedCheckpoint] = field(default_factory=list)
    last_sequence: int = 0
    last_hash: str = GENESIS_HASH
    _before_last_hash: str | None = None
    _offset: int = 0
    _merkle: MerkleAccumulator = field(default_factory=MerkleAccumulator)
    _last_digest: bytes = bytes(32)

    def __post_init__(self) -> None:
        self.roots[0] = self._merkle.root().hex()  # the empty tree's root, for a checkpoint of an empty log
        self.frontiers[0] = ()

    @property
    def entries(self) -> int:
        return self._merkle.size

    def feed(self, row: StoredEntry) -> None:
        self.feed_all((row,))

    def feed_all(self, rows: Iterable[StoredEntry]) -> None:
        """Check entries in order: a tight path for the usual intact entry, the full diagnosis for the rest.

        The tight path keeps its state in local variables (this loop runs once per entry of the whole log)
        and hands it back before any entry takes the full path.
        """
        sha256, add_leaf, subject_matches = hashlib.sha256, self._add_leaf, _subject_matches
        last_sequence, last_hash, last_digest = self.last_sequence, self.last_hash, self._last_digest
        before_last = self._before_last_hash
        for row in rows:
            sequence, kind, subject, text, stored_hash = row
            body = text.encode("utf-8")
            if sequence == last_sequence + 1 and self._offset == 0 and kind != "checkpoint":
                digest = sha256(last_digest + body).digest()
                if (
                    digest.hex() == stored_hash
                    and body.endswith(b'"sequence":%d}' % sequence)
                    and f'"kind":"{kind}"' in text
                    and subject_matches(subject, text)
                ):
                    before_last, last_sequence, last_hash, last_digest = last_hash, sequence, stored_hash, digest
                    add_leaf(body)
                    continue
            self.last_sequence, self.last_hash, self._last_digest = last_sequence, last_hash, last_digest
            self._before_last_hash = before_last
            self._feed_slowly(row, body)
            last_sequence, last_hash, last_digest = self.last_sequence, self.last_hash, self._last_digest
            before_last = self._before_last_hash
        self.last_sequence, self.last_hash, self._last_digest = last_sequence, last_hash, last_digest
        self._before_last_hash = before_last

    def _add_leaf(self, body: bytes) -> None:
        self._merkle.add(body)
        if self._merkle.size in self.root_sizes:
            self.roots[self._merkle.size] = self._merkle.root().hex()
            self.frontiers[self._merkle.size] = tuple(h.hex() for h in self._merkle.frontier())

    def _feed_slowly(self, row: StoredEntry, body: bytes) -> None:
        sequence = row.sequence
        gap = self._check_place(sequence)
        document = self._document(row)
        written = document.get("sequence") if document is not None else None
        if document is not None:
            self._check_columns(row, document)
        if not _HEX64.match(row.entry_hash):
            self.problems.append(Problem(sequence, f"entry {sequence}'s stored hash is not a SHA-256 hash: edited"))
        computed = chain_hash(self.last_hash, row.body)
        if document is not None and not gap:
            self._diagnose(row, written, chained=computed == row.entry_hash)
        self._before_last_hash = self.last_hash
        self.last_sequence = sequence
        self.last_hash = row.entry_hash if _HEX64.match(row.entry_hash) else computed
        self._last_digest = bytes.fromhex(self.last_hash)
        self._add_leaf(body)

    def _diagnose(self, row: StoredEntry, written: object, *, chained: bool) -> None:
        """Name the break at this entry, if there is one, by its shape."""
        sequence = row.sequence
        if not isinstance(written, int):
            self.problems.append(Problem(sequence, f"entry {sequence} has no sequence number of its own: edited"))
            return
        offset, previous = sequence - written, self._offset
        self._offset = offset
        skips_one = self._before_last_hash is not None and (
            chain_hash(self._before_last_hash, row.body) == row.entry_hash
        )
        if offset not in (previous, 0):
            if offset == previous + 1 and skips_one:
                what = f"entry {sequence - 1} was inserted: the entries after it were renumbered"
                self.problems.append(Problem(sequence - 1, what))
            else:
                what = (
                    f"entry {sequence} was written as entry {written}: entries were reordered, or inserted or"
                    " deleted and renumbered"
                )
                self.problems.append(Problem(sequence, what))
            return
        if chained or (offset == 0 and previous != 0 and skips_one):
            return  # intact, or the end of a reordering already reported
        what = (
            f"entry {sequence} does not match its hash: it was changed (or entry {sequence - 1} was changed and its"
            " hash recomputed)"
        )
        self.problems.append(Problem(sequence, what))

    def _check_place(self, sequence: int) -> bool:
        expected = self.last_sequence + 1
        if sequence == expected:
            return False
        missing = f"entry {expected} is" if sequence == expected + 1 else f"entries {expected} to {sequence - 1} are"
        self.problems.append(Problem(expected, f"{missing} missing: deleted from the log"))
        return True

    def _document(self, row: StoredEntry) -> dict[str, Any] | None:
        try:
            document = json.loads(row.body)
        except ValueError:
            document = None
        if not isinstance(document, dict) or not isinstance(document.get("event"), dict):
            self.problems.append(Problem(row.sequence, f"entry {row.sequence} is not a readable entry: edited"))
            return None
        return document

    def _check_columns(self, row: StoredEntry, document: dict[str, Any]) -> None:
        event = document["event"]
        if event.get("kind") != row.kind or event.get("subject_resident_id") != row.subject_resident_id:
            self.problems.append(
                Problem(row.sequence, f"entry {row.sequence}'s look-up columns (kind, resident) disagree with it")
            )
        if event.get("kind") == "checkpoint":
            tree_size, root = event.get("tree_size"), event.get("root")
            if isinstance(tree_size, int) and isinstance(root, str):
                self.recorded_checkpoints.append(RecordedCheckpoint(row.sequence, tree_size, root))
