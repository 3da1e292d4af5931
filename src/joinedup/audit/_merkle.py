"""Merkle tree hashing as in RFC 6962 (Certificate Transparency), computed in one streaming pass.

leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right); a tree of n leaves splits at the
largest power of two below n. Domain separation (0x00 / 0x01) stops a leaf being passed off as a node.
"""

from __future__ import annotations

import hashlib

EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleAccumulator:
    """Adds leaves one at a time, keeping only the roots of the perfect subtrees so far (log n of them).

    The root of the first n leaves folds those subtree roots from the right, which gives exactly RFC 6962's
    split at the largest power of two, so the root at every checkpoint comes from one pass over the log. Those
    subtree roots (the frontier) are all a later checkpoint needs to carry on from this one.
    """

    def __init__(self) -> None:
        self._sizes: list[int] = []
        self._hashes: list[bytes] = []
        self.size = 0

    def add(self, entry: bytes) -> None:
        # leaf_hash and node_hash written out: this runs once per entry when a whole log is verified.
        digest, size = _sha256(b"\x00" + entry).digest(), 1
        sizes, hashes = self._sizes, self._hashes
        while sizes and sizes[-1] == size:
            digest = _sha256(b"\x01" + hashes.pop() + digest).digest()
            size += sizes.pop()
        sizes.append(size)
        hashes.append(digest)
        self.size += 1

    @classmethod
    def resume(cls, size: int, frontier: list[bytes]) -> MerkleAccumulator:
        """Continue a tree of ``size`` leaves from its frontier (as :meth:`frontier` gave it).

        The subtree sizes follow from ``size`` alone (its binary digits, largest first), so only the hashes are
        kept; a frontier of the wrong length for ``size`` is refused."""
        sizes = [1 << bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]
        if len(sizes) != len(frontier) or any(len(h) != 32 for h in frontier):
            raise ValueError(f"a frontier for {size} leaves has {len(sizes)} hashes of 32 bytes")
        accumulator = cls()
        accumulator._sizes, accumulator._hashes, accumulator.size = sizes, list(frontier), size
        return accumulator

    def frontier(self) -> list[bytes]:
        """The roots of the perfect subtrees so far, largest (leftmost) first: O(log n) hashes."""
        return list(self._hashes)

    def root(self) -> bytes:
        if not self._hashes:
            return EMPTY_ROOT
        digest = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            digest = node_hash(left, digest)
        return digest
