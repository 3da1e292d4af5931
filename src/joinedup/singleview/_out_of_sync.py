"""The out-of-sync report: for each pair of systems, how many residents they disagree about, and on what.

Counts only: the report names systems and fields, never a resident, value or record id, so it can be shared
with the teams that run the systems without disclosing anyone's data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from joinedup.model import SourceRecord

from ._conflicts import disagreeing_pairs, observations
from ._fields import FIELD_NAMES, FIELDS
from ._golden import held_by

SystemPair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PairSync:
    """One pair of systems: residents both hold, how many of those they disagree about, and on which fields.

    ``fields`` counts residents per field; a resident out of sync on two fields counts once in
    ``out_of_sync`` and once under each field.
    """

    systems: SystemPair
    shared_residents: int
    out_of_sync: int
    fields: dict[str, int]

    @property
    def share_out_of_sync(self) -> float:
        return self.out_of_sync / self.shared_residents if self.shared_residents else 0.0


@dataclass(slots=True)
class _Tally:
    shared: int = 0
    out_of_sync: int = 0
    fields: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class OutOfSyncReport:
    """Per pair of systems (alphabetical, every pair that shares a resident), and the residents counted."""

    residents: int
    pairs: tuple[PairSync, ...]

    def pair(self, a: str, b: str) -> PairSync:
        """The entry for two systems in either order; KeyError if they share no resident."""
        wanted = (min(a, b), max(a, b))
        for entry in self.pairs:
            if entry.systems == wanted:
                return entry
        raise KeyError(wanted)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form (counts only)."""
        return {
            "residents": self.residents,
            "pairs": [
                {
                    "systems": list(p.systems),
                    "shared_residents": p.shared_residents,
                    "out_of_sync": p.out_of_sync,
                    "fields": dict(p.fields),
                }
                for p in self.pairs
            ],
        }


def out_of_sync_report(residents: Iterable[Iterable[SourceRecord]]) -> OutOfSyncReport:
    """Count, over every resident's records, the residents each pair of systems disagrees about."""
    tallies: dict[SystemPair, _Tally] = {}
    count = 0
    for records in residents:
        count += 1
        held = held_by(records)
        systems = sorted({provenance.system for _, provenance in held})
        for pair in combinations(systems, 2):
            tallies.setdefault(pair, _Tally()).shared += 1
        out: dict[SystemPair, set[str]] = {}
        for spec in FIELDS:
            for pair in disagreeing_pairs(spec, observations(held, spec)):
                out.setdefault(pair, set()).add(spec.name)
        for pair, names in out.items():
            tally = tallies[pair]
            tally.out_of_sync += 1
            tally.fields.update(names)
    pairs = tuple(
        PairSync(pair, t.shared, t.out_of_sync, {name: t.fields[name] for name in FIELD_NAMES if t.fields[name]})
        for pair, t in sorted(tallies.items())
    )
    return OutOfSyncReport(count, pairs)
