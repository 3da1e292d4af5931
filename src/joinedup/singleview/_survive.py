"""Choosing one value of one field among the values several records hold, by a survivorship strategy.

Every ordering ends in (system code, record id), unique once records are reduced to their newest versions,
so the choice never depends on the order the records arrived in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from joinedup.model import Provenance
from joinedup.place._survivorship import Strategy

from ._rules import FieldRuling, Ranking

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Candidate(Generic[T]):
    """A value of a field as one record holds it."""

    value: T
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class SurvivedValue(Generic[T]):
    """A golden record's value with where it came from.

    ``provenance`` is the record the value was taken from; ``supported_by`` lists every record (that one
    first) whose value agrees with it after normalisation.
    """

    field: str
    value: T
    provenance: Provenance
    strategy: Strategy
    supported_by: tuple[Provenance, ...]


def _recency(candidate: Candidate[Any]) -> float:
    return -candidate.provenance.observed_at.timestamp()


def _identity(candidate: Candidate[Any]) -> tuple[str, str]:
    return (candidate.provenance.system, candidate.provenance.record_id)


def _sort_key(
    strategy: Strategy, ranking: Ranking, support: Callable[[Candidate[Any]], int]
) -> Callable[[Candidate[Any]], tuple[Any, ...]]:
    def trust(candidate: Candidate[Any]) -> tuple[int, int]:
        return ranking.position(candidate.provenance.system)

    if strategy is Strategy.MOST_RECENT:
        return lambda c: (_recency(c), trust(c), _identity(c))
    if strategy is Strategy.MOST_TRUSTED:
        return lambda c: (trust(c), _recency(c), _identity(c))
    return lambda c: (-support(c), trust(c), _recency(c), _identity(c))


def survive(
    field: str,
    candidates: Sequence[Candidate[T]],
    ruling: FieldRuling,
    agree: Callable[[T, T], bool],
    informative: Callable[[T], bool] = bool,
) -> SurvivedValue[T] | None:
    """The surviving value among ``candidates`` under ``ruling``, or None when no record holds one.

    Uninformative values (such as a sex of 'unknown') survive only when no record holds anything better.
    """
    pool = [c for c in candidates if informative(c.value)] or list(candidates)
    if not pool:
        return None

    def agreeing(candidate: Candidate[T]) -> list[Candidate[T]]:
        return [other for other in pool if agree(candidate.value, other.value)]

    def support(candidate: Candidate[T]) -> int:
        # Systems, not records: a system's duplicate records of one resident must not outvote the others.
        return len({other.provenance.system for other in agreeing(candidate)})

    ordered = sorted(pool, key=_sort_key(ruling.strategy, ruling.ranking, support))
    winner = ordered[0]
    backers = sorted(agreeing(winner), key=lambda c: (c is not winner, _identity(c)))
    return SurvivedValue(field, winner.value, winner.provenance, ruling.strategy, tuple(c.provenance for c in backers))
