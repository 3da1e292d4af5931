"""When two systems' values of one field say the same thing, once spelling, case and spacing are set aside.

These predicates decide both what counts as a conflict and which values vote together under
`most-frequent`. They are deliberately forgiving where systems write the same fact differently (an initial
for a given name, a nickname, a postcode without its space, a phone number with or without +44) and strict
where the fact itself differs (another family name, another UPRN, another date).
"""

from __future__ import annotations

import re
from functools import lru_cache

from nicknames import NickNamer

from joinedup.model import Address, PersonName, Sex

_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def fold(text: str | None) -> str:
    """Lower case letters and digits only: 'O'Brien-Smith ' and 'OBRIEN SMITH' fold alike."""
    return _NOT_ALPHANUMERIC.sub("", (text or "").casefold())


@lru_cache(maxsize=1)
def _nicknamer() -> NickNamer:
    return NickNamer()


@lru_cache(maxsize=8192)
def _name_family(given: str) -> frozenset[str]:
    """A given name with its nicknames and the names it is a nickname of."""
    namer = _nicknamer()
    return frozenset({given} | namer.nicknames_of(given) | namer.canonicals_of(given))


def given_names_agree(a: str | None, b: str | None) -> bool:
    """Equal, one an initial of the other (or of its nicknames), or one a nickname of the other.

    A missing name contradicts none.
    """
    first, second = fold(a), fold(b)
    if not first or not second or first == second:
        return True
    if len(first) == 1 or len(second) == 1:
        # 'W' may stand for William, and so for Bill too.
        initial, name = (first, second) if len(first) == 1 else (second, first)
        return any(each.startswith(initial) for each in _name_family(name))
    return second in _name_family(first) or first in _name_family(second)


def names_agree(a: PersonName, b: PersonName) -> bool:
    """The same family name (when both have one) and compatible given names."""
    family_a, family_b = fold(a.family), fold(b.family)
    if family_a and family_b and family_a != family_b:
        return False
    return given_names_agree(a.given, b.given)


def _first_line(address: Address) -> str:
    if address.lines:
        return fold(address.lines[0])
    return fold(" ".join(part for part in (address.sao, address.pao, address.street) if part))


def addresses_agree(a: Address, b: Address) -> bool:
    """The same property: by UPRN when both have one, else by postcode and first line where both are known."""
    if a.uprn is not None and b.uprn is not None:
        return a.uprn == b.uprn
    postcode_a, postcode_b = fold(a.postcode), fold(b.postcode)
    if postcode_a and postcode_b and postcode_a != postcode_b:
        return False
    line_a, line_b = _first_line(a), _first_line(b)
    return not (line_a and line_b and line_a != line_b)


def phone_key(value: str) -> str:
    """A UK number's national significant digits: '+44 1632 960001', '01632960001' give '1632960001'."""
    digits = re.sub(r"\D", "", value)
    for prefix in ("0044", "44", "0"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 9:
            return digits[len(prefix) :]
    return digits


def phones_agree(a: str, b: str) -> bool:
    return phone_key(a) == phone_key(b)


def emails_agree(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def sexes_agree(a: Sex, b: Sex) -> bool:
    """'unknown' is the absence of a fact, so it contradicts nothing."""
    return a == b or Sex.UNKNOWN in (a, b)
