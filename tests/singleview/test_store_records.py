"""The single view's read-only repository, on SQLite and PostgreSQL: a resident's current records, or all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.place_registry import register_place
from joinedup.store.residents import ResidentStore
from joinedup.store.singleview_records import SingleViewRecords
from joinedup.store.source_records import SourceRecordStore

from .support import at, record, sim_residents

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _systems(database: Database) -> None:
    register_place(database, load_place(demo_place_path()), now=NOW)  # records must name a known system


def link(database: Database, groups: dict[str, list[tuple[str, str]]]) -> None:
    residents = ResidentStore(database)
    with database.transaction() as connection:
        for resident_id, refs in groups.items():
            residents.create_in(connection, resident_id, NOW)
            for ref in refs:
                residents.attach_in(connection, ref, resident_id, "bulk", NOW)


def test_current_gives_the_newest_version_of_each_listed_record(database: Database) -> None:
    store = SourceRecordStore(database)
    store.save([record("gp", "G1", address=at("1 Oak Road")), record("housing", "H1")])
    store.save([record("gp", "G1", days=5, address=at("9 Elm Street", "KB2 7XY"))])

    found = SingleViewRecords(database).current([("housing", "H1"), ("gp", "G1"), ("gp", "missing")])

    assert [(r.system, r.record_id, r.version) for r in found] == [("gp", "G1", 2), ("housing", "H1", 1)]
    assert found[0].person is not None and found[0].person.address is not None
    assert found[0].person.address.postcode == "KB2 7XY"
    assert found[0].changed_at is not None and found[0].changed_at.tzinfo is not None


def test_by_resident_streams_every_linked_resident_with_their_records(database: Database) -> None:
    _, by_person = sim_residents()
    chosen = dict(list(by_person.items())[:40])
    SourceRecordStore(database).save(r for records in chosen.values() for r in records)
    link(database, {pid: [(r.system, r.record_id) for r in records] for pid, records in chosen.items()})

    streamed = dict(SingleViewRecords(database).by_resident(batch_size=7))

    assert set(streamed) == set(chosen)
    for pid, records in chosen.items():
        expected = sorted((r.system, r.record_id, r.person) for r in records)
        assert sorted((r.system, r.record_id, r.person) for r in streamed[pid]) == expected
