"""Real-time matching: one new record against the resident population, decided at once, no bulk re-run.

The candidate index finds the population rows that share a blocking key with the record; the scorer
scores those pairs with the trained model; the best resident among them decides. At or above the model's
link threshold the record joins that resident; in the review band it gets a provisional resident of its
own and the outcome names the resident to review it against; below, it is a new resident. Reviewers'
decisions win over scores: a record is never joined to a resident holding a record it must not link to,
and always joined to the resident of a record it must link to. Each matched record is added to the index
straight away, so it is a candidate for the next.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from joinedup.linkage._candidates import CandidateIndex
from joinedup.linkage._columns import LINK_COLUMNS
from joinedup.linkage._errors import LinkageError
from joinedup.linkage._explain import Explanation, explanation_from
from joinedup.linkage._fast_scoring import PythonScorer
from joinedup.linkage._identity import new_resident_id
from joinedup.linkage._model import DEFAULT_LINK_THRESHOLD, DEFAULT_REVIEW_LOW, TrainedModel
from joinedup.linkage._model_spec import ModelSpec
from joinedup.linkage._pair_sql import UnsupportedCondition
from joinedup.linkage._prepare import prepare as prepare_records
from joinedup.linkage._record_prep import prepare_one
from joinedup.linkage._resident_identifiers import IDENTIFIERS, ResidentRows, identifier_conflict
from joinedup.linkage._scoring import PairScorer, PairScores
from joinedup.linkage._term_frequencies import TermFrequencies

log = logging.getLogger(__name__)


class PairDecisions(Protocol):
    """Reviewers' decisions as pairs of record unique ids (e.g. joinedup.linkage's review Constraints)."""

    @property
    def must_link(self) -> Iterable[tuple[str, str]]: ...

    @property
    def cannot_link(self) -> Iterable[tuple[str, str]]: ...


class ScoredCandidate(BaseModel):
    model_config = ConfigDict(frozen=True)

    record: str  # unique id of the existing record
    resident_id: str
    match_weight: float
    match_probability: float
    decision: Literal["must-link", "cannot-link"] | None = None  # a reviewer's decision on this pair, if any


class MatchOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    record: str  # unique id of the new record
    action: Literal["joined", "review", "new"]
    resident_id: str  # joined: the existing resident; review and new: a newly made one
    reason: str  # why, in words that name no personal value
    review_with: str | None = None  # review: the resident the reviewer should compare it with
    candidates: tuple[ScoredCandidate, ...]  # best first
    explanation: Explanation | None = None  # of the pair that decided (else the best-scoring pair)


class RealtimeMatcher:
    """Holds the prepared population, its candidate index and the compiled scorer; `match` one record at a time."""

    def __init__(
        self,
        model: TrainedModel | Mapping[str, Any],
        prepared: pd.DataFrame,
        residents: Mapping[str, str],
        *,
        decisions: PairDecisions | None = None,
        prepare: Callable[[pd.DataFrame], pd.DataFrame] = prepare_records,
        make_resident_id: Callable[[], str] = new_resident_id,
    ) -> None:
        settings = model.splink_settings if isinstance(model, TrainedModel) else model
        self.link_threshold = model.link_threshold if isinstance(model, TrainedModel) else DEFAULT_LINK_THRESHOLD
        self.review_low = model.review_low if isinstance(model, TrainedModel) else DEFAULT_REVIEW_LOW
        self.spec = ModelSpec.from_splink(settings)
        self._prepare, self._make_resident_id = prepare, make_resident_id
        self._uid = self.spec.unique_id_column
        # Identifiers are checked across a resident's records when the prepared records carry them.
        self.identifiers = tuple(i for i in IDENTIFIERS if i[0] in prepared.columns and i[1] in prepared.columns)
        columns = sorted({self._uid, *self.spec.input_columns, *(c for i in self.identifiers for c in i[:2])})
        missing = [c for c in columns if c not in prepared.columns]
        if missing:
            raise LinkageError(f"the prepared population lacks the column(s) {', '.join(missing)}")
        table = pa.Table.from_pandas(prepared[columns], preserve_index=False)
        self.term_frequencies = TermFrequencies.from_population(table, self.spec.tf_columns)
        table = self.term_frequencies.annotate(table)
        self._schema = table.schema
        # Rows: the population as one Arrow table, records matched since as dicts (row numbers go on from it).
        self._base = table.combine_chunks()
        self._added: list[dict[str, Any]] = []
        self._table_cache: pa.Table | None = self._base
        self._uids: list[str] = table.column(self._uid).to_pylist()
        unknown = [uid for uid in self._uids if uid not in residents]
        if unknown:
            raise LinkageError(f"{len(unknown)} prepared records have no resident")
        self._resident: list[str] = [residents[uid] for uid in self._uids]
        self._row_of = {uid: row for row, uid in enumerate(self._uids)}
        self._resident_rows = ResidentRows(self._resident)
        self.index = CandidateIndex(self.spec.blocking_rules)
        self.index.extend(table)
        self.scorer = PairScorer(self.spec)
        # The fast path: the record prepared without pandas, keys hashed from a dict, pairs scored in Python.
        # It gives the same candidates and weights as the DuckDB path (tested); `fast = False` keeps to DuckDB.
        self._frequencies = {c: self._frequency_lookup(c) for c in self.term_frequencies.columns}
        try:
            self.python_scorer: PythonScorer | None = PythonScorer(self.spec)
        except UnsupportedCondition as error:
            log.info("realtime_scorer_in_duckdb", extra={"why": str(error)})
            self.python_scorer = None
        self.fast = self.python_scorer is not None
        self._lock = threading.Lock()
        self._must: dict[str, set[str]] = {}
        self._cannot: dict[str, set[str]] = {}
        if decisions is not None:
            self.add_decisions(decisions)

    def __len__(self) -> int:
        return len(self._uids)

    def add_decisions(self, decisions: PairDecisions) -> None:
        """Take reviewers' decisions into account from now on. They add to those already held, and a decision on
        a pair replaces an earlier opposite one (a reviewer who changes their mind: the newest word wins)."""
        for pairs, by_record, opposite in (
            (decisions.must_link, self._must, self._cannot),
            (decisions.cannot_link, self._cannot, self._must),
        ):
            for a, b in pairs:
                by_record.setdefault(a, set()).add(b)
                by_record.setdefault(b, set()).add(a)
                opposite.get(a, set()).discard(b)
                opposite.get(b, set()).discard(a)

    def resident_of(self, record: str) -> str | None:
        row = self._row_of.get(record)
        return None if row is None else self._resident[row]

    def prepared_record(self, record: Mapping[str, Any]) -> pa.Table:
        """One canonical record, prepared as the population was, with its term frequencies, as a 1-row table."""
        frame = pd.DataFrame([{column: record.get(column) for column in LINK_COLUMNS}])
        row = self._prepare(frame).astype(object).iloc[0]
        values = {name: _value(row.get(name)) for name in self._schema.names}
        table = pa.Table.from_pylist([values], schema=self._schema)  # tf_ columns start as nulls, filled below
        return self.term_frequencies.annotate(table) if self.term_frequencies.columns else table

    def match(self, record: Mapping[str, Any], *, commit: bool = True) -> MatchOutcome:
        """Decide one canonical record (a mapping of LINK_COLUMNS); with `commit`, add it to the population."""
        with self._lock:  # one match at a time: each may add to the population the next one searches
            return self._match(record, commit)

    def _frequency_lookup(self, column: str) -> dict[Any, float]:
        lookup = self.term_frequencies.as_lookup(column)
        return dict(zip(lookup.column(0).to_pylist(), lookup.column(1).to_pylist(), strict=True))

    def prepared_values(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """One canonical record prepared as the population was, with its term frequencies, as a dict."""
        if self._prepare is not prepare_records:
            frame = pd.DataFrame([{column: record.get(column) for column in LINK_COLUMNS}])
            row = self._prepare(frame).astype(object).iloc[0]
            prepared = {name: _value(row.get(name)) for name in row.index}
        else:
            prepared = prepare_one(record)
        values = {name: prepared.get(name) for name in self._schema.names}
        for column, shares in self._frequencies.items():
            values[f"tf_{column}"] = shares.get(values[column])
        return values

    def _match(self, record: Mapping[str, Any], commit: bool) -> MatchOutcome:
        if self.fast and self.index.plain:
            values = self.prepared_values(record)
            uid, keys = values[self._uid], self.index.record_keys(values)
            rows, table = self.index.lookup_keys(keys), None
        else:
            table = self.prepared_record(record)
            uid, keys = table.column(self._uid)[0].as_py(), None
            rows = self.index.lookup(table)
        if table is not None:
            values = table.to_pylist()[0]
        must = {self._row_of[r] for r in self._must.get(uid, ()) if r in self._row_of}
        cannot = {self._row_of[r] for r in self._cannot.get(uid, ()) if r in self._row_of}
        rows = np.union1d(rows, np.fromiter(must, np.int64, len(must)))
        rows = rows[np.array([self._uids[r] not in ("", uid) for r in rows], dtype=bool)]  # not itself, not retired
        if self.fast and self.python_scorer is not None:
            scores = self.python_scorer.score_against(values, self._rows(rows))
        else:
            if table is None:
                table = pa.Table.from_pylist([values], schema=self._schema)
            scores = self._score(table, rows)
        keep = scores.blocked | np.isin(rows, list(must | cannot))
        order = [i for i in np.argsort(-scores.match_weight, kind="stable") if keep[i]]
        candidates = tuple(
            ScoredCandidate.model_construct(  # typed values made here: no need to validate them again
                record=self._uids[rows[i]],
                resident_id=self._resident[rows[i]],
                match_weight=float(scores.match_weight[i]),
                match_probability=float(scores.match_probability[i]),
                decision="must-link" if rows[i] in must else "cannot-link" if rows[i] in cannot else None,
            )
            for i in order
        )
        outcome = self._decide(
            uid, candidates, {self._resident[r] for r in cannot},
            lambda resident: self._identifier_conflict(values, resident),
        )  # fmt: skip
        # Explain the pair that decided: the best record of the resident joined or to review against.
        target = outcome.resident_id if outcome.action == "joined" else outcome.review_with
        pick = next((i for i, c in zip(order, candidates, strict=True) if c.resident_id == target), None)
        pick = order[0] if pick is None and order else pick
        if pick is not None:
            outcome = outcome.model_copy(update={"explanation": explanation_from(self.spec, scores, pick)})
        if commit:
            if table is None:
                table = pa.Table.from_pylist([values], schema=self._schema)
            self._append(table, uid, outcome.resident_id, keys)
        log.info(
            "realtime_match",
            extra={"action": outcome.action, "candidates": len(rows), "scored": len(candidates)},
        )
        return outcome

    def _decide(
        self,
        uid: str,
        candidates: tuple[ScoredCandidate, ...],
        barred: set[str],
        conflict: Callable[[str], str | None],
    ) -> MatchOutcome:
        def outcome(
            action: Literal["joined", "review", "new"], resident: str, reason: str, **more: Any
        ) -> MatchOutcome:
            return MatchOutcome(
                record=uid, action=action, resident_id=resident, reason=reason, candidates=candidates, **more,
            )  # fmt: skip

        required = {c.resident_id for c in candidates if c.decision == "must-link"}
        if required:
            if len(required) == 1 and not required & barred:
                return outcome("joined", required.pop(), "a reviewer linked it to a record of this resident")
            return outcome(
                "review", self._make_resident_id(), "reviewers' decisions on it conflict", review_with=min(required)
            )
        eligible = [c for c in candidates if c.resident_id not in barred]
        if eligible and eligible[0].match_probability >= self.link_threshold:
            # One person, one NHS (NI) number: not joined to a resident holding a different valid one.
            why = conflict(eligible[0].resident_id)
            if why is not None:
                return outcome(
                    "review", self._make_resident_id(), f"best match is above the link threshold, but {why}",
                    review_with=eligible[0].resident_id,
                )  # fmt: skip
            return outcome("joined", eligible[0].resident_id, "best match is above the link threshold")
        if eligible and eligible[0].match_probability >= self.review_low:
            return outcome(
                "review", self._make_resident_id(), "best match is in the review band",
                review_with=eligible[0].resident_id,
            )  # fmt: skip
        reason = "no candidate reached the review band" if eligible or not candidates else "reviewers kept it apart"
        return outcome("new", self._make_resident_id(), reason)

    def _score(self, record: pa.Table, rows: np.ndarray[Any, np.dtype[np.int64]]) -> PairScores:
        """Score the record against population rows, each pair ordered as Splink orders it (lower id on the left)."""
        return self.scorer.score_against(record, self._table.take(pa.array(rows, pa.int64())))

    def _append(self, table: pa.Table, uid: str, resident: str, keys: list[int | None] | None = None) -> None:
        old = self._row_of.get(uid)
        if keys is not None:
            self.index.add_keys(keys)
        else:
            self.index.extend(table)
        self._added.append(table.to_pylist()[0])
        self._table_cache = None
        self._row_of[uid] = len(self._uids)
        self._resident_rows.add(resident, len(self._uids))
        self._uids.append(uid)
        self._resident.append(resident)
        if old is not None:
            self._uids[old] = ""  # a new version replaces the old one; the old row matches nothing any more

    def _identifier_conflict(self, record: Mapping[str, Any], resident: str) -> str | None:
        """Whether the resident's records (not an older version of this one) hold a different valid identifier."""
        if not self.identifiers:
            return None
        uid = record[self._uid]
        rows = [r for r in self._resident_rows.rows_of(resident) if self._uids[r] not in ("", uid)]
        return identifier_conflict(record, self._rows(rows), self.identifiers)

    def _rows(self, rows: Iterable[int]) -> list[dict[str, Any]]:
        """Population rows as dicts of their prepared columns (with term frequencies)."""
        rows = [int(r) for r in rows]
        size = self._base.num_rows
        old = [r for r in rows if r < size]
        taken = self._base.take(pa.array(old, pa.int64())).to_pylist() if old else []
        found = dict(zip(old, taken, strict=True))
        return [found[r] if r < size else self._added[r - size] for r in rows]

    @property
    def _table(self) -> pa.Table:
        """Every row as one Arrow table, for the DuckDB path; rebuilt after additions, when it is asked for."""
        if self._table_cache is None:
            added = pa.Table.from_pylist(self._added, schema=self._schema)
            self._table_cache = pa.concat_tables([self._base, added]).combine_chunks()
        return self._table_cache

    def explain(self, record_a: Mapping[str, Any], record_b: Mapping[str, Any]) -> Explanation:
        """Field-by-field evidence for any two canonical records, scored as a bulk run would score them."""
        a, b = self.prepared_record(record_a), self.prepared_record(record_b)
        if a.column(self._uid)[0].as_py() > b.column(self._uid)[0].as_py():
            a, b = b, a
        return explanation_from(self.spec, self.scorer.score(a, b), 0)


def _value(value: Any) -> Any:
    """pandas' missing markers (None, NaN, NA) as None; lists and everything else as they are."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value
