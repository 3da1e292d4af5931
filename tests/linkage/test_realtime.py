"""Real-time matching on joinedup's trained model: the cases that matter for "tell us once"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
import pytest

from joinedup.linkage import LinkageError, RealtimeMatcher, prepare
from joinedup.linkage._normalise import name_aliases

from .realtime_data import joinedup_model, place

NICKNAMES = {"Kenneth": "Ken", "Frederick": "Fred", "Edward": "Ted", "Andrew": "Andy", "Joseph": "Joe"}


@dataclass(frozen=True)
class Decisions:
    must_link: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    cannot_link: frozenset[tuple[str, str]] = field(default_factory=frozenset)


def _records() -> pd.DataFrame:
    frame, truth = place()
    frame = frame.copy()
    frame["uid"] = frame["source"] + "|" + frame["record_id"]
    frame["person"] = frame["uid"].map(truth)
    return frame


def _matcher(without_people: Iterable[str] = (), decisions: Decisions | None = None) -> RealtimeMatcher:
    frame = _records()
    kept = frame[~frame["person"].isin(set(without_people))]
    residents = dict(zip(kept["uid"], "R-" + kept["person"], strict=True))
    return RealtimeMatcher(
        joinedup_model(), prepare(kept.drop(columns=["uid", "person"])), residents, decisions=decisions
    )


def _canonical(row: pd.Series) -> dict[str, str]:
    return {k: v for k, v in row.items() if k not in ("uid", "person")}


def _perturbed_copy() -> tuple[dict[str, str], str]:
    """A GP patient as another system would hold them: a nickname, a newer address, no NHS number."""
    frame = _records()
    patients = frame[(frame["source"] == "gp") & frame["given_name"].isin(NICKNAMES) & (frame["date_of_birth"] != "")]
    patient = patients.iloc[0]
    elsewhere = frame[(frame["postcode"] != patient["postcode"]) & (frame["uprn"] != "")].iloc[0]
    copy = _canonical(patient) | {
        "source": "housing",
        "record_id": "HP-NEW-0001",
        "given_name": NICKNAMES[patient["given_name"]],
        "nhs_number": "",
        **{k: elsewhere[k] for k in ("address_line_1", "address_line_2", "town", "postcode", "uprn")},
    }
    assert set(name_aliases(copy["given_name"].lower())) & set(name_aliases(patient["given_name"].lower()))
    return copy, "R-" + patient["person"]


def _new_person(record_id: str = "NEW-1") -> dict[str, str]:
    return {
        "source": "council-tax", "record_id": record_id, "given_name": "Zebedee", "middle_name": "",
        "family_name": "Quartermaine", "date_of_birth": "1971-03-09", "sex": "M",
        "address_line_1": "1 Nowhere Road", "address_line_2": "", "town": "Kettleby", "postcode": "KB99 9ZZ",
        "uprn": "", "phone": "", "email": "", "nhs_number": "", "ni_number": "",
    }  # fmt: skip


def test_a_perturbed_copy_of_an_existing_person_joins_that_person() -> None:
    copy, resident = _perturbed_copy()
    outcome = _matcher().match(copy)
    assert outcome.action == "joined"
    assert outcome.resident_id == resident
    assert outcome.candidates[0].resident_id == resident
    assert outcome.explanation is not None
    assert any(e.comparison == "given_name" and e.level == "nickname" for e in outcome.explanation.evidence)


def test_a_twin_does_not_join_their_twin() -> None:
    frame = _records()
    dated = frame[frame["date_of_birth"] != ""]
    sets = dated.groupby(["date_of_birth", "family_name", "postcode"])["person"].unique()
    first, second = next(iter(people for people in sets if len(people) == 2))
    record = frame[(frame["person"] == second) & (frame["source"] == "gp")].iloc[0]
    outcome = _matcher(without_people=[second]).match(_canonical(record))
    assert any(c.resident_id == "R-" + first for c in outcome.candidates), "the twin should be a candidate"
    assert outcome.action != "joined"
    assert outcome.resident_id != "R-" + first


def test_a_new_person_gets_a_new_resident_and_is_found_by_the_next_record() -> None:
    matcher = _matcher()
    size = len(matcher)
    first = matcher.match(_new_person())
    assert first.action == "new" and first.resident_id.startswith("R-")
    assert len(matcher) == size + 1
    again = matcher.match(_new_person() | {"source": "gp", "record_id": "NEW-2", "given_name": "Zeb"})
    assert again.action == "joined" and again.resident_id == first.resident_id
    assert matcher.resident_of("gp|NEW-2") == first.resident_id


def test_a_do_not_link_decision_is_honoured() -> None:
    copy, resident = _perturbed_copy()
    frame = _records()
    one_of_theirs = frame.loc[frame["person"] == resident.removeprefix("R-"), "uid"].iloc[0]
    decisions = Decisions(cannot_link=frozenset({(f"{copy['source']}|{copy['record_id']}", one_of_theirs)}))
    outcome = _matcher(decisions=decisions).match(copy)
    assert outcome.resident_id != resident
    assert outcome.action != "joined"
    assert any(c.decision == "cannot-link" for c in outcome.candidates)


def test_a_later_decision_on_a_pair_replaces_the_earlier_one() -> None:
    copy, resident = _perturbed_copy()
    frame = _records()
    pair = (
        f"{copy['source']}|{copy['record_id']}",
        frame.loc[frame["person"] == resident.removeprefix("R-"), "uid"].iloc[0],
    )
    matcher = _matcher(decisions=Decisions(cannot_link=frozenset({pair})))
    assert matcher.match(copy, commit=False).resident_id != resident
    matcher.add_decisions(Decisions(must_link=frozenset({pair})))  # the reviewer changed their mind: link
    linked = matcher.match(copy, commit=False)
    assert (linked.action, linked.resident_id) == ("joined", resident)
    assert linked.reason == "a reviewer linked it to a record of this resident"
    matcher.add_decisions(Decisions(cannot_link=frozenset({pair})))  # and back again
    assert matcher.match(copy, commit=False).resident_id != resident


def test_a_must_link_decision_joins_even_without_evidence() -> None:
    frame = _records()
    someone = frame.iloc[100]
    decisions = Decisions(must_link=frozenset({("council-tax|NEW-1", someone["uid"])}))
    outcome = _matcher(decisions=decisions).match(_new_person())
    assert outcome.action == "joined"
    assert outcome.resident_id == "R-" + someone["person"]
    assert outcome.candidates[0].decision == "must-link" or any(c.decision == "must-link" for c in outcome.candidates)


def test_matching_without_commit_leaves_the_population_as_it_was() -> None:
    matcher = _matcher()
    size = len(matcher)
    matcher.match(_new_person(), commit=False)
    assert len(matcher) == size and matcher.resident_of("council-tax|NEW-1") is None


def test_a_population_record_without_a_resident_is_refused() -> None:
    frame = _records().head(50)
    with pytest.raises(LinkageError, match="have no resident"):
        RealtimeMatcher(joinedup_model(), prepare(frame.drop(columns=["uid", "person"])), {})


def test_candidates_and_weights_are_those_of_a_bulk_splink_run_on_any_model() -> None:
    """A generic Splink model (term frequencies, a name-swap rule): the matcher agrees with Splink's predict()."""
    import logging

    from splink import DuckDBAPI, Linker

    from .realtime_data import generic_frame, generic_model

    frame = generic_frame()
    population, newcomers = frame.iloc[:-25].reset_index(drop=True), frame.iloc[-25:].reset_index(drop=True)

    def prepare_generic(records: pd.DataFrame) -> pd.DataFrame:
        return records.replace("", None).assign(unique_id=records["source"] + "|" + records["record_id"])

    matcher = RealtimeMatcher(
        generic_model(), population, {uid: uid for uid in population["unique_id"]}, prepare=prepare_generic
    )
    ours: dict[tuple[str, str], float] = {}
    for record in newcomers.drop(columns=["unique_id"]).to_dict("records"):
        outcome = matcher.match({k: v or "" for k, v in record.items()}, commit=False)
        ours |= {tuple(sorted((c.record, outcome.record))): c.match_weight for c in outcome.candidates}  # type: ignore[misc]

    api = DuckDBAPI()
    linker = Linker(api.register(frame), generic_model(), log_level=logging.WARNING)
    for column in matcher.term_frequencies.columns:  # the population's frequencies, as the matcher uses
        linker.table_management.register_term_frequency_lookup(
            api.register(matcher.term_frequencies.as_lookup(column)), column
        )
    predicted = linker.inference.predict().as_pandas_dataframe()
    new_ids = set(newcomers["unique_id"])
    involved = predicted[predicted["unique_id_l"].isin(new_ids) != predicted["unique_id_r"].isin(new_ids)]
    splinks = dict(
        zip(zip(involved["unique_id_l"], involved["unique_id_r"], strict=True), involved["match_weight"], strict=True)
    )
    assert len(splinks) > 20
    assert set(ours) == set(splinks)
    assert max(abs(ours[pair] - splinks[pair]) for pair in ours) < 1e-9


