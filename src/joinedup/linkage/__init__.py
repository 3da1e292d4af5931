"""joinedup.linkage: link a place's person records into residents (Splink, trained without labels).

Public API (other linkage modules add theirs below):

    LINK_COLUMNS                      the canonical person columns linkage reads; unique id = "source|record_id"
    unique_id(source, record_id)      -> "source|record_id";  split_unique_id(uid) -> (source, record_id)
    prepare(frame) -> DataFrame       cleaned and derived features (one row per record, column unique_id)
    train(prepared, backend="duckdb"|"spark") -> TrainedModel
                                      u by random sampling, m by EM on blocks; no labels
    TrainedModel                      Splink's model JSON + link_threshold + review_low;
                                      to_json() / from_json(), level_weights(), prior, with_thresholds()
    predict_pairs(model, prepared) -> DataFrame
                                      unique_id_l, unique_id_r, match_weight, match_probability, mw_* (per comparison)
    cluster(pairs, unique_ids, threshold, must_link=(), cannot_link=(), facts=None) -> {uid: cluster key}
                                      union-find, strongest edges first, refusing cannot-link and conflicts
    IdentityFacts, identity_facts(prepared)
                                      per-record facts (valid NHS/NI numbers, birth year) clusters must not mix
    link_records(frame, *, must_link=(), cannot_link=(), model=None, backend="duckdb") -> LinkResult
                                      clusters, pairs, model, uncertain (pairs for clerical review)
    pairwise_scores(predicted, truth) -> PairwiseScores   precision/recall/F1 over pairs (benchmarks, tests)
    LinkageError                      bad input or model, with a message that names no personal value

Residents as stored entities (over the hub's stored records):

    LinkageService(database)          resolve() bulk run; add_record(system, record_id) real time; decide(...);
                                      records_of(resident) / resident_of(system, record_id) / household_of(resident)
    resolve_place(database, progress=) -> ResolveSummary     the bulk run, for the demo and `joinedup resolve`
    reconcile(previous, clusters) -> Reconciliation           stable resident ids across runs, with IdEvents
    ReviewQueue, Decision, Constraints                        the clerical review queue and its decisions

Real time and explanations (no Splink call per record: a candidate index and the model's compiled levels):

    RealtimeMatcher(model, prepared, residents, decisions=)  .match(record) -> MatchOutcome (joined/review/new,
                                      scored candidates, explanation); .explain(a, b); .add_decisions(...)
    explain_pair(model, prepared_a, prepared_b) -> Explanation   field-by-field match weights, .as_text()
    LinkExplainer                     why a resident's records were joined (the dashboard's linkage evidence)
    collect(documents) -> StoredRecords; person_row(system, record_id, person)
                                      stored canonical documents as linkage rows (for pages that explain pairs)
"""

from joinedup.linkage._backends import BACKENDS, Backend
from joinedup.linkage._bulk import LinkResult, link_records, predict_pairs
from joinedup.linkage._clusters import IdentityFacts, cluster, identity_facts
from joinedup.linkage._columns import LINK_COLUMNS, split_unique_id, unique_id
from joinedup.linkage._errors import LinkageError
from joinedup.linkage._evaluate import PairwiseScores, pairwise_scores
from joinedup.linkage._explain import Evidence, Explanation, explain_pair
from joinedup.linkage._identity import EventKind, IdEvent, Reconciliation, reconcile
from joinedup.linkage._model import DEFAULT_LINK_THRESHOLD, DEFAULT_REVIEW_LOW, LevelWeight, TrainedModel
from joinedup.linkage._prepare import PREPARED_COLUMNS, prepare
from joinedup.linkage._realtime import MatchOutcome, RealtimeMatcher, ScoredCandidate
from joinedup.linkage._resident_evidence import LinkExplainer
from joinedup.linkage._review import Constraints, Decision, ReviewQueue
from joinedup.linkage._service import LinkageService, ResolveSummary, resolve_place
from joinedup.linkage._stored_records import StoredRecords, collect, person_row
from joinedup.linkage._train import train

__all__ = [
    "BACKENDS",
    "DEFAULT_LINK_THRESHOLD",
    "DEFAULT_REVIEW_LOW",
    "LINK_COLUMNS",
    "PREPARED_COLUMNS",
    "Backend",
    "Constraints",
    "Decision",
    "EventKind",
    "Evidence",
    "Explanation",
    "IdEvent",
    "IdentityFacts",
    "LevelWeight",
    "LinkExplainer",
    "LinkResult",
    "LinkageError",
    "LinkageService",
    "MatchOutcome",
    "PairwiseScores",
    "RealtimeMatcher",
    "Reconciliation",
    "ResolveSummary",
    "ReviewQueue",
    "ScoredCandidate",
    "StoredRecords",
    "TrainedModel",
    "cluster",
    "collect",
    "explain_pair",
    "identity_facts",
    "link_records",
    "pairwise_scores",
    "person_row",
    "predict_pairs",
    "prepare",
    "reconcile",
    "resolve_place",
    "split_unique_id",
    "train",
    "unique_id",
]
