"""Pseudonymised extracts for analysis: identifiers replaced by keyed hashes, small counts suppressed.

A pseudonym is HMAC-SHA256 under a secret key, so the same person gets the same pseudonym in every extract
made with that key (analyses can be joined) while nobody without the key can test a guessed identifier
(a plain hash of an NHS number is reversed by hashing every possible NHS number). Direct identifiers (names,
numbers, contact details, full addresses and dates) never enter a row: dates of birth become ten-year age
bands and postcodes their district (the outward code).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import date

from joinedup.model import SourceRecord

EXTRACT_FIELDS = ("person", "system", "age_band", "sex", "postcode_district")


class Pseudonymiser:
    """Keyed hashing of identifiers; ``kind`` keeps, e.g., a resident id and a record id from colliding."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonym key must be at least 16 bytes")
        self._key = key

    def pseudonym(self, identifier: str, *, kind: str = "resident") -> str:
        message = f"{kind}\x00{identifier}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, order=True)
class ExtractRow:
    person: str
    system: str
    age_band: str | None
    sex: str | None
    postcode_district: str | None


def age_band(born: date | None, today: date) -> str | None:
    if born is None:
        return None
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    low = max(age, 0) // 10 * 10
    return f"{low}-{low + 9}"


def postcode_district(postcode: str | None) -> str | None:
    return None if not postcode else postcode.split()[0].upper()


def extract_rows(
    records: Iterable[SourceRecord],
    pseudonymiser: Pseudonymiser,
    *,
    today: date,
    resident_of: Callable[[str, str], str | None] = lambda system, record_id: None,
) -> list[ExtractRow]:
    """One row per person record: the resident's pseudonym where linked, else the record's own."""
    rows = []
    for record in records:
        person = record.person
        if person is None:
            continue
        resident = resident_of(record.system, record.record_id)
        pseudonym = (
            pseudonymiser.pseudonym(resident)
            if resident is not None
            else pseudonymiser.pseudonym(f"{record.system}/{record.record_id}", kind="record")
        )
        address = person.address
        rows.append(
            ExtractRow(
                person=pseudonym,
                system=record.system,
                age_band=age_band(person.date_of_birth, today),
                sex=None if person.sex is None else person.sex.value,
                postcode_district=postcode_district(None if address is None else address.postcode),
            )
        )
    return sorted(rows)


@dataclass(frozen=True)
class CountRow:
    group: tuple[str | None, ...]
    count: int | None  # None: suppressed (fewer than the threshold, but more than none)


def suppress_small_counts(counts: Counter[tuple[str | None, ...]], threshold: int) -> list[CountRow]:
    """Counts from 1 to threshold - 1 become None; zero and counts at or above the threshold are kept."""
    if threshold < 1:
        raise ValueError("the small-number threshold must be at least 1")
    return [
        CountRow(group, None if 0 < count < threshold else count)
        for group, count in sorted(counts.items(), key=lambda item: tuple(value or "" for value in item[0]))
    ]


def count_by(rows: Sequence[ExtractRow], by: Sequence[str], threshold: int) -> list[CountRow]:
    """Distinct people per group of ``by`` (fields of ExtractRow), small numbers suppressed."""
    names = [field.name for field in fields(ExtractRow)]
    unknown = [name for name in by if name not in names or name == "person"]
    if unknown:
        raise ValueError(f"cannot count by {', '.join(unknown)}: choose from {', '.join(names[1:])}")
    positions = [names.index(name) for name in by]
    people: dict[tuple[str | None, ...], set[str]] = {}
    for row in rows:
        values = astuple(row)
        people.setdefault(tuple(values[i] for i in positions), set()).add(row.person)
    return suppress_small_counts(Counter({group: len(members) for group, members in people.items()}), threshold)


def derive_pseudonym_key(secret_key: str) -> bytes:
    """A pseudonym key of its own derived from the application secret, for when none is configured."""
    return hmac.new(secret_key.encode(), b"joinedup audit pseudonyms v1", hashlib.sha256).digest()
