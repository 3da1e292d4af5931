"""The reusable encoders give exactly the text of json.JSONEncoder with the same options, on any JSON value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.store._json_text import compact_json

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize("sort_keys", [True, False])
@given(value=_VALUES)
def test_the_text_is_what_the_standard_encoder_writes(sort_keys: bool, value: Any) -> None:
    reference = json.JSONEncoder(sort_keys=sort_keys, ensure_ascii=False, separators=(",", ":"))
    assert compact_json(sort_keys=sort_keys)(value) == reference.encode(value)


def test_a_value_that_is_not_json_is_refused_as_before() -> None:
    with pytest.raises(TypeError):
        compact_json(sort_keys=True)({"when": object()})
