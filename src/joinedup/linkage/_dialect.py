"""A trained model's settings in one SQL dialect or another.

Splink writes each level's SQL condition in the dialect of the backend that trained it. joinedup keeps every
TrainedModel in DuckDB's dialect (the real-time scorer runs those conditions in DuckDB), and recompiles the
comparisons from `_settings` for Spark when a model is used there, carrying the trained m and u across level
by level.
"""

from __future__ import annotations

from typing import Any

from joinedup.linkage import _settings
from joinedup.linkage._errors import LinkageError

_TRAINED_KEYS = ("m_probability", "u_probability")


def in_dialect(trained: dict[str, Any], dialect: str) -> dict[str, Any]:
    """`trained` (a Splink settings dict with m and u) with its SQL compiled for `dialect`."""
    if trained.get("sql_dialect") == dialect:
        return trained
    fresh: dict[str, Any] = _settings.settings().get_settings(dialect).as_dict()  # type: ignore[no-untyped-call]
    if len(fresh["comparisons"]) != len(trained["comparisons"]):
        raise LinkageError("the model's comparisons differ from this version's; train a new model")
    for new, old in zip(fresh["comparisons"], trained["comparisons"], strict=True):
        if len(new["comparison_levels"]) != len(old["comparison_levels"]):
            raise LinkageError("the model's comparison levels differ from this version's; train a new model")
        for new_level, old_level in zip(new["comparison_levels"], old["comparison_levels"], strict=True):
            new_level.update({k: old_level[k] for k in _TRAINED_KEYS if k in old_level})
    fresh["probability_two_random_records_match"] = trained["probability_two_random_records_match"]
    fresh["sql_dialect"] = dialect
    return fresh
