"""prepare() equals the simple per-column version it replaced (prepare_reference.py) on random records."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage import LINK_COLUMNS, LinkageError, prepare

from .prepare_reference import reference_prepare
from .test_record_prep import _RECORDS


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{c: record.get(c) for c in LINK_COLUMNS} for record in records], columns=list(LINK_COLUMNS))


def _outcome(function: Any, frame: pd.DataFrame) -> pd.DataFrame | str:
    try:
        return function(frame)  # type: ignore[no-any-return]
    except LinkageError as error:
        return str(error)


@settings(max_examples=300, deadline=None)
@given(st.lists(_RECORDS, max_size=12))
def test_prepare_equals_the_per_column_version(records: list[dict[str, Any]]) -> None:
    frame = _frame(records)
    fast, slow = _outcome(prepare, frame), _outcome(reference_prepare, frame)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow)  # values, dtypes, column order and index


@pytest.mark.parametrize("people", [300])
def test_prepare_equals_the_per_column_version_on_a_synthetic_place(people: int) -> None:
    from .linkage_cases import sim_place

    frame, _ = sim_place(people, 11)
    shuffled = frame.sample(frac=1.0, random_state=3)  # a frame with an index that is not 0..n-1
    pd.testing.assert_frame_equal(prepare(shuffled), reference_prepare(shuffled))
