"""Conflicts: fields on which two systems hold values for one resident that do not agree after normalisation.

A missing value is no disagreement (most systems never record most fields), with one exception: a death
recorded by one system and not by another is a conflict, because the second still holds the person as alive.
Disagreement between two records of the same system (a duplicate) is a data-quality matter for that system,
not a conflict between systems, and is not reported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from joinedup.model import Provenance, SourceRecord

from ._fields import FIELDS, FieldSpec
from ._golden import Held, held_by


@dataclass(frozen=True, slots=True)
class CompetingValue:
    """One of the values in a conflict and every record that holds it. ``value`` None: not recorded."""

    value: Any
    held_by: tuple[Provenance, ...]

    @property
    def systems(self) -> tuple[str, ...]:
        return tuple(sorted({p.system for p in self.held_by}))


@dataclass(frozen=True, slots=True)
class Conflict:
    """A field on which systems disagree, with the competing values and their provenance."""

    field: str
    values: tuple[CompetingValue, ...]

    @property
    def systems(self) -> tuple[str, ...]:
        return tuple(sorted({system for value in self.values for system in value.systems}))


Observation = tuple[Any, Provenance]


def observations(held: Sequence[Held], spec: FieldSpec) -> list[Observation]:
    """Each record's value of the field; records without one are left out unless absence is a value."""
    found: list[Observation] = []
    for person, provenance in held:
        value = spec.value_of(person)
        if value is not None or spec.absence_is_a_value:
            found.append((value, provenance))
    return found


def values_agree(spec: FieldSpec, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return spec.agree(a, b)


def disagreeing_pairs(spec: FieldSpec, seen: Sequence[Observation]) -> set[tuple[str, str]]:
    """Pairs of systems (alphabetical) holding values of the field that do not agree."""
    pairs: set[tuple[str, str]] = set()
    for (value_a, from_a), (value_b, from_b) in combinations(seen, 2):
        if from_a.system == from_b.system:
            continue
        pair = (min(from_a.system, from_b.system), max(from_a.system, from_b.system))
        if pair not in pairs and not values_agree(spec, value_a, value_b):
            pairs.add(pair)
    return pairs


def _group(spec: FieldSpec, seen: Sequence[Observation]) -> tuple[CompetingValue, ...]:
    # A value joins the first group it agrees with entirely; "agrees" need not be transitive (an initial
    # agrees with two different given names), so agreeing with one member is not enough.
    groups: list[list[Observation]] = []
    for observation in seen:
        home = next((g for g in groups if all(values_agree(spec, observation[0], m[0]) for m in g)), None)
        if home is None:
            groups.append([observation])
        else:
            home.append(observation)
    return tuple(CompetingValue(group[0][0], tuple(p for _, p in group)) for group in groups)


def find_conflicts(records: Iterable[SourceRecord]) -> list[Conflict]:
    """The conflicts among a resident's records (the newest version of each), in field order."""
    return conflicts_from_held(held_by(records))


def conflicts_from_held(held: Sequence[Held]) -> list[Conflict]:
    conflicts = []
    for spec in FIELDS:
        seen = observations(held, spec)
        if disagreeing_pairs(spec, seen):
            conflicts.append(Conflict(spec.name, _group(spec, seen)))
    return conflicts
