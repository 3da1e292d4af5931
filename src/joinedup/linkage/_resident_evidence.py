"""Why a resident's records were joined: each record's strongest link to the others, scored and explained
field by field with the model the last bulk run used.

The links shown form a spanning tree (Prim's, strongest first): every record but the first is joined to the
group by its best-scoring pair, so n records need n - 1 explanations, however many pairs they make. Term-
frequency adjustments are left out (they need the whole population's value counts), so a weight here can
differ from the bulk run's by the rare-or-common-value adjustment; the levels and sentences are the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import pandas as pd
import pyarrow as pa

from joinedup.linkage._columns import LINK_COLUMNS
from joinedup.linkage._explain import Explanation, explanation_from
from joinedup.linkage._model import TrainedModel
from joinedup.linkage._model_spec import ModelSpec
from joinedup.linkage._prepare import prepare
from joinedup.linkage._scoring import PairScorer


@dataclass(frozen=True)
class Link:
    """One pair that holds the resident together: the record joined, the record it joined, and why."""

    record: str  # "system|record_id"
    joined_to: str
    explanation: Explanation


class LinkExplainer:
    """Built once per model (compiling the scorer costs more than scoring); ``links`` per resident."""

    def __init__(self, model: TrainedModel) -> None:
        self.model = model
        self.spec = ModelSpec.from_splink(model.splink_settings)
        self._scorer = PairScorer(self.spec)
        self._columns = sorted({self.spec.unique_id_column, *self.spec.input_columns})

    def links(self, rows: Sequence[Mapping[str, str]]) -> list[Link]:
        """The spanning links of one resident's records (canonical person rows, as linkage reads them)."""
        if len(rows) < 2:
            return []
        prepared = prepare(pd.DataFrame(list(rows), columns=list(LINK_COLUMNS))).astype(object)
        prepared = prepared.where(pd.notna(prepared), None)
        table = pa.Table.from_pandas(prepared[self._columns], preserve_index=False)
        for column in self.spec.tf_columns:
            table = table.append_column(f"tf_{column}", pa.nulls(table.num_rows, pa.float64()))
        uids: list[str] = table.column(self.spec.unique_id_column).to_pylist()
        # Splink scores a pair with the lower unique id on the left; do the same so levels read alike.
        pairs = [(a, b) if uids[a] < uids[b] else (b, a) for a, b in combinations(range(len(uids)), 2)]
        scores = self._scorer.score(table.take([a for a, _ in pairs]), table.take([b for _, b in pairs]))
        strength = {frozenset(pair): (float(scores.match_weight[i]), i) for i, pair in enumerate(pairs)}
        joined, links = {0}, []
        while len(joined) < len(uids):
            best = max(
                ((strength[frozenset((a, b))], a, b) for a in joined for b in range(len(uids)) if b not in joined),
                key=lambda found: found[0][0],
            )
            (_, row), inside, outside = best
            joined.add(outside)
            links.append(Link(uids[outside], uids[inside], explanation_from(self.spec, scores, row)))
        return links


__all__ = ["Link", "LinkExplainer"]
