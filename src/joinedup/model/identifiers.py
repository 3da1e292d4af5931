"""The open identifiers UK public services share, normalised and validated.

Each ``normalise_*`` function takes what a person or a system typed and returns the canonical form, or raises
``ValueError`` with a sentence that names the identifier but never echoes the value (it may be personal data).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

_SPACES = re.compile(r"[\s\-]+")

# NI number: two prefix letters (D, F, I, Q, U, V never; O never second), six digits, suffix A-D.
# Prefixes BG, GB, KN, NK, NT, TN and ZZ are never issued.
_NI_PATTERN = re.compile(r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$")
_NI_NEVER_ISSUED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})

# UK postcode: outward code (area, district) and inward code (sector, unit), plus the special GIR 0AA.
_POSTCODE_PATTERN = re.compile(
    r"^(GIR 0AA|"
    r"(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) [0-9][ABD-HJLNP-UW-Z]{2})$"
)

MAX_UPRN = 999_999_999_999  # UPRNs are at most 12 digits
MAX_USRN = 99_999_999  # USRNs are at most 8 digits


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine NHS number digits, or None when no valid number can end them."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: str) -> str:
    """Ten digits with a valid modulus-11 check digit; spaces and hyphens are ignored."""
    digits = _SPACES.sub("", str(value))
    if len(digits) != 10 or not digits.isdigit():
        raise ValueError("an NHS number must be 10 digits")
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise ValueError("the NHS number's check digit is wrong")
    return digits


def normalise_ni_number(value: str) -> str:
    """A National Insurance number in the form AB123456C; spaces are ignored, case folded."""
    compact = _SPACES.sub("", str(value)).upper()
    if not _NI_PATTERN.match(compact) or compact[:2] in _NI_NEVER_ISSUED:
        raise ValueError("a National Insurance number must look like AB123456C with a valid prefix")
    return compact


def normalise_postcode(value: str) -> str:
    """A UK postcode in upper case with one space before the inward code, e.g. 'SW1A 1AA'."""
    compact = _SPACES.sub("", str(value)).upper()
    if len(compact) < 5 or len(compact) > 7:
        raise ValueError("a UK postcode has 5 to 7 characters")
    spaced = f"{compact[:-3]} {compact[-3:]}"
    if not _POSTCODE_PATTERN.match(spaced):
        raise ValueError("not a valid UK postcode")
    return spaced


def _int_identifier(value: object, name: str, maximum: int) -> int:
    text = "".join(str(value).split())  # spaces only: a hyphen could be a minus sign
    if not text.isdigit():
        raise ValueError(f"a {name} is a whole number")
    number = int(text)
    if not 0 < number <= maximum:
        raise ValueError(f"a {name} has 1 to {len(str(maximum))} digits and is not zero")
    return number


def normalise_uprn(value: object) -> int:
    """A Unique Property Reference Number: a positive whole number of up to 12 digits."""
    return _int_identifier(value, "UPRN", MAX_UPRN)


def normalise_usrn(value: object) -> int:
    """A Unique Street Reference Number: a positive whole number of up to 8 digits."""
    return _int_identifier(value, "USRN", MAX_USRN)


def is_valid(normaliser: object, value: object) -> bool:
    """True when ``normaliser`` accepts ``value``; for filters where a bad value is simply dropped."""
    try:
        normaliser(value)  # type: ignore[operator]
    except ValueError:
        return False
    return True


NhsNumber = Annotated[
    str,
    AfterValidator(normalise_nhs_number),
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]{10}$", "description": "NHS number, 10 digits, mod-11 check digit"}
    ),
]
NiNumber = Annotated[
    str,
    AfterValidator(normalise_ni_number),
    WithJsonSchema(
        {"type": "string", "pattern": "^[A-Z]{2}[0-9]{6}[A-D]$", "description": "National Insurance number"}
    ),
]
Postcode = Annotated[
    str,
    AfterValidator(normalise_postcode),
    WithJsonSchema(
        {"type": "string", "pattern": "^[A-Z0-9]{2,4} [0-9][A-Z]{2}$", "description": "UK postcode, normalised"}
    ),
]
Uprn = Annotated[
    int,
    BeforeValidator(normalise_uprn),
    WithJsonSchema(
        {"type": "integer", "minimum": 1, "maximum": MAX_UPRN, "description": "Unique Property Reference Number"}
    ),
]
Usrn = Annotated[
    int,
    BeforeValidator(normalise_usrn),
    WithJsonSchema(
        {"type": "integer", "minimum": 1, "maximum": MAX_USRN, "description": "Unique Street Reference Number"}
    ),
]
