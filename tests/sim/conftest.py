"""A small synthetic place, generated once per test session and shared read-only by the sim tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from joinedup.sim import PlaceSummary, SimBatch, SyntheticPlace

PEOPLE = 30_000  # two chunks, so chunk boundaries are exercised
SEED = 7


@dataclass(frozen=True)
class Generated:
    place: SyntheticPlace
    batches: list[SimBatch]
    residents: dict[str, dict[str, str]]
    summary: PlaceSummary

    def rows(self, system: str) -> list[dict[str, str]]:
        return [row for b in self.batches if b.system == system for row in b.canonical_rows()]

    def truth(self, system: str) -> list[tuple[str, str]]:
        return [pair for b in self.batches if b.system == system for pair in b.truth]

    def captured_on(self, system: str) -> list[date]:
        return [t.date() for b in self.batches if b.system == system for t in b.changed_at]


@pytest.fixture(scope="session")
def generated() -> Generated:
    place = SyntheticPlace(people=PEOPLE, seed=SEED)
    residents = {r["person_id"]: r for r in place.residents()}
    return Generated(place, list(place.batches()), residents, place.summary())
