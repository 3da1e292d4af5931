"""Source records as received, and the provenance every derived value carries back to them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from operator import itemgetter
from typing import Any, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .address import Property
from .person import Person

_CODE_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class EntityType(StrEnum):
    PERSON = "person"
    PROPERTY = "property"


class Provenance(BaseModel):
    """Where a value came from: which system, which of its records, which version, when it was seen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str = Field(pattern=_CODE_PATTERN)
    record_id: str = Field(min_length=1)
    version: int = Field(ge=1)
    observed_at: AwareDatetime


class SourceRecord(BaseModel):
    """One version of one record in one source system.

    ``raw`` is the payload exactly as received (for audit and re-mapping after a mapping fix); ``person`` or
    ``property`` is its mapped canonical form. A change in the source becomes a new version; nothing is
    overwritten.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str = Field(pattern=_CODE_PATTERN, description="Code of the source system in the place file")
    record_id: str = Field(min_length=1, description="The record's own id in that system")
    entity: EntityType = EntityType.PERSON
    version: int = Field(default=1, ge=1)
    raw: dict[str, Any]
    person: Person | None = None
    property: Property | None = None
    received_at: AwareDatetime = Field(description="When joinedup received this version")
    changed_at: AwareDatetime | None = Field(default=None, description="When the source says it changed")

    def provenance(self) -> Provenance:
        return Provenance(
            system=self.system,
            record_id=self.record_id,
            version=self.version,
            observed_at=self.changed_at or self.received_at,
        )

    def content_hash(self) -> str:
        """A digest of the raw payload: an unchanged record is recognised without comparing fields. The same
        digest the store keeps with each version."""
        return flat_payload_hash(self.raw) or raw_content_hash(self.raw)


# One encoder for every hash: json.dumps with these options builds a new encoder on each call, which cost a
# third of the hash. The text (and so every stored hash) is the same.
_HASH_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


FLAT_HASH_PREFIX = "b2:"
_KEY_END, _PAIR_END = "\x1e", "\x1f"  # ASCII record and unit separators: never in a CSV or API text value


def flat_payload_hash(payload: Mapping[str, Any]) -> str | None:
    """The digest of a flat payload (text values only: every file row, most API records), or None for any other.

    Its sorted key and value texts between separators, hashed with BLAKE2b: a third of the cost of encoding the
    payload as JSON first, which is most of what a re-sync of unchanged data does per record. A payload whose
    texts hold a separator is not flat (None), so two different payloads cannot give the same text.
    """
    keys = tuple(payload)
    layout = _LAYOUTS.get(keys) or _layout(keys)
    if layout is None:
        if not all(type(value) is str for value in payload.values()):
            return None
        return _digest(_PAIR_END.join([f"{key}{_KEY_END}{payload[key]}" for key in sorted(payload)]), len(keys))
    return _digest_sorted(layout.fill, layout.values(payload), len(keys))  # the same text, the sorting done once


def flat_row_hasher(keys: Sequence[Any]) -> Callable[[Sequence[Any]], str | None] | None:
    """For rows of values in the order of ``keys`` (a file's columns): what :func:`flat_payload_hash` gives for
    ``dict(zip(keys, row))``, without making the dict. None when these keys need the general path (fewer than
    two, not all text, repeated, or holding a separator)."""
    names = list(keys)
    usable = len(names) >= 2 and all(type(key) is str for key in names) and len(set(names)) == len(names)
    if not usable or any(_KEY_END in key or _PAIR_END in key for key in names):
        return None
    order = sorted(range(len(names)), key=names.__getitem__)
    pick, fill, count = itemgetter(*order), _template([names[index] for index in order]), len(names)

    def row_hash(row: Sequence[Any]) -> str | None:
        return _digest_sorted(fill, pick(row), count)

    return row_hash


def _template(ordered_keys: Sequence[str]) -> Callable[..., str]:
    """Fills in the hashed text of one payload from its values in sorted key order, in one call."""
    escaped = (key.replace("{", "{{").replace("}", "}}") for key in ordered_keys)
    return _PAIR_END.join(f"{key}{_KEY_END}{{}}" for key in escaped).format


def _digest_sorted(fill: Callable[..., str], values: tuple[Any, ...], count: int) -> str | None:
    if not _TEXT_ONLY.issuperset(map(type, values)):
        return None
    return _digest(fill(*values), count)


def _digest(text: str, count: int) -> str | None:
    if text.count(_KEY_END) != count or text.count(_PAIR_END) != count - 1:
        return None  # a separator inside a key or value: not flat
    return FLAT_HASH_PREFIX + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class _Layout(NamedTuple):
    """How to lay out the hashed text of payloads with one sequence of keys: what is sorted and formatted per
    record otherwise (a source sends millions of payloads with the same few keys)."""

    values: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # the values, in sorted key order
    fill: Callable[..., str]  # the hashed text from those values


_LAYOUTS: dict[tuple[Any, ...], _Layout] = {}
_TEXT_ONLY = frozenset({str})
_MOST_LAYOUTS = 1024  # key sequences remembered; a source has one or a few, so this bounds only odd callers


def _layout(keys: tuple[Any, ...]) -> _Layout | None:
    if len(keys) < 2 or not all(type(key) is str for key in keys):
        return None  # itemgetter of one key gives no tuple; other keys take the general path
    ordered = sorted(keys)
    layout = _Layout(itemgetter(*ordered), _template(ordered))
    if len(_LAYOUTS) >= _MOST_LAYOUTS:
        _LAYOUTS.clear()
    _LAYOUTS[keys] = layout
    return layout


def raw_content_hash(raw: dict[str, Any]) -> str:
    canonical = _HASH_ENCODER.encode(raw)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
