"""Explanations: field-by-field match weights that add up, read as plain sentences, and quote no personal value."""

from __future__ import annotations

import re
from functools import cache

import pandas as pd
import pytest

from joinedup.linkage import Explanation, RealtimeMatcher, explain_pair, prepare
from joinedup.linkage._explain import describe_level, title_of
from joinedup.linkage._model_spec import Level

from .realtime_data import joinedup_model, place

SENTENCE = re.compile(r"^[A-Z][A-Za-z ]+: .+ \([+-]\d+\.\d\)$")


@cache
def _matcher() -> RealtimeMatcher:
    frame, truth = place()
    prepared = prepare(frame)
    return RealtimeMatcher(joinedup_model(), prepared, {uid: truth[uid] for uid in prepared["unique_id"]})


def _gp_patients() -> pd.DataFrame:
    frame, _ = place()
    return frame[(frame["source"] == "gp") & (frame["date_of_birth"] != "") & (frame["nhs_number"] != "")]


def _swappable() -> dict[str, str]:
    """A GP patient whose day of birth could be read as a month (and is not the same as the month)."""
    patients = _gp_patients()
    day, month = patients["date_of_birth"].str[8:10].astype(int), patients["date_of_birth"].str[5:7].astype(int)
    return dict(patients[(day <= 12) & (day != month)].iloc[0])


def _check_adds_up(explanation: Explanation) -> None:
    total = explanation.prior_weight + sum(item.match_weight for item in explanation.evidence)
    assert abs(total - explanation.match_weight) < 1e-9
    strengths = [abs(item.match_weight) for item in explanation.evidence]
    assert strengths == sorted(strengths, reverse=True)
    assert all(SENTENCE.match(item.sentence) for item in explanation.evidence), explanation.as_text()


def test_a_day_month_swap_is_explained_in_words_and_adds_up() -> None:
    record = _swappable()
    dob = record["date_of_birth"]
    copy = record | {"source": "housing", "record_id": "HP-X-1", "date_of_birth": f"{dob[:4]}-{dob[8:10]}-{dob[5:7]}"}
    explanation = _matcher().explain(record, copy)
    dates = next(item for item in explanation.evidence if item.comparison == "date_of_birth")
    assert dates.level == "day and month swapped"
    assert dates.match_weight > 0
    assert dates.sentence == f"Date of birth: day and month swapped ({dates.match_weight:+.1f})"
    _check_adds_up(explanation)


def test_two_different_valid_nhs_numbers_count_against() -> None:
    patients = _gp_patients()
    explanation = _matcher().explain(dict(patients.iloc[0]), dict(patients.iloc[1]))
    nhs = next(item for item in explanation.evidence if item.comparison == "nhs_number")
    assert nhs.level == "two different valid NHS numbers"
    assert nhs.match_weight < 0
    assert nhs.sentence.startswith("NHS number: two different valid NHS numbers (-")
    assert explanation.match_probability < 0.01
    _check_adds_up(explanation)


def test_an_explanation_quotes_no_personal_value() -> None:
    patients = _gp_patients()
    first, second = dict(patients.iloc[2]), dict(patients.iloc[3])
    text = _matcher().explain(first, second).as_text()
    personal = {value for record in (first, second) for key, value in record.items() if key not in ("source", "sex")}
    assert not [value for value in personal if len(value) >= 3 and value.lower() in text.lower()]


def test_explain_pair_on_prepared_records_agrees_with_the_matcher() -> None:
    patients = _gp_patients()
    first, second = dict(patients.iloc[4]), dict(patients.iloc[4]) | {"source": "schools", "record_id": "S-1"}
    prepared = prepare(pd.DataFrame([first, second]))
    records = prepared.astype(object).where(prepared.notna(), None).to_dict("records")
    direct = explain_pair(joinedup_model(), records[1], records[0])
    assert direct == _matcher().explain(first, second)
    assert direct.match_probability > 0.99
    assert Explanation.model_validate_json(direct.model_dump_json()) == direct


@pytest.mark.parametrize(
    ("label", "described"),
    [
        ("given is NULL", "missing on one or both records"),
        ("Exact match on family", "the same"),
        ("All other comparisons", "different"),
        ("Damerau-Levenshtein distance of dob <= 1", "one typing slip apart"),
        ("Jaro-Winkler distance of given >= 0.9", "similar (Jaro-Winkler similarity 0.9 or more)"),
        ("Abs date difference <= 1 month", "within 1 month of each other"),
        ("day and month swapped", "day and month swapped"),
        ("Same UPRN", "same UPRN"),
    ],
)
def test_splink_level_labels_become_plain_words(label: str, described: str) -> None:
    assert describe_level(Level(label=label, sql_condition="ELSE", weight=0.0, is_null=False)) == described


def test_comparison_names_become_titles() -> None:
    assert title_of("nhs_number") == "NHS number"
    assert title_of("date_of_birth") == "Date of birth"
    assert title_of("location") == "Location"