def _valid_nhs_number(seed: int) -> str:
    """A valid NHS number that the synthetic place does not use."""
    for n in range(seed, seed + 100):
        first_nine = f"98{n:07d}"
        total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check != 10:
            return first_nine + str(check)
    raise AssertionError("no valid NHS number found")


def _person_with_and_without_nhs_number() -> tuple[pd.Series, pd.Series]:
    """Two records of one person: one carrying a valid NHS number, one carrying none."""
    frame = _records()
    prepared = prepare(frame.drop(columns=["uid", "person"]))
    frame = frame.assign(nhs_valid=prepared["nhs_valid"].to_numpy())
    for _, records in frame.groupby("person"):
        carrying = records[records["nhs_valid"]]
        without = records[(records["nhs_number"] == "") & (records["date_of_birth"] != "")]
        if len(carrying) and len(without) and carrying["nhs_number"].nunique() == 1:
            return carrying.iloc[0], without.iloc[0]
    raise AssertionError("the place should have such a person")


def test_a_record_is_not_joined_to_a_resident_holding_a_different_valid_nhs_number() -> None:
    """The pair scores high (the resident's record it resembles has no NHS number), but the resident has another."""
    carrying, without = _person_with_and_without_nhs_number()
    resident = "R-" + without["person"]
    copy = _canonical(without) | {"source": "housing", "record_id": "HX-1", "nhs_number": _valid_nhs_number(1)}
    outcome = _matcher().match(copy)
    assert outcome.candidates[0].resident_id == resident
    assert outcome.candidates[0].match_probability >= joinedup_model().link_threshold, "the pair alone would join"
    assert outcome.action == "review" and outcome.review_with == resident
    assert outcome.resident_id != resident and "different valid NHS number" in outcome.reason
    # The same record with the resident's own NHS number joins.
    same = copy | {"record_id": "HX-2", "nhs_number": carrying["nhs_number"]}
    assert _matcher().match(same).action == "joined"


