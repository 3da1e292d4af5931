"""The Arrow forms of the cleaning functions give what the one-value functions give, on ASCII text."""

from __future__ import annotations

import string

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage import _normalise as clean

ASCII_TEXT = st.lists(st.text(alphabet=string.printable + "\x00\x1c\x1f\x7f", max_size=15), max_size=30)


@pytest.mark.parametrize("function", list(clean.ASCII_ARRAY_FORMS), ids=lambda f: f.__name__)
@settings(max_examples=200, deadline=None)
@given(values=ASCII_TEXT)
def test_each_array_form_equals_its_function_on_ascii(function: object, values: list[str]) -> None:
    array_form = clean.ASCII_ARRAY_FORMS[function]  # type: ignore[index]
    assert array_form(pa.array(values, type=pa.string())).to_pylist() == [function(v) for v in values]  # type: ignore[operator]


def test_the_array_forms_clean_typical_values() -> None:
    values = pa.array(["  Flat 2, 9 Oak Rd ", "0100023336956", "sw1a 1aa", "O'Brien"])
    forms = clean.ASCII_ARRAY_FORMS
    assert forms[clean.address_line](values).to_pylist()[0] == "flat 2 9 oak rd"
    assert forms[clean.uprn](values).to_pylist()[1] == "100023336956"
    assert forms[clean.upper_alphanumeric](values).to_pylist()[2] == "SW1A1AA"
    assert forms[clean.name](values).to_pylist()[3] == "obrien"
