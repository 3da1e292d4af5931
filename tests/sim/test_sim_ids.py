"""The vectorised identifier makers, checked against python-stdnum and simple references."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.gb import nhs

from joinedup.sim import SyntheticPlace
from joinedup.sim._ids import nhs_check_digits, nhs_numbers, postcodes, scramble

from .test_sim_identifiers import POSTCODE


@given(st.integers(min_value=2, max_value=5_000), st.integers(min_value=0, max_value=2**32))
@settings(max_examples=50, deadline=None)
def test_scramble_is_a_bijection(modulus: int, salt: int) -> None:
    values = scramble(np.arange(modulus, dtype=np.int64), modulus, salt)
    assert sorted(values.tolist()) == list(range(modulus))


@given(
    st.lists(st.integers(min_value=0, max_value=99_999_999), min_size=1, max_size=200, unique=True),
    st.integers(0, 10**6),
)
@settings(max_examples=50, deadline=None)
def test_nhs_numbers_are_valid_and_unique(indices: list[int], salt: int) -> None:
    numbers = nhs_numbers(np.array(indices, dtype=np.int64), salt).tolist()
    assert all(nhs.is_valid(str(n)) for n in numbers)
    assert len(set(numbers)) == len(numbers)


@given(st.lists(st.integers(min_value=100_000_000, max_value=999_999_999), min_size=1, max_size=100))
def test_check_digits_agree_with_stdnum(bodies: list[int]) -> None:
    for body, check in zip(bodies, nhs_check_digits(np.array(bodies, dtype=np.int64)).tolist(), strict=True):
        valid = [d for d in range(10) if nhs.is_valid(f"{body}{d}")]
        assert valid == ([] if check == 10 else [check])


def test_every_postcode_the_place_can_use_is_well_formed() -> None:
    every = postcodes(np.arange(0, 99 * 10 * 400, 7, dtype=np.int64))
    assert all(POSTCODE.match(p) for p in every)
    assert len(set(every)) == len(every)
    assert all(re.match(r"^KB([1-9]|[1-9][0-9]) ", p) for p in every)


def test_summary_counts_the_place() -> None:
    summary = SyntheticPlace().summary()  # the defaults: 10,000 residents, seed 42
    assert summary.residents == 10_000
    assert 3_500 < summary.households < summary.properties < 6_000
    assert 0 < summary.deaths < 1_000 and 0 < summary.births < summary.children
    assert summary.moves > 1_000
    assert set(summary.records) == set(summary.duplicates) == set(summary.errors)
    assert summary.records["gp"] > 0.95 * summary.residents
    assert summary.records["schools"] > 0.8 * summary.children  # former pupils are kept too
