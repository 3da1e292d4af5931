"""Small places: every (people, seed) generates, however few households it has.

A place of a few dozen residents can hold no family known to children's services, no council tenant or no
one of school age; each system's selection must then be empty rather than fail. (60, 11) once crashed
children's services with an IndexError when no household in the chunk was a known family.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.sim import SIM_SYSTEMS, SyntheticPlace


def _generate_everything(people: int, seed: int) -> None:
    """Generate every batch, row and ground-truth record, and check they agree with each other."""
    place = SyntheticPlace(people=people, seed=seed)
    residents = {r["person_id"] for r in place.residents()}
    assert len(residents) == people
    records: dict[str, int] = {}
    for batch in place.batches():
        canonical = list(batch.canonical_rows())
        native = list(batch.native_rows())
        assert len(canonical) == len(native) == len(batch.truth) == len(batch.changed_at)
        assert {person for _, person in batch.truth} <= residents
        records[batch.system] = records.get(batch.system, 0) + len(batch)
    assert set(records) == {s.code for s in SIM_SYSTEMS}
    summary = place.summary()
    assert summary.residents == people
    assert summary.records == records


@pytest.mark.parametrize(("people", "seed"), [(60, 11), (1, 0), (2, 11), (7, 3), (45, 1), (120, 5)])
def test_named_small_places_generate(people: int, seed: int) -> None:
    _generate_everything(people, seed)


@settings(max_examples=60, deadline=None)
@given(people=st.integers(min_value=1, max_value=150), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_no_small_place_crashes(people: int, seed: int) -> None:
    _generate_everything(people, seed)
