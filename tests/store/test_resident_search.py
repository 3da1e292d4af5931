"""The resident search index on every backend: keys written and replaced, lookups intersected, prefixes, and
the dashboard's finder over it (typos, nicknames, swapped day and month) checked against a plain scan."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from joinedup.store import Database
from joinedup.store.resident_evidence import decisions_on
from joinedup.store.resident_search import KeyCriterion, SearchIndex
from joinedup.store.resident_search_keys import DOB, NAME, NHS, POSTCODE, UPRN, entry_for, soundex, word_keys
from joinedup.store.residents_review import ReviewStore
from joinedup.web.pages._finding import Criteria, find

PEOPLE = {
    "R-1": {"given_name": "William", "family_name": "Fairweather", "date_of_birth": "1990-05-06",
            "postcode": "KB1 4AA", "uprn": "100012345678", "nhs_number": "9434765919"},
    "R-2": {"given_name": "Wilma", "family_name": "Fairbairn", "date_of_birth": "1990-06-05",
            "postcode": "KB1 9ZZ", "uprn": "100012345679", "nhs_number": ""},
    "R-3": {"given_name": "Jane", "middle_name": "Ann", "family_name": "O'Connor-Smith",
            "date_of_birth": "1975-12-31", "postcode": "KB27XY", "uprn": "", "nhs_number": "4010232137"},
}  # fmt: skip


def _index(database: Database) -> SearchIndex:
    index = SearchIndex(database)
    with database.transaction() as connection:
        assert index.replace_all_in(connection, (entry_for(r, [row]) for r, row in PEOPLE.items())) == 3
    return index


def test_soundex_follows_the_standard_examples() -> None:
    assert [soundex(w) for w in ("robert", "rupert", "rubin", "ashcraft", "tymczak", "pfister")] == [
        "R163", "R163", "R150", "A261", "T522", "P236",
    ]  # fmt: skip
    assert "william" in word_keys("william") & word_keys("bill"), "a nickname meets its formal name"
    assert word_keys("fairweather") & word_keys("wairweather"), "a slip in the first letter still meets"
    assert word_keys("stephens") & word_keys("stevens"), "names that sound alike meet"


def test_keys_are_stored_per_resident_and_replaced(database: Database) -> None:
    index = _index(database)
    keys = index.keys_of("R-1")
    assert keys[DOB] == {"1990-05-06"} and keys[POSTCODE] == {"KB14AA"} and keys[UPRN] == {"100012345678"}
    assert keys[NHS] == {"9434765919"} and soundex("fairweather") in keys[NAME]
    assert NHS not in index.keys_of("R-2"), "a missing number gives no key"
    assert index.names_of(["R-3"]) == {"R-3": ("jane", "ann", "oconnor", "smith")}
    moved = dict(PEOPLE["R-1"], postcode="KB3 1AB")
    with database.transaction() as connection:
        index.replace_in(connection, ["R-1", "R-2"], [entry_for("R-1", [moved])])
    assert index.keys_of("R-1")[POSTCODE] == {"KB31AB"}
    assert index.keys_of("R-2") == {}, "a resident replaced without an entry leaves the index"
    assert index.candidates([KeyCriterion(POSTCODE, frozenset({"KB14AA"}))], limit=10) == []


def test_lookups_are_intersected_and_prefixes_match_the_start(database: Database) -> None:
    index = _index(database)
    both = [KeyCriterion(DOB, frozenset({"1990-05-06", "1990-06-05"})), KeyCriterion(POSTCODE, prefix="KB1")]
    assert index.candidates(both, limit=10) == ["R-1", "R-2"]
    assert index.candidates([*both, KeyCriterion(UPRN, frozenset({"100012345679"}))], limit=10) == ["R-2"]
    assert index.candidates([KeyCriterion(POSTCODE, prefix="KB2")], limit=10) == ["R-3"]
    assert index.candidates(both, limit=1) == ["R-1"]


def test_the_finder_forgives_typos_nicknames_and_swapped_dates_but_not_other_people(database: Database) -> None:
    index = _index(database)

    def ids(**asked: object) -> tuple[str, ...]:
        return find(index, Criteria(**asked)).resident_ids  # type: ignore[arg-type]

    assert ids(name=("bill", "fiarweather")) == ("R-1",)
    assert ids(name=("william", "smith")) == ()
    assert ids(name=("jane", "oconnor"), date_of_birth=date(1975, 12, 31)) == ("R-3",)
    assert ids(date_of_birth=date(1990, 5, 6)) == ("R-1", "R-2"), "the day and month swapped is offered too"
    assert ids(name=("wilma",), date_of_birth=date(1990, 5, 6))[0] == "R-2", "the closer name first"
    assert ids(postcode="KB14AA") == ("R-1",) and ids(postcode="KB1") == ("R-1", "R-2")
    assert ids(uprn="100012345678") == ("R-1",) and ids(nhs_number="4010232137") == ("R-3",)
    assert ids(nhs_number="9434765900") == ()


def test_the_index_finds_what_a_plain_scan_finds_for_one_slip(database: Database) -> None:
    """A reference check: for random one-letter slips of a held name, every resident holding it is found."""
    index = _index(database)
    rng = random.Random(7)
    names = {r: tuple(f"{row['given_name']} {row['family_name']}".lower().replace("'", "").replace("-", " ").split())
             for r, row in PEOPLE.items()}  # fmt: skip
    for _ in range(60):
        word = rng.choice([w for words in names.values() for w in words])
        at = rng.randrange(1, len(word))
        slip = word[:at] + rng.choice("aeiourstn") + word[at + 1 :]
        expected = {r for r, held in names.items() if word in held}
        assert expected <= set(find(index, Criteria(name=(slip,))).resident_ids), slip


def test_decisions_on_a_resident_s_records_are_read_from_either_side(database: Database) -> None:
    reviews, now = ReviewStore(database), datetime(2026, 3, 1, tzinfo=UTC)
    with database.transaction() as connection:
        reviews.decide_in(connection, "gp|1", "housing|5", decision="link", reviewer="r1", reason="same", now=now)
        reviews.decide_in(connection, "council-tax|9", "gp|2", decision="no-link", reviewer="r2", reason="x", now=now)
    assert [d.reviewer for d in decisions_on(database, ["housing|5"])] == ["r1"]
    assert [d.reviewer for d in decisions_on(database, ["gp|2", "gp|1"])] == ["r1", "r2"]
    assert decisions_on(database, ["waste|1"]) == []
