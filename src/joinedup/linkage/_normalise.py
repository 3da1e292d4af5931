"""Small pure helpers that clean one value at a time; `_prepare` maps them over a column's distinct values."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from nicknames import NickNamer
from numpy.typing import NDArray

from joinedup.linkage._uk_names import UK_SHORT_FORMS

_SOUNDEX_CODES = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")
_NI_NUMBER = re.compile(r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]")
_NOT_LETTER = re.compile(r"[^a-z]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NOT_DIGIT = re.compile(r"[^0-9]")
_NOT_UPPER_ALNUM = re.compile(r"[^A-Z0-9]")
_NHS_WEIGHTS = np.arange(10, 1, -1)
PLACEHOLDER_DATES = frozenset({"1900-01-01", "1800-01-01", "1901-01-01", "9999-12-31"})


def name(value: str) -> str:
    """Lower-case ASCII letters only: drops accents, spaces, hyphens and apostrophes (O'Brien = obrien)."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return _NOT_LETTER.sub("", ascii_text.lower())


def address_line(value: str) -> str:
    """Lower case words and numbers separated by single spaces ("Flat 2, 9 Oak Rd" = "flat 2 9 oak rd")."""
    return _NOT_WORD.sub(" ", value.lower()).strip()


def digits(value: str) -> str:
    return _NOT_DIGIT.sub("", value)


def upper_alphanumeric(value: str) -> str:
    return _NOT_UPPER_ALNUM.sub("", value.upper())


def uprn(value: str) -> str:
    """A UPRN's digits without leading zeros (UPRNs are numbers; some systems pad them)."""
    return digits(value).lstrip("0")


def iso_date(value: str) -> str:
    """yyyy-mm-dd from ISO or yyyymmdd text (other separators tolerated); "" when it is not 8 digits."""
    compact = digits(value)
    return f"{compact[0:4]}-{compact[4:6]}-{compact[6:8]}" if len(compact) == 8 else ""


def soundex(value: str) -> str:
    """American Soundex of a cleaned (lower-case letters only) name: a phonetic key for blocking."""
    if not value:
        return ""
    codes = value.translate(_SOUNDEX_CODES)
    key = [value[0].upper()]
    previous = codes[0]
    for letter, code in zip(value[1:], codes[1:], strict=True):
        if code.isdigit() and code != previous:
            key.append(code)
        if letter not in "hw":  # h and w do not separate two letters with the same code
            previous = code
    return "".join(key)[:4].ljust(4, "0")


@cache
def _nick_namer() -> NickNamer:
    return NickNamer()


def name_aliases(value: str) -> list[str]:
    """The name with the names it is a nickname of or has as nicknames (william <-> bill), sorted.

    Two given names are nickname-compatible when their alias lists overlap.
    """
    if len(value) < 2:
        return [value] if value else []
    return sorted({value} | set(_nick_namer().canonicals_of(value)) | set(UK_SHORT_FORMS.get(value, ())))


_DIMINUTIVE_ENDINGS = ("ie", "ee", "y", "s", "o")


def name_stem(value: str) -> str:
    """The name without a diminutive ending (alfie -> alf, robbie -> rob, debs -> deb), at least 3 letters.

    A short form or diminutive agrees with a full name that starts with its stem (alf, alfred).
    """
    for ending in _DIMINUTIVE_ENDINGS:
        if value.endswith(ending) and len(value) - len(ending) >= 3:
            stem = value[: -len(ending)]
            return stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else stem
    return value


def nhs_numbers_valid(values: NDArray[np.object_]) -> NDArray[np.bool_]:
    """Ten digits whose modulus-11 check digit is right, for many numbers at once (digits only expected)."""
    valid = np.zeros(len(values), dtype=bool)
    shaped = np.array([len(v) == 10 and v.isdigit() for v in values], dtype=bool)
    if shaped.any():
        block = np.frombuffer("".join(values[shaped]).encode("ascii"), dtype=np.uint8).reshape(-1, 10) - 48
        check = (11 - (block[:, :9].astype(np.int64) @ _NHS_WEIGHTS) % 11) % 11
        valid[shaped] = (check != 10) & (check == block[:, 9])
    return valid


def ni_number_is_valid(value: str) -> bool:
    """The HMRC format: two prefix letters from the allowed set, six digits, a suffix A-D."""
    return bool(_NI_NUMBER.fullmatch(value))


# The same cleaning for many ASCII strings at once (Arrow kernels, no Python per value): for ASCII text each
# gives exactly what its one-value function gives (no accents to drop, and ASCII case mapping is Python's).
# tests/linkage/test_normalise.py checks each against its function.
ASCII_ARRAY_FORMS: dict[Callable[[str], str], Callable[[pa.Array], pa.Array]] = {
    name: lambda a: pc.replace_substring_regex(pc.ascii_lower(a), "[^a-z]", ""),
    address_line: lambda a: pc.utf8_trim(pc.replace_substring_regex(pc.ascii_lower(a), "[^a-z0-9]+", " "), " "),
    digits: lambda a: pc.replace_substring_regex(a, "[^0-9]", ""),
    upper_alphanumeric: lambda a: pc.replace_substring_regex(pc.ascii_upper(a), "[^A-Z0-9]", ""),
    uprn: lambda a: pc.utf8_ltrim(pc.replace_substring_regex(a, "[^0-9]", ""), "0"),
}
