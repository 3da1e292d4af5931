"""Identifiers that look and validate like the real ones: NHS, NI and pupil numbers, postcodes, phones.

Everything here is vectorised over numpy arrays because a million residents must be generated in
seconds. Identifiers that must be unique are derived from a resident's global index through a seeded
bijection, so they are unique by construction and still look random.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from stdnum.gb import upn as _upn

IntArray = NDArray[np.int64]

_NHS_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)  # weights 10..2 for the first nine digits
# Synthetic NHS numbers start with 9 (a range used for testing, never issued to patients); when the
# mod-11 check digit would be 10 (invalid) the body moves to the next prefix down.
_NHS_PREFIXES = (9, 8, 7, 6, 5, 4, 3)

# NI prefixes: neither letter D, F, I, Q, U or V; second letter not O; some pairs never issued.
_NI_BAD = set("DFIQUV")
_NI_PREFIXES = tuple(
    a + b
    for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if a not in _NI_BAD and b not in _NI_BAD and b != "O" and a + b not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
)

POSTCODE_AREA = "KB"  # not a real postcode area, but the shape of one
_POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in the inward code's unit


def scramble(index: IntArray, modulus: int, salt: int) -> IntArray:
    """A seeded bijection on [0, modulus): unique inputs give unique, random-looking outputs."""
    multiplier = 2_654_435_761 % modulus or 1
    while math.gcd(multiplier, modulus) != 1:
        multiplier += 1
    return (index * multiplier + salt % modulus) % modulus


def nhs_check_digits(bodies: IntArray) -> IntArray:
    """Mod-11 check digit for nine-digit bodies; 10 means the body cannot carry a valid number."""
    digits = (bodies[:, None] // 10 ** np.arange(8, -1, -1, dtype=np.int64)) % 10
    check = 11 - (digits @ _NHS_WEIGHTS) % 11
    return np.where(check == 11, 0, check)


def nhs_numbers(person_index: IntArray, salt: int) -> IntArray:
    """Unique valid ten-digit NHS numbers for global resident indices (below 100 million)."""
    result = np.zeros(len(person_index), dtype=np.int64)
    pending = np.arange(len(person_index))
    for prefix in _NHS_PREFIXES:
        bodies = prefix * 100_000_000 + scramble(person_index[pending], 100_000_000, salt + prefix)
        check = nhs_check_digits(bodies)
        good = check != 10
        result[pending[good]] = bodies[good] * 10 + check[good]
        pending = pending[~good]
        if len(pending) == 0:
            return result
    raise ValueError(f"could not allocate NHS numbers for {len(pending)} residents")


def corrupt_nhs(numbers: list[str], rng: np.random.Generator) -> list[str]:
    """Change one digit of each number (a keying error), which almost always fails the check."""
    out = []
    for number, position, delta in zip(
        numbers, rng.integers(0, 10, len(numbers)), rng.integers(1, 10, len(numbers)), strict=True
    ):
        digit = (int(number[position]) + int(delta)) % 10
        out.append(number[:position] + str(digit) + number[position + 1 :])
    return out


def ni_numbers(person_index: IntArray, salt: int, rng: np.random.Generator) -> list[str]:
    """Unique valid-format National Insurance numbers, e.g. 'JK123456C'."""
    values = scramble(person_index, len(_NI_PREFIXES) * 1_000_000, salt)
    suffixes = rng.integers(0, 4, len(values))
    return [
        f"{_NI_PREFIXES[v // 1_000_000]}{v % 1_000_000:06d}{'ABCD'[s]}"
        for v, s in zip(values.tolist(), suffixes.tolist(), strict=True)
    ]


def pupil_numbers(person_index: IntArray, salt: int) -> list[str]:
    """Valid unique pupil numbers (UPN) issued by Kettleby's schools (LA 855, fictional schools).

    Unique for indices below 100 million: the scrambled index is spelt out as school, year and serial.
    """
    value = scramble(person_index, 100_000_000, salt)
    out = []
    for v in value.tolist():
        body = f"855{2000 + v // 100_000:04d}{v // 1000 % 100:02d}{v % 1000:03d}"
        out.append(_upn.calc_check_digit(body) + body)
    return out


def postcodes(postcode_index: IntArray) -> list[str]:
    """Valid-format postcodes in the fictional KB area: district 1-99, sector 0-9, two unit letters."""
    units = len(_POSTCODE_UNIT_LETTERS) ** 2
    idx = postcode_index % (99 * 10 * units)
    district = 1 + idx // (10 * units)
    sector = idx // units % 10
    unit = idx % units
    letters = _POSTCODE_UNIT_LETTERS
    return [
        f"{POSTCODE_AREA}{d} {s}{letters[u // len(letters)]}{letters[u % len(letters)]}"
        for d, s, u in zip(district.tolist(), sector.tolist(), unit.tolist(), strict=True)
    ]


def landlines(rng: np.random.Generator, n: int) -> list[str]:
    """Numbers in Ofcom's drama range for the fictional 01632 area code."""
    return [f"01632 960{x:03d}" for x in rng.integers(0, 1000, n).tolist()]


def mobiles(rng: np.random.Generator, n: int) -> list[str]:
    """Numbers in Ofcom's drama range for mobiles."""
    return [f"07700 900{x:03d}" for x in rng.integers(0, 1000, n).tolist()]
