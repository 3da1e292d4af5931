"""The vectorised cluster() and attach_sparse_records() give the same clusters as the per-edge union-find and
the row-by-row attachment they replaced, on random inputs.

Random graphs are drawn so that conflicts are common: few distinct NHS and NI numbers shared among many
records, cannot-link and must-link pairs, tied weights (so the order rules decide), records without facts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage import IdentityFacts, _identity_facts, cluster, identity_facts, prepare
from joinedup.linkage._components import connected_components, smallest_per_group, string_ranks
from joinedup.linkage._occupiers import attach_sparse_records, occupier_sources

from .clusters_reference import reference_attach_sparse_records, reference_cluster, reference_occupier_sources
from .linkage_cases import frame, nhs_number, row


def random_case(seed: int, records: int = 60) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    ids = [f"s{rng.integers(3)}|{i:03d}" for i in rng.permutation(records)]
    edges = int(rng.integers(0, 3 * records))
    left, right = rng.choice(ids, edges), rng.choice(ids, edges)
    pairs = pd.DataFrame(
        {
            "unique_id_l": left,
            "unique_id_r": right,
            "match_probability": rng.choice([0.5, 0.9, 0.95, 0.99, 1.0], edges),
            "match_weight": rng.choice([1.0, 4.0, 4.2, 9.0, 12.0, 30.0], edges),  # 4.0 and 4.2: same half bit
        }
    )
    facts: dict[str, IdentityFacts] = {}
    for uid in ids:
        if rng.random() < 0.6:
            year = int(rng.choice([1950, 1960, 1985, 2010])) if rng.random() < 0.7 else None
            nhs = frozenset({f"n{rng.integers(4)}"}) if rng.random() < 0.4 else frozenset()
            ni = frozenset({f"i{rng.integers(3)}"}) if rng.random() < 0.3 else frozenset()
            facts[uid] = IdentityFacts(nhs, ni, year, year)
    cannot = [tuple(rng.choice(ids, 2)) for _ in range(int(rng.integers(0, 6)))]
    must = [tuple(rng.choice(ids, 2)) for _ in range(int(rng.integers(0, 4)))]
    unique_ids = ids[: int(records * 0.9)]  # some records appear only in pairs or decisions
    return {"pairs": pairs, "unique_ids": unique_ids, "threshold": float(rng.choice([0.9, 0.95, 0.99])),
            "must_link": must, "cannot_link": cannot, "facts": facts}  # fmt: skip


@pytest.mark.parametrize("seed", range(300))
def test_cluster_equals_the_per_edge_union_find(seed: int) -> None:
    case = random_case(seed)
    assert cluster(**case) == reference_cluster(**case)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(40))
def test_cluster_equals_the_union_find_with_generation_years(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_identity_facts, "GENERATION_YEARS", 15)
    case = random_case(1000 + seed)
    assert cluster(**case) == reference_cluster(**case)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(20))
def test_cluster_equals_the_union_find_without_weights_or_facts(seed: int) -> None:
    case = random_case(2000 + seed)
    case["pairs"] = case["pairs"].drop(columns="match_weight")  # type: ignore[attr-defined]
    assert cluster(**case) == reference_cluster(**case)  # type: ignore[arg-type]
    case["facts"] = None
    assert cluster(**case) == reference_cluster(**case)  # type: ignore[arg-type]


def test_a_larger_graph_of_households_equals_the_union_find() -> None:
    case = random_case(7, records=3000)
    assert cluster(**case) == reference_cluster(**case)  # type: ignore[arg-type]


def test_fact_table_reads_like_the_facts_of_each_record() -> None:
    prepared = prepare(
        frame(
            row("gp", "a", nhs_number=nhs_number("943476591"), date_of_birth="1980-02-03"),
            row("gp", "b", nhs_number="1234567890", ni_number="AB123456C"),  # invalid NHS number: not a fact
            row("gp", "c"),
        )
    )
    facts = identity_facts(prepared)
    assert dict(facts) == {
        "gp|a": IdentityFacts(frozenset({nhs_number("943476591")}), frozenset(), 1980, 1980),
        "gp|b": IdentityFacts(frozenset(), frozenset({"AB123456C"}), None, None),
    }
    assert "gp|c" not in facts


@settings(max_examples=200, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=30),
    edges=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=60),
)
def test_connected_components_label_each_component_by_its_smallest_code(
    count: int, edges: list[tuple[int, int]]
) -> None:
    import networkx as nx

    edges = [(a, b) for a, b in edges if a < count and b < count]
    graph = nx.Graph()
    graph.add_nodes_from(range(count))
    graph.add_edges_from(edges)
    expected = np.empty(count, dtype=np.int64)
    for members in nx.connected_components(graph):
        expected[list(members)] = min(members)
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    assert connected_components(count, left, right).tolist() == expected.tolist()


def test_a_long_chain_in_any_numbering_is_one_component() -> None:
    order = np.random.default_rng(3).permutation(5000)
    assert set(connected_components(5000, order[:-1], order[1:]).tolist()) == {0}


@given(st.lists(st.text(max_size=4), min_size=1, max_size=20))
def test_string_ranks_follow_python_order(values: list[str]) -> None:
    ranks = string_ranks(values)
    assert sorted(range(len(values)), key=lambda i: (values[i], i)) == np.argsort(ranks).tolist()
    groups = np.zeros(len(values), dtype=np.int64)
    assert values[int(smallest_per_group(groups, ranks)[0])] == min(values)


def random_prepared(seed: int, records: int = 80) -> tuple[pd.DataFrame, dict[str, str], frozenset[str]]:
    """Records at a few shared locations, many with nothing personal (sparse), and random clusters."""
    rng = np.random.default_rng(seed)

    def pick(choices: list[object], blank: float) -> list[object]:
        return [None if rng.random() < blank else choices[int(rng.integers(len(choices)))] for _ in range(records)]

    sources = pick(["bill", "bins", "gp", "school"], 0.0)
    prepared = pd.DataFrame(
        {
            "unique_id": [f"{s}|{i}" for i, s in enumerate(sources)],
            "source": sources,
            "given": pick(["ann", "bob"], 0.6),
            "dob": pick(["1980-01-02"], 0.7),
            "nhs_number": pick(["9434765919"], 0.9),
            "ni_number": pick(["AB123456C"], 0.9),
            "uprn": pick([str(u) for u in range(1, 9)], 0.3),
            "postcode": pick(["AB12CD", "EF34GH"], 0.3),
            "address": pick(["1 oak rd", "2 oak rd", "flat 1"], 0.3),
            "family_soundex": pick(["S530", "P340"], 0.3),
            "dob_year": pd.array(pick([1950, 1960, 1990], 0.4), dtype="Int64"),
            "email": pick(["a@x.uk", "b@x.uk"], 0.5),
        }
    )
    # bill: one record a property, every one with a UPRN (an occupier source)
    bill = prepared["source"] == "bill"
    prepared.loc[bill, "uprn"] = [str(u) for u in rng.permutation(np.arange(1, 40))[: int(bill.sum())]]
    labels = rng.integers(0, max(records // 3, 1), records)
    uids = prepared["unique_id"]
    clusters = {uid: f"k{label}" for uid, label in zip(uids, labels, strict=True) if rng.random() < 0.95}
    decided = frozenset(rng.choice(prepared["unique_id"], int(rng.integers(0, 4))).tolist())
    return prepared, clusters, decided


@pytest.mark.parametrize("seed", range(300))
def test_attach_sparse_records_equals_the_row_by_row_version(seed: int) -> None:
    prepared, clusters, decided = random_prepared(seed)
    assert attach_sparse_records(clusters, prepared, decided) == reference_attach_sparse_records(
        clusters, prepared, decided
    )


def test_occupier_sources_are_the_sources_with_one_record_a_uprn() -> None:
    prepared, _, _ = random_prepared(1)
    assert "bill" in occupier_sources(prepared)
    assert "gp" not in occupier_sources(prepared)
    for seed in range(50):
        prepared, _, _ = random_prepared(seed, records=int(np.random.default_rng(seed).integers(1, 40)))
        assert occupier_sources(prepared) == reference_occupier_sources(prepared)


def test_a_sparse_record_alone_at_its_location_stays_where_it_is() -> None:
    prepared, clusters, _ = random_prepared(5)
    alone = prepared.iloc[[0]].assign(given=None, dob=None, nhs_number=None, ni_number=None, uprn="999999")
    clusters = {alone["unique_id"].iloc[0]: "k0"}
    assert attach_sparse_records(clusters, alone) == reference_attach_sparse_records(clusters, alone) == clusters
