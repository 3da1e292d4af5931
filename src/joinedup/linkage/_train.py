"""train(): fit the model to a place's own records without labels (u by random sampling, m by EM on blocks)."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import pyarrow as pa
from splink import Linker

from joinedup.linkage import _settings
from joinedup.linkage._backends import Backend, database_api
from joinedup.linkage._bulk_scoring import cheap_checks_first
from joinedup.linkage._dialect import in_dialect
from joinedup.linkage._errors import LinkageError
from joinedup.linkage._identifier_u import refine_identifier_u
from joinedup.linkage._model import DEFAULT_LINK_THRESHOLD, DEFAULT_REVIEW_LOW, TrainedModel

log = logging.getLogger(__name__)

U_SAMPLE_PAIRS = 1e6  # random pairs to estimate u from (Splink's default)
EM_MAX_PAIRS = 1e6  # blocked pairs per EM session; more changes the estimates little and costs time
PRIOR_RECALL = 0.7  # share of true matches the deterministic rules are assumed to find
SEED = 42
M_FLOOR = 1e-4  # at most about 13 bits against a pair from one level that the model learnt
U_FLOOR = 1e-7  # at most about 23 bits for a pair from one level


def _settle(settings: dict[str, Any]) -> dict[str, Any]:
    """Keep learnt weights within what the data can support.

    EM drives the m probability of a level that no blocked match showed towards zero, which would make one
    slip (a different e-mail address, a typo in a date) an absolute veto; levels the random sample never
    showed get no u at all. Floors keep every learnt weight finite and modest; levels whose m is fixed by
    design (the near-vetoes in _settings) are left alone. A level that neither the matches nor the random
    sample showed has taught nothing, so it weighs nothing (m = u): flooring both apart would make a level
    never seen count as about ten bits of evidence for a match; a level no match showed is never evidence for one.
    """
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if m is None and u is None:
                level["m_probability"] = level["u_probability"] = U_FLOOR
                continue
            if m is None and not level.get("fix_m_probability"):
                level["m_probability"] = min(M_FLOOR, float(u))  # unseen among matches: never evidence for one
                continue
            if not level.get("fix_m_probability"):
                level["m_probability"] = max(float(level.get("m_probability") or M_FLOOR), M_FLOOR)
            level["u_probability"] = max(float(level.get("u_probability") or U_FLOOR), U_FLOOR)
    return settings


def _floor_m(linker: Linker) -> None:
    """Floor learnt m probabilities between EM sessions, so that a level one session drove towards zero
    cannot make every pair of the next session's block underflow to probability 0 (Splink then fails)."""
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level or level._fix_m_probability:
                continue
            m = level.m_probability
            if isinstance(m, float) and m < M_FLOOR:
                level.m_probability = M_FLOOR


def _training_settings(backend: Backend) -> Any:
    """The model's settings for training; on DuckDB with each condition in its cheaper equivalent form.

    Random sampling and EM compare a million pairs each; `cheap_checks_first` gives every pair the same
    level at a fraction of the cost. The trained model keeps the conditions as written (`_with_model_sql`).
    """
    if backend != "duckdb":
        return _settings.settings()
    settings: dict[str, Any] = _settings.settings().get_settings("duckdb").as_dict()  # type: ignore[no-untyped-call]
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = cheap_checks_first(level["sql_condition"])
    return settings


def _with_model_sql(trained: dict[str, Any], backend: Backend) -> dict[str, Any]:
    """The trained settings with the model's conditions as `_settings` writes them (see _training_settings)."""
    if backend != "duckdb":
        return trained
    written = _settings.settings().get_settings("duckdb").as_dict()  # type: ignore[no-untyped-call]
    for comparison, original in zip(trained["comparisons"], written["comparisons"], strict=True):
        for level, original_level in zip(comparison["comparison_levels"], original["comparison_levels"], strict=True):
            level["sql_condition"] = original_level["sql_condition"]
    return trained


def linker_for(prepared: pd.DataFrame, settings: Any, backend: Backend = "duckdb", spark_session: Any = None) -> Linker:
    api = database_api(backend, spark_session)
    if backend == "duckdb":
        # A registered pandas frame stays a view that DuckDB re-reads, value by Python value (names, alias
        # lists), in every one of Splink's queries; one copy into a native table makes each scan cheap.
        connection = api.duckdb_con
        connection.register("joinedup_arrow", pa.Table.from_pandas(prepared, preserve_index=False))
        connection.execute("create table joinedup_records as select * from joinedup_arrow")
        connection.unregister("joinedup_arrow")
        return Linker(api.register("joinedup_records"), settings, log_level=None)
    return Linker(api.register(prepared), settings, log_level=None)  # callers decide what Splink may log


def train(
    prepared: pd.DataFrame,
    backend: Backend = "duckdb",
    *,
    spark_session: Any = None,
    link_threshold: float = DEFAULT_LINK_THRESHOLD,
    review_low: float = DEFAULT_REVIEW_LOW,
) -> TrainedModel:
    """Estimate the model's parameters from the records themselves; no labels are used."""
    if len(prepared) < 2:
        raise LinkageError("training needs at least two records")
    linker = linker_for(prepared, _training_settings(backend), backend, spark_session)
    linker.training.estimate_probability_two_random_records_match(_settings.deterministic_rules(), recall=PRIOR_RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED)
    trained_sessions = 0
    for number, rule in enumerate(_settings.training_rules(), start=1):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS
            )
            trained_sessions += 1
            _floor_m(linker)
        except ValueError:
            # Splink refuses an m that underflowed to 0 when EM drives a rare level to nothing; the session's
            # estimates are then discarded (the linker keeps the values from before it) and training goes on.
            log.warning("linkage_em_session_skipped", extra={"session": number})
    if trained_sessions == 0:
        raise LinkageError("expectation maximisation failed on every training block; the data may be too small")
    trained = refine_identifier_u(_with_model_sql(linker.misc.save_model_to_json(), backend), prepared)
    settings = in_dialect(_settle(trained), "duckdb")  # models are kept in DuckDB SQL
    log.info("linkage_model_trained", extra={"records": len(prepared), "backend": backend})
    return TrainedModel(settings, link_threshold, review_low)