def test_a_conflict_counts_the_records_added_in_real_time_and_not_a_replaced_version() -> None:
    carrying, without = _person_with_and_without_nhs_number()
    resident = "R-" + without["person"]
    matcher = _matcher()
    # A record joining with a second valid NHS number is refused, so the resident keeps one number ...
    other = _canonical(without) | {"source": "housing", "record_id": "HX-3", "nhs_number": _valid_nhs_number(50)}
    assert matcher.match(other).action == "review"
    # ... and a new version of the carrying record that corrects its NHS number replaces the old one.
    corrected = _canonical(carrying) | {"nhs_number": _valid_nhs_number(90)}
    outcome = matcher.match(corrected)
    assert outcome.action == "joined" and outcome.resident_id == resident, outcome.reason


def test_the_fast_path_decides_and_scores_as_the_duckdb_path() -> None:
    frame = _records()
    queries = [
        _canonical(row) | {"record_id": f"Q-{i}"}
        for i, (_, row) in enumerate(frame.sample(60, random_state=2).iterrows())
    ]
    queries.append(_perturbed_copy()[0])
    matcher = _matcher()
    assert matcher.fast, "joinedup's model compiles to Python"
    fast = [matcher.match(q, commit=False) for q in queries]
    matcher.fast = False
    slow = [matcher.match(q, commit=False) for q in queries]
    for a, b in zip(fast, slow, strict=True):
        assert (a.action, a.review_with, a.reason) == (b.action, b.review_with, b.reason)
        assert [(c.record, c.match_weight) for c in a.candidates] == [(c.record, c.match_weight) for c in b.candidates]
        assert a.explanation == b.explanation
