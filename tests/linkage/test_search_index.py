"""Linkage keeps the resident search index: a bulk run indexes every resident from all of its records, and a
record matched in real time is findable at once under the resident it joined (on every backend)."""

from __future__ import annotations

from collections import Counter

from joinedup.linkage._search_index import refresh
from joinedup.linkage._service import LinkageService
from joinedup.store import Database
from joinedup.store.resident_search import KeyCriterion, SearchIndex
from joinedup.store.resident_search_keys import (
    NAME,
    NHS,
    POSTCODE,
    entry_for,
    name_words,
    postcode_key,
    word_keys,
)

from .stored_place import register_sim_systems, sim_model, sim_records, store_records

PEOPLE, SEED = 300, 11


def test_a_bulk_run_indexes_every_resident_and_real_time_matches_follow(database: Database) -> None:
    register_sim_systems(database)
    service = LinkageService(database, model=sim_model(PEOPLE, SEED))
    records, truth = sim_records(PEOPLE, SEED)
    elsewhere = Counter(truth.values())
    late = [r for r in records if r.system == "gp" and r.person and elsewhere[truth[f"gp|{r.record_id}"]] > 1][:3]
    store_records(database, [r for r in records if r not in late])
    service.resolve()
    index = SearchIndex(database)
    with_nhs = [r for r in records if r not in late and r.person and r.person.nhs_number]
    for record in with_nhs[:20]:
        resident = service.resident_of(record.system, record.record_id)
        number = str(record.person.nhs_number) if record.person else ""
        found = index.candidates([KeyCriterion(NHS, frozenset({number}))], limit=10)
        assert resident in found, "every record's NHS number finds the resident that holds it"

    store_records(database, late)
    for record in late:
        outcome = service.add_record("gp", record.record_id)
        assert record.person is not None and record.person.address is not None
        family = name_words(record.person.name.family or "")[-1]
        lookups = [KeyCriterion(NAME, word_keys(family))]
        if record.person.address.postcode:
            lookups.append(KeyCriterion(POSTCODE, frozenset({postcode_key(record.person.address.postcode)})))
        assert outcome.resident_id in index.candidates(lookups, limit=50), "findable at once"
        assert family in index.names_of([outcome.resident_id])[outcome.resident_id]


def test_a_refresh_drops_residents_that_hold_no_records(database: Database) -> None:
    index = SearchIndex(database)
    with database.transaction() as connection:
        index.replace_all_in(connection, [entry_for("R-gone", [{"family_name": "Ashworth", "nhs_number": "1"}])])
    refresh(database, ["R-gone"])
    assert index.keys_of("R-gone") == {} and index.names_of(["R-gone"]) == {}
