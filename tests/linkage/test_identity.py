"""Stable resident ids: checked on random previous assignments and clusterings, and on the named cases."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage._identity import EventKind, reconcile

from .identity_reference import reference_reconcile

T0 = datetime(2026, 1, 1, tzinfo=UTC)
Case = tuple[dict[str, str], dict[str, str], dict[str, datetime]]


def _counter_ids(prefix: str = "N") -> Callable[[], str]:
    counter = iter(range(1_000_000))
    return lambda: f"{prefix}{next(counter):04d}"


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, str], dict[str, datetime]]:
    """(previous record -> resident, new record -> cluster label, resident -> created) over up to 30 records."""
    size = draw(st.integers(min_value=0, max_value=30))
    records = [f"sys|{i:03d}" for i in range(size)]
    old = draw(st.lists(st.sampled_from(["A", "B", "C", "D", "E", None]), min_size=size, max_size=size))
    new = draw(st.lists(st.integers(min_value=0, max_value=6), min_size=size, max_size=size))
    previous = {record: f"R-{resident}" for record, resident in zip(records, old, strict=True) if resident}
    clusters = {record: f"c{label}" for record, label in zip(records, new, strict=True)}
    ages = draw(st.permutations(range(5)))
    created = {f"R-{name}": T0 + timedelta(days=age) for name, age in zip("ABCDE", ages, strict=True)}
    return previous, clusters, created


@given(_scenario())
@settings(max_examples=300, deadline=None)
def test_each_cluster_gets_one_id_and_ids_are_distinct(case: Case) -> None:
    previous, clusters, created = case
    result = reconcile(previous, clusters, created=created, new_id=_counter_ids())
    assert set(result.assignment) == set(clusters)
    by_cluster: dict[str, set[str]] = defaultdict(set)
    for record, cluster in clusters.items():
        by_cluster[cluster].add(result.assignment[record])
    assert all(len(ids) == 1 for ids in by_cluster.values())
    ids = [next(iter(ids)) for ids in by_cluster.values()]
    assert len(ids) == len(set(ids))
    assert result.new_ids.isdisjoint(previous.values())
    assert result.new_ids == set(ids) - set(previous.values())


@given(_scenario())
@settings(max_examples=300, deadline=None)
def test_re_running_on_the_same_clusters_changes_nothing(case: Case) -> None:
    previous, clusters, created = case
    first = reconcile(previous, clusters, created=created, new_id=_counter_ids())
    again = reconcile(first.assignment, clusters, created=created, new_id=_counter_ids("X"))
    assert again.assignment == first.assignment
    assert again.events == () and again.new_ids == frozenset()


@given(_scenario(), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_cluster_labels_do_not_matter(case: Case, rnd: object) -> None:
    previous, clusters, created = case
    labels = sorted(set(clusters.values()))
    shuffled = list(labels)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    relabel = {old: f"other-{new}" for old, new in zip(labels, shuffled, strict=True)}
    one = reconcile(previous, clusters, created=created, new_id=_counter_ids())
    two = reconcile(previous, {r: relabel[c] for r, c in clusters.items()}, created=created, new_id=_counter_ids())
    assert one.assignment == two.assignment and one.events == two.events


@given(_scenario(), st.lists(st.integers(min_value=0, max_value=9), max_size=15))
@settings(max_examples=300, deadline=None)
def test_new_records_keep_every_existing_id(case: Case, joins: list[int]) -> None:
    """New records join existing residents or form new ones; nothing old moves, so no id changes."""
    previous, _, created = case
    clusters = dict(previous)  # last run's residents, as this run's clusters
    residents = sorted(set(previous.values()))
    for index, choice in enumerate(joins):
        joined = residents[choice] if choice < len(residents) else f"fresh-{choice}"
        clusters[f"new|{index:03d}"] = joined
    result = reconcile(previous, clusters, created=created, new_id=_counter_ids())
    assert all(result.assignment[record] == resident for record, resident in previous.items())
    assert result.events == ()


@given(_scenario())
@settings(max_examples=300, deadline=None)
def test_every_changed_record_is_explained_once(case: Case) -> None:
    previous, clusters, created = case
    result = reconcile(previous, clusters, created=created, new_id=_counter_ids())
    explained: Counter[str] = Counter()
    for event in result.events:
        for record in event.records:
            explained[record] += 1
            assert previous[record] == (event.other_resident_id or event.resident_id)
            if event.kind is not EventKind.RETIRED:
                assert result.assignment[record] == event.resident_id
    changed = {r for r, old in previous.items() if result.assignment.get(r) != old}
    assert set(explained) == changed and all(count == 1 for count in explained.values())


@given(_scenario())
@settings(max_examples=300, deadline=None)
def test_a_kept_id_sits_with_the_largest_part_of_its_records(case: Case) -> None:
    previous, clusters, created = case
    result = reconcile(previous, clusters, created=created, new_id=_counter_ids())
    for resident in set(previous.values()) & set(result.assignment.values()):
        parts = Counter(clusters[r] for r, old in previous.items() if old == resident and r in clusters)
        kept = next(clusters[r] for r, rid in result.assignment.items() if rid == resident)
        # The greedy settles the strongest claims first, so the kept part is never smaller than one that
        # went to a new id.
        for cluster, count in parts.items():
            owner = next(result.assignment[r] for r, c in clusters.items() if c == cluster)
            if owner in result.new_ids:
                assert parts[kept] >= count


def test_a_merge_keeps_the_id_with_more_records_and_says_so() -> None:
    previous = {"gp|1": "R-old", "gp|2": "R-old", "ct|1": "R-new"}
    result = reconcile(previous, dict.fromkeys(previous, "x"), created={"R-old": T0, "R-new": T0})
    assert set(result.assignment.values()) == {"R-old"}
    (event,) = result.events
    assert (event.kind, event.resident_id, event.other_resident_id, event.records) == (
        EventKind.MERGED,
        "R-old",
        "R-new",
        ("ct|1",),
    )
    assert result.retired == {"R-new"}


def test_a_merge_of_equal_parts_keeps_the_oldest_id() -> None:
    previous = {"gp|1": "R-b", "ct|1": "R-a"}
    created = {"R-a": T0 + timedelta(days=1), "R-b": T0}
    result = reconcile(previous, dict.fromkeys(previous, "x"), created=created)
    assert set(result.assignment.values()) == {"R-b"}


def test_a_split_gives_the_largest_part_the_old_id() -> None:
    previous = {"gp|1": "R-a", "gp|2": "R-a", "ct|1": "R-a", "hs|1": "R-a", "hs|2": "R-a"}
    clusters = {"gp|1": "x", "gp|2": "x", "ct|1": "x", "hs|1": "y", "hs|2": "y"}
    result = reconcile(previous, clusters, new_id=lambda: "R-fresh")
    assert result.assignment["gp|1"] == "R-a" and result.assignment["hs|1"] == "R-fresh"
    (event,) = result.events
    assert (event.kind, event.resident_id, event.other_resident_id) == (EventKind.SPLIT, "R-fresh", "R-a")
    assert event.records == ("hs|1", "hs|2")


def test_a_record_withdrawn_everywhere_retires_its_resident() -> None:
    result = reconcile({"gp|1": "R-a", "gp|2": "R-b"}, {"gp|2": "x"})
    assert result.retired == {"R-a"}
    assert [(e.kind, e.resident_id, e.records) for e in result.events] == [(EventKind.RETIRED, "R-a", ("gp|1",))]


@given(_scenario(), st.lists(st.sampled_from(["sys|000", "sys|001", "sys|002", "sys|003"]), max_size=3))
@settings(max_examples=400, deadline=None)
def test_agrees_with_the_simple_reference(case: Case, withdrawn: list[str]) -> None:
    """The short cuts for untouched clusters change nothing: same ids, same events, as the plain greedy."""
    previous, clusters, created = case
    clusters = {record: cluster for record, cluster in clusters.items() if record not in withdrawn}
    fast = reconcile(previous, clusters, created=created, new_id=_counter_ids())
    plain = reference_reconcile(previous, clusters, created=created, new_id=_counter_ids())
    assert fast == plain
