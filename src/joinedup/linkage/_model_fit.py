"""Whether a saved model fits this version of joinedup: a model is kept between runs (so ids stay stable), and
one trained by an older version may compare columns this version no longer prepares. Saying so when the model
is loaded, with the cure, beats a database error from inside the first query that uses it."""

from __future__ import annotations

from functools import cache

import pandas as pd

from joinedup.linkage._columns import LINK_COLUMNS
from joinedup.linkage._errors import LinkageError
from joinedup.linkage._model import TrainedModel
from joinedup.linkage._model_spec import ModelSpec
from joinedup.linkage._prepare import prepare


@cache
def prepared_columns() -> frozenset[str]:
    """The columns this version's preparation gives a record (from an empty frame: nothing to compute)."""
    return frozenset(prepare(pd.DataFrame(columns=list(LINK_COLUMNS))).columns)


def fitting_model(text: str) -> TrainedModel:
    """The saved model (JSON text), if this version can score with it; else a LinkageError saying why."""
    model = TrainedModel.from_json(text)
    spec = ModelSpec.from_splink(model.splink_settings)
    missing = sorted(set(spec.input_columns) - prepared_columns())
    if missing:
        raise LinkageError(f"it compares column(s) {', '.join(missing)} that records are no longer prepared with")
    return model


__all__ = ["fitting_model", "prepared_columns"]
