"""Bulk linkage: score the blocked pairs with a trained model, then cluster them into residents."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from joinedup.linkage._backends import Backend
from joinedup.linkage._bulk_scoring import BulkScorer, UnsupportedRule
from joinedup.linkage._clusters import cluster, identity_facts
from joinedup.linkage._dialect import in_dialect
from joinedup.linkage._model import TrainedModel
from joinedup.linkage._model_spec import ModelSpec
from joinedup.linkage._occupiers import attach_sparse_records, sparse_mask
from joinedup.linkage._prepare import prepare
from joinedup.linkage._train import linker_for, train

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkResult:
    """The outcome of a bulk run: record unique id -> cluster key, the scored pairs, and the model used.

    `uncertain` holds the pairs between the model's review_low and link thresholds, for clerical review.
    """

    clusters: dict[str, str]
    pairs: pd.DataFrame
    model: TrainedModel
    uncertain: pd.DataFrame

    @property
    def cluster_count(self) -> int:
        return len(set(self.clusters.values()))


def predict_pairs(
    model: TrainedModel,
    prepared: pd.DataFrame,
    backend: Backend = "duckdb",
    *,
    spark_session: Any = None,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Score every blocked pair at or above `threshold` (default: the model's review_low).

    Columns: unique_id_l, unique_id_r, match_weight, match_probability, and mw_<comparison>: each
    comparison's match weight (Splink 5 gives these in place of the gamma level numbers).
    On DuckDB the pairs are scored by `BulkScorer` (the same pairs and weights as Splink's `predict`, at a
    fraction of its cost); a model whose blocking rules it cannot run, and Spark, go through Splink.
    """
    cutoff = model.review_low if threshold is None else threshold
    if backend == "duckdb":
        try:
            return BulkScorer(ModelSpec.from_splink(model.splink_settings), prepared).pairs(cutoff)
        except UnsupportedRule as reason:
            log.info("linkage_bulk_scoring_by_splink", extra={"reason": str(reason)})
    settings = in_dialect(model.splink_settings, backend) | {"retain_intermediate_calculation_columns": True}
    linker = linker_for(prepared, settings, backend, spark_session)
    scored = linker.inference.predict(threshold_match_probability=cutoff)
    pairs: pd.DataFrame = scored.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    scored.drop_table_from_database_and_remove_from_cache()
    keep = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    keep += [c for c in pairs.columns if c.startswith(("gamma_", "mw_"))]
    return pairs[keep]


def link_records(
    frame: pd.DataFrame,
    *,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    model: TrainedModel | None = None,
    backend: Backend = "duckdb",
    spark_session: Any = None,
    attach_occupiers: bool = True,
    threshold: float | None = None,
    on_step: Callable[[str], None] | None = None,
) -> LinkResult:
    """Link canonical person records into residents: prepare, train (unless given a model), score, cluster.

    `threshold` overrides the model's link threshold; `on_step` hears the name of each step as it starts
    (preparing, training, scoring pairs, clustering), for progress displays.
    Reviewers' decisions come in as must_link / cannot_link pairs of record unique ids. Records that name
    nobody in particular (no given name, date of birth or identifier) are not clustered by score; with
    `attach_occupiers` they join the resident at their property that occupier systems name (see _occupiers).
    """
    report = on_step or (lambda name: None)
    report("preparing")
    prepared = prepare(frame)
    if model is None:
        report("training")
        model = train(prepared, backend, spark_session=spark_session)
    if threshold is not None:
        model = model.with_thresholds(link=threshold)
    report("scoring pairs")
    pairs = predict_pairs(model, prepared, backend, spark_session=spark_session)
    report("clustering")
    must_link, cannot_link = list(must_link), list(cannot_link)
    decided = frozenset(uid for pair in [*must_link, *cannot_link] for uid in pair)
    sparse = set(prepared.loc[sparse_mask(prepared), "unique_id"]) - decided
    named_pairs = pairs[~(pairs["unique_id_l"].isin(sparse) | pairs["unique_id_r"].isin(sparse))]
    # Facts matter only where a union may happen: records in a linking pair or a reviewer's decision.
    linking = named_pairs[named_pairs["match_probability"].to_numpy() >= model.link_threshold]
    in_play = pd.concat([linking["unique_id_l"], linking["unique_id_r"], pd.Series(list(decided), dtype=object)])
    clusters = cluster(
        linking,
        prepared["unique_id"],
        model.link_threshold,
        must_link=must_link,
        cannot_link=cannot_link,
        facts=identity_facts(prepared[prepared["unique_id"].isin(in_play.unique())]),
    )
    if attach_occupiers:
        clusters = attach_sparse_records(clusters, prepared, decided)
    probability = pairs["match_probability"]
    uncertain = pairs[(probability >= model.review_low) & (probability < model.link_threshold)].reset_index(drop=True)
    log.info(
        "linkage_run_done",
        extra={"records": len(prepared), "pairs": len(pairs), "residents": len(set(clusters.values()))},
    )
    return LinkResult(clusters, pairs, model, uncertain)
