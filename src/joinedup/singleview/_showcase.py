"""Choosing a few residents worth showing: held by many systems, with conflicts of several kinds."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

from joinedup.model import SourceRecord

from ._conflicts import find_conflicts
from ._golden import current_person_records


def showcase_residents(residents: Iterable[tuple[str, Sequence[SourceRecord]]], count: int = 3) -> list[str]:
    """The ids of ``count`` residents whose single views show the most: the most systems first, then the
    most conflicting fields, then the most records; ties by id, so the same data gives the same choice."""
    scored = []
    for resident_id, records in residents:
        current = current_person_records(records)
        systems = len({record.system for record in current})
        if systems < 2:
            continue
        scored.append(((-systems, -len(find_conflicts(current)), -len(current), resident_id), resident_id))
    return [resident_id for _, resident_id in heapq.nsmallest(count, scored)]
