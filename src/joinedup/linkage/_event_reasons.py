"""Why a resident id changed, in a sentence and as evidence: the strongest scored pair across the change, or the
reviewer's decision that forced it. Reasons name records by their unique ids and never quote personal values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from joinedup.linkage._identity import EventKind, IdEvent
from joinedup.linkage._review import Constraints, Decision
from joinedup.store.residents import ResidentEvent

Link = tuple[str, str, float, float]  # (record, other record, probability, match weight)


class _PairIndex:
    """The scored pairs that touch any of the given records, by record."""

    def __init__(self, pairs: pd.DataFrame, records: set[str]) -> None:
        self._by_record: dict[str, list[Link]] = defaultdict(list)
        if pairs.empty or not records:
            return
        touching = pairs[pairs["unique_id_l"].isin(records) | pairs["unique_id_r"].isin(records)]
        columns = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
        for left, right, probability, weight in touching.loc[:, columns].itertuples(index=False, name=None):
            self._by_record[left].append((left, right, float(probability), float(weight)))
            self._by_record[right].append((right, left, float(probability), float(weight)))

    def strongest(self, these: Sequence[str], others: set[str]) -> Link | None:
        best: Link | None = None
        for record in these:
            for link in self._by_record.get(record, ()):
                if link[1] in others and (best is None or link[2] > best[2]):
                    best = link
        return best


def _decided(
    constraints: Constraints, these: Sequence[str], others: set[str], decision: Decision
) -> tuple[str, str] | None:
    pairs = constraints.must_link if decision is Decision.LINK else constraints.cannot_link
    for a, b in sorted(pairs):
        if (a in these and b in others) or (b in these and a in others):
            return (a, b)
    return None


def _pair_evidence(link: Link | None, threshold: float) -> dict[str, Any]:
    if link is None:
        return {"strongest_pair": None, "threshold": threshold}
    return {
        "strongest_pair": [link[0], link[1]],
        "match_probability": round(link[2], 6),
        "match_weight": round(link[3], 3),
        "threshold": threshold,
    }


def explain(
    events: Sequence[IdEvent],
    previous: Mapping[str, str],
    assignment: Mapping[str, str],
    pairs: pd.DataFrame,
    constraints: Constraints,
    threshold: float,
) -> list[ResidentEvent]:
    """Turn the id events of a reconciliation into stored events with a reason and evidence each."""
    involved = {record for event in events for record in event.records}
    index = _PairIndex(pairs, involved)
    residents = {e.resident_id for e in events} | {e.other_resident_id for e in events if e.other_resident_id}
    now_in: dict[str, set[str]] = defaultdict(set)
    was_in: dict[str, set[str]] = defaultdict(set)
    for record, resident in assignment.items():
        if resident in residents:
            now_in[resident].add(record)
    for record, resident in previous.items():
        if resident in residents:
            was_in[resident].add(record)
    explained = []
    for event in events:
        records = list(event.records)
        if event.kind is EventKind.RETIRED:
            reason = f"every record of {event.resident_id} was withdrawn from its source"
            explained.append(ResidentEvent(event.kind.value, event.resident_id, None, event.records, reason, {}))
            continue
        old = event.other_resident_id or ""
        if event.kind is EventKind.SPLIT:
            rest = was_in[old] - set(records)
            evidence = _pair_evidence(index.strongest(records, rest), threshold)
            decided = _decided(constraints, records, rest, Decision.NO_LINK)
            if decided:
                evidence["decision"] = {"pair": list(decided), "decision": Decision.NO_LINK.value}
                reason = f"a reviewer decided that {decided[0]} and {decided[1]} are different people"
            elif evidence["strongest_pair"] is None:
                reason = f"no scored pair links these records to the rest of {old} any more"
            elif evidence["match_probability"] >= threshold:
                reason = f"the records match the rest of {old} but hold conflicting identifiers, so they are kept apart"
            else:
                reason = (
                    f"these records no longer link to the rest of {old}: the strongest pair scores "
                    f"{evidence['match_probability']:.3f}, below the threshold {threshold}"
                )
        else:
            joined = now_in[event.resident_id] - set(records)
            evidence = _pair_evidence(index.strongest(records, joined), threshold)
            decided = _decided(constraints, records, joined, Decision.LINK)
            verb = "merged into" if event.kind is EventKind.MERGED else "moved from " + old + " to"
            subject = old if event.kind is EventKind.MERGED else "records"
            if decided:
                evidence["decision"] = {"pair": list(decided), "decision": Decision.LINK.value}
                reason = (
                    f"{subject} {verb} {event.resident_id}: a reviewer decided {decided[0]} and {decided[1]} "
                    "are the same person"
                )
            elif evidence["strongest_pair"] is None:
                reason = f"{subject} {verb} {event.resident_id} through records linked since"
            else:
                reason = (
                    f"{subject} {verb} {event.resident_id}: {evidence['strongest_pair'][0]} links to "
                    f"{evidence['strongest_pair'][1]} with probability {evidence['match_probability']:.3f}"
                )
        explained.append(
            ResidentEvent(event.kind.value, event.resident_id, event.other_resident_id, event.records, reason, evidence)
        )
    return explained


__all__ = ["explain"]
