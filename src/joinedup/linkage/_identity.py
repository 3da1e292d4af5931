"""Stable resident ids: carry each resident's id from the last run to this run's clusters, and say why any
record's id changed.

A clustering run names its clusters arbitrarily. People and systems downstream hold resident ids, so an id
must survive every re-run unless the evidence moved records between people. The rule: a new cluster keeps the
id of the old resident that gave it most of its records (ties go to the oldest id); when one old resident's
records now fall into several clusters, the cluster holding most of them keeps the id and the rest get new
ones. Everything here is pure: ids in, ids and events out.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EventKind(StrEnum):
    MERGED = "merged"  # every record of other_resident now belongs to resident; the other id is retired
    SPLIT = "split"  # records of other_resident form a new resident (resident), the old id lives on
    MOVED = "moved"  # some records of other_resident joined resident, which existed before
    RETIRED = "retired"  # the resident has no records left (they were withdrawn from every source)


@dataclass(frozen=True)
class IdEvent:
    """One change of resident id for a set of records; ``records`` are record keys (``system|record_id``)."""

    kind: EventKind
    resident_id: str
    other_resident_id: str | None
    records: tuple[str, ...]


@dataclass(frozen=True)
class Reconciliation:
    """The outcome: every record's resident id, which ids are new, and what changed."""

    assignment: dict[str, str]
    new_ids: frozenset[str]
    events: tuple[IdEvent, ...]
    retired: frozenset[str] = field(default_factory=frozenset)  # ids with no cluster any more (merged or emptied)

    def merged_into(self) -> dict[str, str]:
        """Old id -> the id that absorbed it, for every merge."""
        return {
            e.other_resident_id: e.resident_id
            for e in self.events
            if e.kind is EventKind.MERGED and e.other_resident_id
        }


def new_resident_id() -> str:
    """A random, opaque id: 80 bits, so collisions are negligible even for a whole country's population."""
    return f"R-{secrets.token_hex(10)}"


def reconcile(
    previous: Mapping[str, str],
    clusters: Mapping[str, str],
    *,
    created: Mapping[str, datetime] | None = None,
    new_id: Callable[[], str] = new_resident_id,
) -> Reconciliation:
    """Give each new cluster a resident id, keeping the old ones wherever the evidence allows.

    ``previous`` maps record key -> resident id from the last run; ``clusters`` maps record key -> this run's
    cluster key (any label). ``created`` gives each old id's creation time (older ids win ties; ids without one
    count as newest, then by id). Records in ``previous`` but not in ``clusters`` are dropped.
    """
    created = created or {}
    members: dict[str, list[str]] = defaultdict(list)
    spread: dict[str, set[str]] = defaultdict(set)  # old resident -> the clusters its records are in now
    for record, cluster in clusters.items():
        members[cluster].append(record)
        old = previous.get(record)
        if old is not None:
            spread[old].add(cluster)
    # Clusters in a fixed order (by their smallest record) so that ties between clusters break the same way
    # whatever labels the clustering happened to give them.
    smallest = {cluster: min(records) for cluster, records in members.items()}
    ordered = sorted(members, key=smallest.__getitem__)

    def age(resident: str) -> tuple[bool, float, str]:
        when = created.get(resident)
        return (when is None, when.timestamp() if when else 0.0, resident)

    # Nearly every cluster is one old resident, whole, plus perhaps new records: it keeps that id with no
    # contest. Only the rest need the claims settled.
    owner: dict[str, str] = {}  # cluster -> resident id
    contested: list[tuple[int, str]] = []
    for position, cluster in enumerate(ordered):
        olds = {previous[r] for r in members[cluster] if r in previous}
        if len(olds) == 1:
            (old,) = olds
            if len(spread[old]) == 1:
                owner[cluster] = old
                continue
        if olds:
            contested.append((position, cluster))
    # Every (cluster, old resident) pair with the number of records the resident gave the cluster; the
    # strongest claims are settled first, so an old id goes to the cluster that holds most of its records.
    claims: list[tuple[int, tuple[bool, float, str], int, str]] = []
    contributions: dict[str, Counter[str]] = {}
    for position, cluster in contested:
        counts = contributions[cluster] = Counter(previous[r] for r in members[cluster] if r in previous)
        claims.extend((-count, age(resident), position, resident) for resident, count in counts.items())
    claims.sort()
    taken: set[str] = set(owner.values())
    for _, _, position, resident in claims:
        cluster = ordered[position]
        if cluster not in owner and resident not in taken:
            owner[cluster] = resident
            taken.add(resident)
    old_ids = set(previous.values())
    new_ids: set[str] = set()
    founders: dict[str, str | None] = {}  # new id -> the old resident that gave its cluster most records
    for cluster in ordered:
        if cluster not in owner:
            fresh = new_id()
            while fresh in old_ids or fresh in new_ids:
                fresh = new_id()
            owner[cluster] = fresh
            new_ids.add(fresh)
            counts = contributions.get(cluster, Counter())
            founders[fresh] = min(counts, key=lambda r: (-counts[r], age(r))) if counts else None
    assignment = {record: owner[cluster] for record, cluster in clusters.items()}
    surviving = set(owner.values())
    # Only residents that lost their id, or whose records went to more than one cluster, have a story to tell.
    changed = {old for old, where in spread.items() if len(where) > 1} | (old_ids - surviving)
    events, retired = _events(previous, assignment, changed, surviving, founders)
    return Reconciliation(assignment, frozenset(new_ids), tuple(events), frozenset(retired))


def _events(
    previous: Mapping[str, str],
    assignment: Mapping[str, str],
    changed: set[str],
    surviving: set[str],
    founders: Mapping[str, str | None],
) -> tuple[list[IdEvent], set[str]]:
    # Where each changed resident's records went, per destination id (None: withdrawn from every source).
    destinations: dict[str, dict[str | None, list[str]]] = {old: defaultdict(list) for old in changed}
    for record, old in previous.items():
        if old in destinations:
            destinations[old][assignment.get(record)].append(record)
    events: list[IdEvent] = []
    retired: set[str] = set()
    for old in sorted(destinations):
        moved = {dest: sorted(recs) for dest, recs in destinations[old].items() if dest is not None and dest != old}
        if old not in surviving:
            retired.add(old)
            if not moved:
                events.append(IdEvent(EventKind.RETIRED, old, None, tuple(sorted(destinations[old].get(None, [])))))
                continue
            # All of this resident went to one resident: a merge. Spread over several: the biggest share
            # counts as the merge and the others as moves.
            biggest = min(moved, key=lambda dest: (-len(moved[dest]), dest))
            events.append(IdEvent(EventKind.MERGED, biggest, old, tuple(moved.pop(biggest))))
        for dest in sorted(moved):
            kind = EventKind.SPLIT if founders.get(dest) == old else EventKind.MOVED
            events.append(IdEvent(kind, dest, old, tuple(moved[dest])))
    return events, retired


__all__ = ["EventKind", "IdEvent", "Reconciliation", "new_resident_id", "reconcile"]
