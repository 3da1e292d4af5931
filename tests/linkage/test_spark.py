"""The Spark backend (the `spark` extra): the same model and settings on Splink's SparkAPI, local[2].

Kept tiny because a Spark session takes about a minute to start here.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from joinedup.linkage import link_records, pairwise_scores, predict_pairs, prepare, train

from .linkage_cases import sim_place

pytestmark = pytest.mark.slow
pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java", allow_module_level=True)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from joinedup.linkage._spark import local_session

    logging.getLogger("splink").setLevel(logging.ERROR)
    session = local_session()
    yield session
    session.stop()


def test_spark_trains_and_scores_like_duckdb(spark: Any) -> None:
    records, truth = sim_place(150, 99)
    prepared = prepare(records)
    model = train(prepared, "spark", spark_session=spark)
    assert 0 < model.prior < 1 and any(w.match_weight > 5 for w in model.level_weights())

    on_duckdb = predict_pairs(model, prepared, "duckdb")
    on_spark = predict_pairs(model, prepared, "spark", spark_session=spark)
    key = ["unique_id_l", "unique_id_r"]
    merged = on_duckdb.merge(on_spark, on=key, suffixes=("_duckdb", "_spark"))
    assert len(merged) == len(on_duckdb) == len(on_spark) > 0
    assert (merged["match_weight_duckdb"] - merged["match_weight_spark"]).abs().max() < 1e-6

    result = link_records(records, model=model, backend="spark", spark_session=spark)
    assert pairwise_scores(result.clusters, truth).f1 > 0.8
