"""Survivorship rules compiled from the place file: per field, a strategy and a ranking of systems by trust."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from joinedup.place import Place
from joinedup.place._survivorship import Strategy, Survivorship

from ._fields import FIELD_NAMES


@dataclass(frozen=True, slots=True)
class Ranking:
    """Systems in order of trust for one field: a lower position is more trusted.

    Order: the field's own ``sources`` list first, as written; then the other systems by their place-file
    ``trust`` (higher first); then systems with no trust at all. Systems at the same trust share a position.
    """

    sources: tuple[str, ...] = ()
    trust: Mapping[str, int] = field(default_factory=dict)

    def position(self, system: str) -> tuple[int, int]:
        if system in self.sources:
            return (0, self.sources.index(system))
        if system in self.trust:
            return (1, -self.trust[system])
        return (2, 0)


@dataclass(frozen=True, slots=True)
class FieldRuling:
    strategy: Strategy
    ranking: Ranking


@dataclass(frozen=True, slots=True)
class SurvivorshipRules:
    """What the golden record builder needs: a strategy and a ranking for every field."""

    rulings: Mapping[str, FieldRuling]

    def __post_init__(self) -> None:
        missing = [name for name in FIELD_NAMES if name not in self.rulings]
        if missing:
            raise ValueError(f"survivorship rules are missing fields: {', '.join(missing)}")

    def for_field(self, name: str) -> FieldRuling:
        return self.rulings[name]

    @classmethod
    def from_section(cls, section: Survivorship, trust: Mapping[str, int]) -> SurvivorshipRules:
        """Rules from a place file's `survivorship:` section and the systems' trust ranks."""
        rulings = {}
        for name in FIELD_NAMES:
            rule = section.rule_for(name)
            rulings[name] = FieldRuling(rule.strategy, Ranking(rule.sources, dict(trust)))
        return cls(rulings)

    @classmethod
    def from_place(cls, place: Place) -> SurvivorshipRules:
        trust = {system.code: system.trust for system in place.systems if system.trust is not None}
        return cls.from_section(place.survivorship, trust)

    @classmethod
    def uniform(
        cls, strategy: Strategy, trust: Mapping[str, int] | None = None, sources: Sequence[str] = ()
    ) -> SurvivorshipRules:
        """One strategy for every field (handy in tests and for a place with no survivorship section)."""
        ruling = FieldRuling(strategy, Ranking(tuple(sources), dict(trust or {})))
        return cls(dict.fromkeys(FIELD_NAMES, ruling))
