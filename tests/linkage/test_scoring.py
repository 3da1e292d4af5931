"""The scorer against Splink itself: same pairs, same match weights, on two real trained models."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from splink import DuckDBAPI, Linker

from joinedup.linkage import LinkageError, prepare
from joinedup.linkage._candidates import CandidateIndex
from joinedup.linkage._model_spec import ModelSpec
from joinedup.linkage._scoring import PairScorer, weight_to_probability
from joinedup.linkage._term_frequencies import TermFrequencies

from .realtime_data import generic_frame, generic_model, joinedup_model, place

TOLERANCE = 1e-9


def _population_and_new(which: str, new_count: int = 120) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    if which == "joinedup":
        settings, frame = joinedup_model().splink_settings, prepare(place()[0])
    else:
        settings, frame = generic_model(), generic_frame()
    chosen = np.random.default_rng(5).choice(len(frame), new_count, replace=False)
    is_new = np.zeros(len(frame), bool)
    is_new[chosen] = True
    return settings, frame[~is_new].reset_index(drop=True), frame[is_new].reset_index(drop=True)


def _tables(spec: ModelSpec, population: pd.DataFrame, new: pd.DataFrame) -> tuple[pa.Table, pa.Table]:
    columns = sorted({spec.unique_id_column, *spec.input_columns})
    existing = pa.Table.from_pandas(population[columns], preserve_index=False)
    frequencies = TermFrequencies.from_population(existing, spec.tf_columns)
    incoming = pa.Table.from_pandas(new[columns], preserve_index=False).cast(existing.schema)
    return frequencies.annotate(existing), frequencies.annotate(incoming)


def _linker(settings: dict[str, Any], population: pd.DataFrame) -> tuple[Linker, DuckDBAPI, Any]:
    api = DuckDBAPI()
    registered = api.register(population)
    linker = Linker(registered, settings, log_level=logging.WARNING)
    for column in ModelSpec.from_splink(settings).tf_columns:
        linker.table_management.compute_tf_table(column)  # Splink's own term frequencies, not ours
    return linker, api, registered


@pytest.mark.parametrize("which", ["joinedup", "generic"])
def test_index_and_scorer_find_and_score_the_pairs_splink_predict_between_does(which: str) -> None:
    settings, population, new = _population_and_new(which)
    spec = ModelSpec.from_splink(settings)
    existing, incoming = _tables(spec, population, new)
    index = CandidateIndex(spec.blocking_rules)
    index.extend(existing)
    scorer = PairScorer(spec)
    ours: dict[tuple[str, str], float] = {}
    for i in range(incoming.num_rows):
        record = incoming.slice(i, 1)
        rows = index.lookup(record)
        scores = scorer.score(existing.take(rows), record.take(np.zeros(len(rows), np.int64)))
        for row, weight, blocked in zip(rows, scores.match_weight, scores.blocked, strict=True):
            if blocked:
                ours[
                    (
                        existing.column(spec.unique_id_column)[row].as_py(),
                        record.column(spec.unique_id_column)[0].as_py(),
                    )
                ] = weight

    linker, api, registered = _linker(settings, population)
    predicted = linker.inference.predict_between(registered, api.register(new)).as_pandas_dataframe()
    pairs = zip(predicted["unique_id_l"], predicted["unique_id_r"], strict=True)
    splinks = dict(zip(pairs, predicted["match_weight"], strict=True))
    assert len(splinks) > 100, "the sample should give Splink plenty of pairs to compare against"
    assert set(ours) == set(splinks)
    assert max(abs(ours[pair] - splinks[pair]) for pair in ours) < TOLERANCE


@pytest.mark.parametrize("which", ["joinedup", "generic"])
def test_random_unblocked_pairs_score_as_splink_score_pairs_does(which: str) -> None:
    settings, population, new = _population_and_new(which, new_count=3)
    spec = ModelSpec.from_splink(settings)
    existing, incoming = _tables(spec, population, new)
    linker, api, _ = _linker(settings, population)
    rng = np.random.default_rng(9)
    for i in range(incoming.num_rows):
        rows = rng.choice(existing.num_rows, 40, replace=False)
        left = population.iloc[rows].reset_index(drop=True)
        expected = linker.inference.score_pairs(api.register(left), api.register(new.iloc[[i]])).as_pandas_dataframe()
        record = incoming.slice(i, 1)
        scores = PairScorer(spec).score(existing.take(rows), record.take(np.zeros(len(rows), np.int64)))
        ours = dict(
            zip(existing.take(rows).column(spec.unique_id_column).to_pylist(), scores.match_weight, strict=True)
        )
        assert len(expected) == len(rows)
        for uid, weight, probability in zip(
            expected["unique_id_l"], expected["match_weight"], expected["match_probability"], strict=True
        ):
            assert abs(ours[uid] - weight) < TOLERANCE
            row = list(ours).index(uid)
            assert abs(scores.match_probability[row] - probability) < TOLERANCE


def test_the_generic_model_uses_term_frequencies_and_they_change_weights() -> None:
    spec = ModelSpec.from_splink(generic_model())
    assert {"family_name", "given_name"} <= set(spec.tf_columns)
    _, population, new = _population_and_new("generic", new_count=60)
    existing, incoming = _tables(spec, population, new)
    scores = PairScorer(spec).score(existing.slice(0, 60), incoming)
    assert np.any(np.abs(scores.tf_adjustments) > 0.1)


def test_a_model_without_comparisons_or_trained_levels_is_refused_with_a_clear_error() -> None:
    with pytest.raises(LinkageError, match="probability_two_random_records_match"):
        ModelSpec.from_splink({"comparisons": []})
    broken = {"probability_two_random_records_match": 0.01, "comparisons": [{"output_column_name": "x"}]}
    with pytest.raises(LinkageError, match="no comparison_levels"):
        ModelSpec.from_splink(broken)


def test_records_missing_a_compared_column_are_refused_by_name() -> None:
    spec = ModelSpec.from_splink(generic_model())
    table = pa.table({"given_name": ["a"]})
    with pytest.raises(LinkageError, match="no column"):
        PairScorer(spec).score(table, table)


def test_probability_from_weight_is_stable_at_the_extremes() -> None:
    weights = np.array([-5000.0, -10.0, 0.0, 10.0, 5000.0])
    probabilities = weight_to_probability(weights)
    assert np.all(np.isfinite(probabilities))
    assert probabilities[0] == 0.0 and probabilities[-1] == 1.0 and probabilities[2] == 0.5
    assert abs(probabilities[3] - 1024 / 1025) < 1e-15 and abs(probabilities[1] - 1 / 1025) < 1e-15
