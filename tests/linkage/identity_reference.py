"""The simple reference for stable ids: every cluster's claims settled greedily, every resident's moves listed.

The real `reconcile` takes short cuts for the clusters nothing happened to; the tests check that it agrees with
this one on random inputs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime

from joinedup.linkage._identity import EventKind, IdEvent, Reconciliation, new_resident_id


def reference_reconcile(
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
    for record, cluster in clusters.items():
        members[cluster].append(record)
    for records in members.values():
        records.sort()
    # Clusters in a fixed order (by their smallest record) so that ties between clusters break the same way
    # whatever labels the clustering happened to give them.
    ordered = sorted(members, key=lambda cluster: members[cluster][0])

    def age(resident: str) -> tuple[bool, float, str]:
        when = created.get(resident)
        return (when is None, when.timestamp() if when else 0.0, resident)

    # Every (cluster, old resident) pair with the number of records the resident gave the cluster; the
    # strongest claims are settled first, so an old id goes to the cluster that holds most of its records.
    claims: list[tuple[int, tuple[bool, float, str], int, str]] = []
    contributions: dict[str, Counter[str]] = {}
    for position, cluster in enumerate(ordered):
        counts = contributions[cluster] = Counter(previous[r] for r in members[cluster] if r in previous)
        claims.extend((-count, age(resident), position, resident) for resident, count in counts.items())
    claims.sort()
    owner: dict[str, str] = {}  # cluster -> resident id
    taken: set[str] = set()
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
            counts = contributions[cluster]
            founders[fresh] = min(counts, key=lambda r: (-counts[r], age(r))) if counts else None
    assignment = {record: owner[cluster] for record, cluster in clusters.items()}
    events, retired = _events(previous, assignment, set(owner.values()), founders)
    return Reconciliation(assignment, frozenset(new_ids), tuple(events), frozenset(retired))


def _events(
    previous: Mapping[str, str],
    assignment: Mapping[str, str],
    surviving: set[str],
    founders: Mapping[str, str | None],
) -> tuple[list[IdEvent], set[str]]:
    # Where each old resident's records went, per destination id (None: withdrawn from every source).
    destinations: dict[str, dict[str | None, list[str]]] = defaultdict(lambda: defaultdict(list))
    for record, old in previous.items():
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
