"""Linkage keeps the resident search index: a bulk run indexes every resident from all of its records, and a
record matched in real time is findable at once under the resident it joined (on every backend)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete

from joinedup.linkage._search_index import fill_if_empty, refresh
from joinedup.linkage._service import LinkageService
from joinedup.store import Database
from joinedup.store.resident_search import KeyCriterion, SearchIndex, resident_search_keys, resident_search_names
from joinedup.store.resident_search_keys import (
    NAME,
    NHS,
    POSTCODE,
    entry_for,
    name_words,
    postcode_key,
    word_keys,
)
from joinedup.store.residents import ResidentStore

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


def test_an_empty_index_beside_stored_residents_is_filled_once(database: Database) -> None:
    """A database migrated to 0009 after its last bulk run has residents but no index: the first real-time match
    (or ``joinedup serve``) fills it, and a filled index is left alone."""
    register_sim_systems(database)
    records, _ = sim_records(PEOPLE, SEED)
    late = [r for r in records if r.system == "gp" and r.person][-1]
    store_records(database, [r for r in records if r is not late])
    assert fill_if_empty(database) == 0  # no residents yet: nothing to index
    service = LinkageService(database, model=sim_model(PEOPLE, SEED))
    service.resolve()
    index = SearchIndex(database)
    with_nhs = next(r for r in records if r is not late and r.person and r.person.nhs_number)
    number = frozenset({str(with_nhs.person.nhs_number)}) if with_nhs.person else frozenset()
    resident = service.resident_of(with_nhs.system, with_nhs.record_id)
    with database.transaction() as connection:  # as the 0009 migration leaves an existing database
        connection.execute(delete(resident_search_keys))
        connection.execute(delete(resident_search_names))
    assert index.is_empty() and index.candidates([KeyCriterion(NHS, number)], limit=10) == []
    store_records(database, [late])
    LinkageService(database).add_record(late.system, late.record_id)  # a fresh service: the first real-time use
    assert not index.is_empty() and resident in index.candidates([KeyCriterion(NHS, number)], limit=10)
    with database.transaction() as connection:
        holding = sorted(set(ResidentStore(database).assignment_in(connection).records.values()))
    assert len(index.names_of(holding)) == len(holding)  # every resident, not only the one just matched
    assert fill_if_empty(database) == 0
