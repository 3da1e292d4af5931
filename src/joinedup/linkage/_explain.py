"""Explanations: why the model thinks two records are, or are not, the same resident, field by field.

Each comparison contributes one match weight, log2 of the Bayes factor m/u of the level the pair fell in
(plus the term-frequency adjustment for a rare or common value); the total adds the prior. An explanation
lists each comparison's level, weight and a plain sentence ("Date of birth: day and month swapped (+6.1)"),
strongest evidence first. It names levels, never the records' values, so it can be logged and shown to a
reviewer beside the records without repeating them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from joinedup.linkage._model import TrainedModel
from joinedup.linkage._model_spec import Level, ModelSpec
from joinedup.linkage._scoring import PairScorer, PairScores

TF_NOTE_THRESHOLD = 0.5  # a term-frequency adjustment this large (bits) is worth a word in the sentence

_TITLES = {"dob": "date of birth", "nhs": "NHS", "ni": "NI", "uprn": "UPRN", "id": "ID"}

# Splink's default level labels name the column and the function; people want what it means.
_LABEL_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^.+ is NULL$", re.IGNORECASE), "missing on one or both records"),
    (re.compile(r"^Exact match on .+$", re.IGNORECASE), "the same"),
    (re.compile(r"^All other comparisons$", re.IGNORECASE), "different"),
    (re.compile(r"^Damerau-Levenshtein distance of .+ <= 1$"), "one typing slip apart"),
    (re.compile(r"^Damerau-Levenshtein distance of .+ <= (\d+)$"), r"within \1 typing slips"),
    (re.compile(r"^Levenshtein distance (?:of .+ )?<= (\d+)$"), r"within \1 character edits"),
    (re.compile(r"^Jaro-Winkler distance of .+ >= ([\d.]+)$"), r"similar (Jaro-Winkler similarity \1 or more)"),
    (re.compile(r"^Jaro distance of .+ >= ([\d.]+)$"), r"similar (Jaro similarity \1 or more)"),
    (re.compile(r"^Abs date difference <= (.+)$"), r"within \1 of each other"),
    (re.compile(r"^Array intersection size >= 1$"), "share a value"),
)


class Evidence(BaseModel):
    """One comparison's contribution to a pair's score."""

    model_config = ConfigDict(frozen=True)

    comparison: str  # the model's name for it, e.g. "date_of_birth"
    title: str  # for people, e.g. "Date of birth"
    level: str  # the level's own label in the model
    description: str  # the level in plain words, e.g. "day and month swapped"
    match_weight: float  # log2 Bayes factor, term-frequency adjustment included
    term_frequency_adjustment: float
    sentence: str


class Explanation(BaseModel):
    """The evidence for one pair, strongest (by absolute weight) first, with the prior and the totals."""

    model_config = ConfigDict(frozen=True)

    prior_weight: float
    evidence: tuple[Evidence, ...]
    match_weight: float
    match_probability: float

    def as_text(self) -> str:
        lines = [f"Match weight {self.match_weight:+.1f} (probability {self.match_probability:.4f})"]
        lines += [f"  {item.sentence}" for item in self.evidence]
        lines.append(f"  Prior (how often two records picked at random match): {self.prior_weight:+.1f}")
        return "\n".join(lines)


def title_of(comparison: str) -> str:
    """'nhs_number' -> 'NHS number', 'date_of_birth' -> 'Date of birth'."""
    words = " ".join(_TITLES.get(word, word) for word in comparison.split("_"))
    return words[:1].upper() + words[1:]


def describe_level(level: Level) -> str:
    for pattern, replacement in _LABEL_REWRITES:
        if pattern.match(level.label):
            return pattern.sub(replacement, level.label)
    return level.label[:1].lower() + level.label[1:] if level.label[1:2].islower() else level.label


def explanation_from(model: ModelSpec, scores: PairScores, row: int) -> Explanation:
    """The explanation of pair `row` of `scores` (scored with `model`)."""
    evidence = []
    for c, comparison in enumerate(model.comparisons):
        position = int(scores.levels[row, c])
        if position < 0:
            continue  # no level held (a comparison without an ELSE level): it adds nothing
        level = comparison.levels[position]
        weight = float(scores.weights[row, c])
        adjustment = float(scores.tf_adjustments[row, c])
        description = describe_level(level)
        if adjustment >= TF_NOTE_THRESHOLD:
            description += ", a rare value"
        elif adjustment <= -TF_NOTE_THRESHOLD:
            description += ", a common value"
        title = title_of(comparison.name)
        evidence.append(
            Evidence(
                comparison=comparison.name,
                title=title,
                level=level.label,
                description=description,
                match_weight=weight,
                term_frequency_adjustment=adjustment,
                sentence=f"{title}: {description} ({weight:+.1f})",
            )
        )
    evidence.sort(key=lambda item: -abs(item.match_weight))
    return Explanation(
        prior_weight=model.prior_weight,
        evidence=tuple(evidence),
        match_weight=float(scores.match_weight[row]),
        match_probability=float(scores.match_probability[row]),
    )


def explain_pair(
    model: ModelSpec | Mapping[str, Any] | TrainedModel, record_a: Mapping[str, Any], record_b: Mapping[str, Any]
) -> Explanation:
    """The evidence for two prepared records (rows of `prepare()`'s output), ordered as Splink orders a pair.

    A model with term-frequency adjustments needs the records' `tf_<column>` values (see TermFrequencies).
    """
    spec = model if isinstance(model, ModelSpec) else ModelSpec.from_splink(_settings_of(model))
    first, second = (record_a, record_b)
    if str(first.get(spec.unique_id_column, "")) > str(second.get(spec.unique_id_column, "")):
        first, second = second, first
    columns = [c for c in first if c in second]
    table = pa.Table.from_pylist([{c: first[c] for c in columns}, {c: second[c] for c in columns}])
    return explanation_from(spec, PairScorer(spec).score(table.slice(0, 1), table.slice(1, 1)), 0)


def _settings_of(model: Mapping[str, Any] | TrainedModel) -> Mapping[str, Any]:
    return model.splink_settings if isinstance(model, TrainedModel) else model
