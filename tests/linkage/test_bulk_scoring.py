"""The bulk scorer against Splink's own predict: the same blocked pairs and the same weights, on real models."""

from __future__ import annotations

import copy
import logging
import random
from typing import Any

import duckdb
import pandas as pd
import pytest
from splink import DuckDBAPI, Linker

from joinedup.linkage import prepare
from joinedup.linkage._bulk_scoring import BulkScorer, UnsupportedRule, cheap_checks_first, rule_columns
from joinedup.linkage._model_spec import ModelSpec

from .realtime_data import generic_frame, generic_model, joinedup_model, place

TOLERANCE = 1e-9
THRESHOLD = 0.001  # low, so that most blocked pairs, near misses included, are compared


def _model_and_records(which: str) -> tuple[dict[str, Any], pd.DataFrame]:
    if which == "joinedup":
        return joinedup_model().splink_settings, prepare(place()[0])
    settings = copy.deepcopy(generic_model())
    # The generic model's rule on a computed key (substr of the postcode) is Splink's to run; drop it here.
    settings["blocking_rules_to_generate_predictions"] = [
        rule
        for rule in settings["blocking_rules_to_generate_predictions"]
        if "substr" not in str(rule["blocking_rule"]).lower()
    ]
    return settings, generic_frame()


def _splink_predict(settings: dict[str, Any], records: pd.DataFrame) -> pd.DataFrame:
    settings = settings | {"retain_intermediate_calculation_columns": True}
    linker = Linker(DuckDBAPI().register(records), settings, log_level=logging.WARNING)
    predicted: pd.DataFrame = linker.inference.predict(threshold_match_probability=THRESHOLD).as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return predicted


@pytest.mark.parametrize("which", ["joinedup", "generic"])
def test_the_same_pairs_and_weights_as_splink_predict(which: str) -> None:
    settings, records = _model_and_records(which)
    spec = ModelSpec.from_splink(settings)
    ours = BulkScorer(spec, records).pairs(THRESHOLD)
    theirs = _splink_predict(settings, records)
    assert len(theirs) > 1_000, "the place should give Splink plenty of pairs to compare against"
    merged = ours.merge(
        theirs, on=["unique_id_l", "unique_id_r"], how="outer", suffixes=("", "_splink"), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert (merged["match_weight"] - merged["match_weight_splink"]).abs().max() < TOLERANCE
    assert (merged["match_probability"] - merged["match_probability_splink"]).abs().max() < TOLERANCE
    if not spec.tf_columns:  # Splink's mw_ columns leave out term-frequency adjustments; ours include them
        for comparison in spec.comparisons:
            column = f"mw_{comparison.name}"
            assert (merged[column] - merged[f"{column}_splink"]).abs().max() < TOLERANCE


def test_pairs_are_ordered_by_unique_id_and_above_the_threshold() -> None:
    settings, records = _model_and_records("joinedup")
    pairs = BulkScorer(ModelSpec.from_splink(settings), records.sample(frac=1, random_state=3)).pairs(0.9)
    assert not pairs.empty
    assert (pairs["unique_id_l"] < pairs["unique_id_r"]).all()
    assert (pairs["match_probability"] >= 0.9).all()
    assert not pairs.duplicated(["unique_id_l", "unique_id_r"]).any()


def test_rules_other_than_equalities_between_columns_are_left_to_splink() -> None:
    assert rule_columns('(l."family" = r."family") AND (l."dob" = r."dob")') == [("family", "family"), ("dob", "dob")]
    assert rule_columns("l.given = r.family and l.family = r.given") == [("given", "family"), ("family", "given")]
    for rule in ("substr(l.postcode, 1, 4) = substr(r.postcode, 1, 4)", "l.a = r.a and l.b > 3", "l.a = l.b"):
        with pytest.raises(UnsupportedRule):
            rule_columns(rule)


def _words(rng: random.Random) -> list[str | None]:
    base = ["ann", "anne", "nan", "jo", "oj", "j", "", "smith", "smyth", "smiht", "mith", "smithe", "zoë", "kb71aa"]
    words: list[str | None] = [*base, None]
    for _ in range(150):
        word = list(rng.choice(base) or "x")
        edit = rng.randrange(4)
        spot = rng.randrange(len(word))
        if edit == 0:
            word[spot] = rng.choice("aesz")
        elif edit == 1:
            word.insert(spot, rng.choice("aesz"))
        elif edit == 2 and len(word) > 1:
            del word[spot]
        elif spot + 1 < len(word):
            word[spot], word[spot + 1] = word[spot + 1], word[spot]
        words.append("".join(word))
    return words


@pytest.mark.parametrize(
    "condition",
    [
        'damerau_levenshtein("a_l", "a_r") <= 1',
        '(damerau_levenshtein("a_l", "a_r") <= 1) AND (jaro_winkler_similarity("b_l", "b_r") >= 0.88)',
        'array_length(list_intersect("x_l", "x_r")) >= 1',
    ],
)
def test_cheaper_conditions_hold_exactly_where_the_models_own_do(condition: str) -> None:
    rng = random.Random(7)
    words = _words(rng)
    lists: list[list[str | None] | None] = [None, [], [None], ["ann"], ["ann", "nan"], ["jo", None], ["smith"]]
    rows = [(*(rng.choice(words) for _ in range(4)), rng.choice(lists), rng.choice(lists)) for _ in range(4_000)]
    rewritten = cheap_checks_first(condition)
    assert rewritten != condition
    with duckdb.connect() as db:
        db.execute("CREATE TABLE t (a_l TEXT, a_r TEXT, b_l TEXT, b_r TEXT, x_l TEXT[], x_r TEXT[])")
        db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", rows)
        differ = db.execute(f"SELECT count(*) FROM t WHERE ({condition}) IS TRUE <> ({rewritten}) IS TRUE").fetchall()[
            0
        ][0]
        holds = db.execute(f"SELECT count(*) FROM t WHERE ({condition}) IS TRUE").fetchall()[0][0]
    assert holds > 10, "the random pairs should include some that satisfy the condition"
    assert differ == 0
