"""Finding residents for the search page: what was asked, turned into index lookups, and the candidates scored.

The search index (``joinedup.store.resident_search``) narrows a million residents to a few hundred by keys
(name sounds, date of birth, postcode, UPRN, NHS number); each candidate's name words are then scored against
the words asked, forgiving a slip of a letter or two (difflib ratio 0.8) and nicknames (Bill = William).
Who is listed is decided here; what is shown of them is the disclosure gate's answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache

from nicknames import NickNamer

from joinedup.store.resident_search import KeyCriterion, SearchIndex
from joinedup.store.resident_search_keys import DOB, NAME, NHS, POSTCODE, UPRN, one_slip_apart, word_keys

MOST_RESULTS = 20
MOST_CANDIDATES = 500  # more than this many key matches: the search asks for more details instead of guessing
_SIMILAR = 0.8  # difflib ratio at which two written names count as the same name with a typo
_OUTWARD_LENGTH = 4  # a postcode this short is its outward code only (e.g. KB1): matched as a prefix


@dataclass(frozen=True)
class Criteria:
    name: tuple[str, ...] = ()
    date_of_birth: dt.date | None = None
    postcode: str = ""
    nhs_number: str = ""
    uprn: str = ""

    @property
    def empty(self) -> bool:
        return not (self.name or self.date_of_birth or self.postcode or self.nhs_number or self.uprn)


@dataclass(frozen=True)
class Found:
    """The residents to list, best first, and whether more matched than are listed (or could be considered)."""

    resident_ids: tuple[str, ...]
    too_many: bool


@cache
def _namer() -> NickNamer:
    return NickNamer()


def same_name(asked: str, held: str) -> bool:
    """The same name word, allowing a typing slip (one letter, or a difflib ratio of 0.8) or a nickname."""
    if one_slip_apart(asked, held) or SequenceMatcher(None, asked, held).ratio() >= _SIMILAR:
        return True
    namer = _namer()
    aliases = {asked} | namer.canonicals_of(asked) | namer.nicknames_of(asked)
    return bool(aliases & ({held} | namer.canonicals_of(held)))


def name_score(asked: tuple[str, ...], held: tuple[str, ...]) -> float | None:
    """How well the asked words match the resident's name words (1 is exact); None when some word matches none."""
    total = 0.0
    for word in asked:
        best = max((SequenceMatcher(None, word, h).ratio() for h in held if same_name(word, h)), default=None)
        if best is None:
            return None
        total += best
    return total / len(asked) if asked else 1.0


def lookups(criteria: Criteria) -> list[KeyCriterion]:
    """One index lookup per thing asked; a resident must answer all of them."""
    found = [KeyCriterion(NAME, word_keys(word)) for word in criteria.name]
    born = criteria.date_of_birth
    if born is not None:
        dates = {born.isoformat()}
        if born.day <= 12:  # day and month swapped is the commonest slip in a typed date
            dates.add(dt.date(born.year, born.day, born.month).isoformat())
        found.append(KeyCriterion(DOB, frozenset(dates)))
    if criteria.postcode:
        short = len(criteria.postcode) <= _OUTWARD_LENGTH
        found.append(
            KeyCriterion(POSTCODE, prefix=criteria.postcode)
            if short
            else KeyCriterion(POSTCODE, frozenset({criteria.postcode}))
        )
    if criteria.uprn:
        found.append(KeyCriterion(UPRN, frozenset({criteria.uprn})))
    if criteria.nhs_number:
        found.append(KeyCriterion(NHS, frozenset({criteria.nhs_number})))
    return found


def find(index: SearchIndex, criteria: Criteria) -> Found:
    """The residents that meet every criterion, best name match first (then by id), at most MOST_RESULTS."""
    candidates = index.candidates(lookups(criteria), limit=MOST_CANDIDATES + 1)
    too_many = len(candidates) > MOST_CANDIDATES
    candidates = candidates[:MOST_CANDIDATES]
    if not criteria.name:
        return Found(tuple(candidates[:MOST_RESULTS]), too_many or len(candidates) > MOST_RESULTS)
    names = index.names_of(candidates)
    scored = []
    for resident_id in candidates:
        score = name_score(criteria.name, names.get(resident_id, ()))
        if score is not None:
            scored.append((-score, resident_id))
    best = tuple(resident_id for _, resident_id in sorted(scored)[:MOST_RESULTS])
    return Found(best, too_many or len(scored) > MOST_RESULTS)


__all__ = ["MOST_RESULTS", "Criteria", "Found", "find", "lookups", "name_score", "same_name"]
