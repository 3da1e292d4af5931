"""cluster(): union-find against networkx, and the refusals (cannot-link, conflicting identity facts)."""

from __future__ import annotations

import networkx as nx
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage import IdentityFacts, cluster, identity_facts, prepare

from .linkage_cases import frame, nhs_number, row

NODES = [f"r{i}" for i in range(12)]
edges_strategy = st.lists(
    st.tuples(st.sampled_from(NODES), st.sampled_from(NODES), st.floats(min_value=0.0, max_value=1.0)),
    max_size=40,
)


def groups(clusters: dict[str, str]) -> set[frozenset[str]]:
    members: dict[str, set[str]] = {}
    for uid, key in clusters.items():
        members.setdefault(key, set()).add(uid)
    return {frozenset(m) for m in members.values()}


@settings(max_examples=200, deadline=None)
@given(edges=edges_strategy, threshold=st.floats(min_value=0.0, max_value=1.0))
def test_without_constraints_clusters_are_the_connected_components(
    edges: list[tuple[str, str, float]], threshold: float
) -> None:
    graph = nx.Graph()
    graph.add_nodes_from(NODES)
    graph.add_edges_from((a, b) for a, b, p in edges if p >= threshold)
    expected = {frozenset(c) for c in nx.connected_components(graph)}
    assert groups(cluster(edges, NODES, threshold)) == expected


@settings(max_examples=100, deadline=None)
@given(edges=edges_strategy, apart=st.lists(st.tuples(st.sampled_from(NODES), st.sampled_from(NODES)), max_size=5))
def test_cannot_link_pairs_never_share_a_cluster(
    edges: list[tuple[str, str, float]], apart: list[tuple[str, str]]
) -> None:
    apart = [(a, b) for a, b in apart if a != b]
    clusters = cluster(edges, NODES, 0.5, cannot_link=apart)
    assert all(clusters[a] != clusters[b] for a, b in apart)
    # ...and every cluster is still joined up by edges at or above the threshold
    for members in groups(clusters):
        inside = nx.Graph()
        inside.add_nodes_from(members)
        inside.add_edges_from((a, b) for a, b, p in edges if p >= 0.5 and a in members and b in members)
        assert nx.is_connected(inside)


def test_the_key_is_the_smallest_member_and_every_record_is_present() -> None:
    clusters = cluster([("b", "c", 0.99)], ["a", "b", "c"], 0.9)
    assert clusters == {"a": "a", "b": "b", "c": "b"}


def test_stronger_edges_win_a_conflict() -> None:
    # x links to both a and b, who must stay apart: x goes with the stronger link.
    pairs = pd.DataFrame(
        {"unique_id_l": ["x", "x"], "unique_id_r": ["a", "b"], "match_probability": [0.95, 0.99],
         "match_weight": [8.0, 12.0]}
    )  # fmt: skip
    clusters = cluster(pairs, ["a", "b", "x"], 0.9, cannot_link=[("a", "b")])
    assert clusters["x"] == clusters["b"] != clusters["a"]


def test_must_link_joins_even_without_an_edge() -> None:
    clusters = cluster([], ["a", "b", "c"], 0.9, must_link=[("a", "c")])
    assert clusters["a"] == clusters["c"] != clusters["b"]


def test_clusters_with_different_valid_nhs_numbers_are_not_merged_by_a_chain() -> None:
    # A record with no identifier ("W SMITH") scores well against husband and wife alike.
    prepared = prepare(
        frame(
            row("gp", "husband", nhs_number=nhs_number("943476591")),
            row("gp", "wife", nhs_number=nhs_number("401023213")),
            row("waste", "occupier"),
        )
    )
    facts = identity_facts(prepared)
    pairs = [("gp|husband", "waste|occupier", 0.99), ("gp|wife", "waste|occupier", 0.98)]
    clusters = cluster(pairs, prepared["unique_id"], 0.9, facts=facts)
    assert clusters["gp|husband"] == clusters["waste|occupier"] != clusters["gp|wife"]
    assert groups(cluster(pairs, prepared["unique_id"], 0.9)) == {frozenset(prepared["unique_id"])}


def test_identity_facts_conflict_only_when_both_sides_hold_the_identifier() -> None:
    one = IdentityFacts(nhs_numbers=frozenset({"1"}))
    assert one.conflicts_with(IdentityFacts(nhs_numbers=frozenset({"2"})))
    assert not one.conflicts_with(IdentityFacts(ni_numbers=frozenset({"AB123456C"})))
    assert not one.conflicts_with(one.merged(IdentityFacts(nhs_numbers=frozenset({"2"}))))


def test_the_same_input_gives_the_same_clusters() -> None:
    pairs = [("a", "b", 0.95), ("b", "c", 0.95), ("c", "d", 0.95)]
    first = cluster(pairs, ["a", "b", "c", "d"], 0.9, cannot_link=[("a", "d")])
    assert all(cluster(pairs, ["a", "b", "c", "d"], 0.9, cannot_link=[("a", "d")]) == first for _ in range(3))
