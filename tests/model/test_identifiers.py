"""Identifiers: each normaliser agrees with an independent reference and never echoes the bad value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.gb import nhs as stdnum_nhs

from joinedup.model import (
    is_valid,
    nhs_check_digit,
    normalise_nhs_number,
    normalise_ni_number,
    normalise_postcode,
    normalise_uprn,
    normalise_usrn,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits, st.integers(min_value=0, max_value=9))
def test_nhs_number_agrees_with_python_stdnum(first_nine: str, last: int) -> None:
    candidate = f"{first_nine}{last}"
    assert is_valid(normalise_nhs_number, candidate) == stdnum_nhs.is_valid(candidate)


@given(nine_digits)
def test_a_computed_check_digit_always_validates(first_nine: str) -> None:
    check = nhs_check_digit(first_nine)
    if check is None:
        assert not any(is_valid(normalise_nhs_number, f"{first_nine}{d}") for d in range(10))
    else:
        assert normalise_nhs_number(f"{first_nine[:3]} {first_nine[3:6]} {first_nine[6:]}{check}") == (
            f"{first_nine}{check}"
        )


@pytest.mark.parametrize("bad", ["943476591", "94347659190", "943476591X", "9434765918", ""])
def test_bad_nhs_numbers_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ValueError, match="NHS number") as caught:
        normalise_nhs_number(bad)
    assert bad == "" or bad not in str(caught.value)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("ab 12 34 56 c", "AB123456C"), ("JG103759A", "JG103759A"), ("ce-12-34-56-d", "CE123456D")],
)
def test_ni_numbers_are_normalised(typed: str, expected: str) -> None:
    assert normalise_ni_number(typed) == expected


@pytest.mark.parametrize(
    "bad",
    ["DA123456A", "AO123456A", "GB123456A", "ZZ123456A", "AB123456E", "AB12345A", "A1234567A", "QQ123456C"],
)
def test_ni_numbers_outside_the_format_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="National Insurance"):
        normalise_ni_number(bad)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("  m1 1ae ", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("cr2-6xh", "CR2 6XH"),
        ("DN551PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
    ],
)
def test_postcodes_are_normalised(typed: str, expected: str) -> None:
    assert normalise_postcode(typed) == expected


@pytest.mark.parametrize("bad", ["", "SW1A", "QW1 1AA", "SW1A 1AAA", "12345", "SW1A 1CA", "XX XXX"])
def test_invalid_postcodes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="postcode"):
        normalise_postcode(bad)


@given(st.integers(min_value=1, max_value=999_999_999_999))
def test_any_twelve_digit_uprn_is_accepted(uprn: int) -> None:
    assert normalise_uprn(str(uprn)) == uprn


@pytest.mark.parametrize("bad", ["0", "1000000000000", "12a", "-5", ""])
def test_uprns_out_of_range_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="UPRN"):
        normalise_uprn(bad)


def test_usrn_has_at_most_eight_digits() -> None:
    assert normalise_usrn("12345678") == 12345678
    with pytest.raises(ValueError, match="USRN"):
        normalise_usrn("123456789")
