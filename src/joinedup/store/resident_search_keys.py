"""Search keys: the normalised values a resident can be found by, from the canonical person columns.

Pure functions shared by the index's writers (linkage, when residents are resolved) and its reader (the
dashboard's search), so that a record and a query are always reduced the same way.

Names are found despite a slip: each name word gives itself and every spelling of it with one letter left
out (a symmetric-deletion index: two words one substitution, insertion, deletion or swap apart always share
one of these), its Soundex code (for spellings that sound alike: Stephens, Stevens), and the formal names it
is a nickname of (Bill finds William and William finds Bill, both giving "william"). The candidates a lookup
returns are then scored on the words themselves; the keys only narrow a million residents down to a few.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

from nicknames import NickNamer

NAME, DOB, POSTCODE, UPRN, NHS = "name", "dob", "postcode", "uprn", "nhs"
KINDS = (NAME, DOB, POSTCODE, UPRN, NHS)

_NOT_LETTER = re.compile(r"[^a-z ]")
_CODES = {
    letter: str(code)
    for code, letters in enumerate(("", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r"))
    for letter in letters
}
_SHORTEST_EDITED = 4  # shorter words get no one-letter-left-out keys: "al" would meet every "a?" and "?l"
_SEPARATORS = "hw"  # letters that do not break a run of one code (Soundex's rule)


def name_words(text: str) -> tuple[str, ...]:
    """A name as lower-case ASCII words: accents dropped, hyphenated names split, other marks removed."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return tuple(_NOT_LETTER.sub("", ascii_text.replace("-", " ")).split())


@lru_cache(maxsize=200_000)
def soundex(word: str) -> str:
    """American Soundex of a lower-case word: first letter and three digits, e.g. robert -> R163."""
    if not word:
        return ""
    digits: list[str] = []
    previous = _CODES.get(word[0], "")
    for letter in word[1:]:
        code = _CODES.get(letter)
        if code is None:
            if letter not in _SEPARATORS:
                previous = ""  # a vowel separates two runs of one code
            continue
        if code != previous:
            digits.append(code)
        previous = code
    return (word[0].upper() + "".join(digits) + "000")[:4]


@cache
def _namer() -> NickNamer:
    return NickNamer()


@lru_cache(maxsize=200_000)
def word_keys(word: str) -> frozenset[str]:
    """The keys of one name word (see the module's note): the word and each spelling of it with one letter
    left out, its Soundex code, and the formal names it is a nickname of."""
    keys = {word, soundex(word)}
    if len(word) >= _SHORTEST_EDITED:
        keys |= {word[:at] + word[at + 1 :] for at in range(len(word))}
    keys |= {formal for formal in _namer().canonicals_of(word) if formal.isalpha()}
    return frozenset(keys)


def one_slip_apart(first: str, second: str) -> bool:
    """Whether two words (of four letters or more) are equal or one typing slip apart: they share a spelling with
    one letter left out (covers a letter wrong, added, dropped, or two swapped)."""
    if first == second:
        return True
    if min(len(first), len(second)) < _SHORTEST_EDITED or abs(len(first) - len(second)) > 1:
        return False
    variants = {first} | {first[:at] + first[at + 1 :] for at in range(len(first))}
    return any(second[:at] + second[at + 1 :] in variants for at in range(len(second))) or second in variants


def postcode_key(text: str) -> str:
    """A postcode as one upper-case token without spaces: 'kb1 4aa' -> 'KB14AA'."""
    return re.sub(r"\s", "", text).upper()


def digits_key(text: str) -> str:
    """An NHS number or UPRN as its digits: '943 476 5919' -> '9434765919'."""
    return re.sub(r"\D", "", text)


@dataclass(frozen=True)
class SearchEntry:
    """What the index holds of one resident: its keys by kind, and its name words for scoring candidates."""

    resident_id: str
    keys: frozenset[tuple[str, str]]
    names: tuple[str, ...]


def entry_for(resident_id: str, rows: Iterable[Mapping[str, str]]) -> SearchEntry:
    """The entry of a resident from the canonical person rows of every record it holds now."""
    keys: set[tuple[str, str]] = set()
    names: list[str] = []
    for row in rows:
        for word in name_words(" ".join(row.get(c) or "" for c in ("given_name", "middle_name", "family_name"))):
            if word not in names:
                names.append(word)
            keys |= {(NAME, key) for key in word_keys(word)}
        for kind, column, normalise in _EXACT:
            value = normalise(row.get(column) or "")
            if value:
                keys.add((kind, value))
    return SearchEntry(resident_id, frozenset(keys), tuple(names))


_EXACT = (
    (DOB, "date_of_birth", lambda text: text.strip()[:10]),
    (POSTCODE, "postcode", postcode_key),
    (UPRN, "uprn", digits_key),
    (NHS, "nhs_number", digits_key),
)


__all__ = [
    "DOB",
    "KINDS",
    "NAME",
    "NHS",
    "POSTCODE",
    "UPRN",
    "SearchEntry",
    "digits_key",
    "entry_for",
    "name_words",
    "one_slip_apart",
    "postcode_key",
    "soundex",
    "word_keys",
]
