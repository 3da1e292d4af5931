"""Small synthetic places and real trained Splink models for the real-time matching tests (built once a session).

Two models: joinedup's own (trained by `joinedup.linkage.train` on prepared records), and a deliberately
different generic Splink model over the raw canonical columns, with term-frequency adjustments and a blocking
rule on a computed key, so the scorer and the index are checked on comparisons they were not written for.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from joinedup.linkage import TrainedModel, prepare, train
from joinedup.sim import SyntheticPlace

PEOPLE = 1_500
SEED = 11


@cache
def place() -> tuple[pd.DataFrame, dict[str, str]]:
    """Canonical rows of a small place, and each record's person (unique id "source|record_id" -> person)."""
    rows: list[dict[str, str]] = []
    truth: dict[str, str] = {}
    for batch in SyntheticPlace(people=PEOPLE, seed=SEED).batches():
        rows.extend(batch.canonical_rows())
        truth.update({f"{batch.system}|{record}": person for record, person in batch.truth})
    return pd.DataFrame(rows), truth


@cache
def joinedup_model() -> TrainedModel:
    frame, _ = place()
    return train(prepare(frame))


def generic_frame() -> pd.DataFrame:
    frame, _ = place()
    generic = frame.replace("", None)
    generic["unique_id"] = generic["source"] + "|" + generic["record_id"]
    return generic


@cache
def generic_model() -> dict[str, Any]:
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.ExactMatch("family_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),
            cl.ExactMatch("nhs_number"),
            cl.EmailComparison("email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nhs_number"),
            block_on("date_of_birth"),
            block_on("postcode", "family_name"),
            block_on("substr(postcode, 1, 4)", "given_name"),
            CustomRule("l.given_name = r.family_name and l.family_name = r.given_name"),
        ],
    )
    linker = Linker(DuckDBAPI().register(generic_frame()), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match([block_on("nhs_number")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e5, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    return linker.misc.save_model_to_json()
