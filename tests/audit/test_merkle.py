"""The streaming Merkle root equals RFC 6962's recursive definition, for every tree size."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.audit._merkle import EMPTY_ROOT, MerkleAccumulator


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written as the specification reads."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    split = 1 << ((len(leaves) - 1).bit_length() - 1)  # the largest power of two below n
    return hashlib.sha256(b"\x01" + reference_root(leaves[:split]) + reference_root(leaves[split:])).digest()


@given(st.lists(st.binary(max_size=40), max_size=70))
def test_the_root_after_every_leaf_matches_the_reference(leaves: list[bytes]) -> None:
    accumulator = MerkleAccumulator()
    assert accumulator.root() == EMPTY_ROOT
    for count, leaf in enumerate(leaves, start=1):
        accumulator.add(leaf)
        assert accumulator.root() == reference_root(leaves[:count])


def test_a_known_value_from_rfc_6962_shape() -> None:
    """Two leaves: the root is H(1 || H(0 || a) || H(0 || b)), so leaves and nodes cannot be confused."""
    accumulator = MerkleAccumulator()
    accumulator.add(b"a")
    accumulator.add(b"b")
    leaf_a, leaf_b = (hashlib.sha256(b"\x00" + value).digest() for value in (b"a", b"b"))
    assert accumulator.root() == hashlib.sha256(b"\x01" + leaf_a + leaf_b).digest()
    assert accumulator.root() != reference_root([leaf_a + leaf_b])


@given(st.lists(st.binary(max_size=20), max_size=70), st.data())
def test_a_tree_resumed_from_its_frontier_gives_the_reference_root(leaves: list[bytes], data: st.DataObject) -> None:
    split = data.draw(st.integers(min_value=0, max_value=len(leaves)))
    first = MerkleAccumulator()
    for leaf in leaves[:split]:
        first.add(leaf)
    assert len(first.frontier()) == bin(split).count("1")  # O(log n) hashes kept
    resumed = MerkleAccumulator.resume(split, first.frontier())
    for leaf in leaves[split:]:
        resumed.add(leaf)
    assert resumed.size == len(leaves) and resumed.root() == reference_root(leaves)


def test_a_frontier_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="a frontier for 3 leaves has 2 hashes"):
        MerkleAccumulator.resume(3, [bytes(32)])
