"""Residents, their records and id events, the review queue and households, stored on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from joinedup.store import Database
from joinedup.store.residents import MembershipChange, ResidentEvent, ResidentStore
from joinedup.store.residents_households import HouseholdStore, PropertyRow
from joinedup.store.residents_review import NewReviewItem, ReviewStore

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
T1 = T0 + timedelta(days=1)

TABLES = {
    "residents", "resident_records", "resident_events", "review_items", "review_decisions",
    "properties", "households", "household_members",
}  # fmt: skip


def _first_run(store: ResidentStore, database: Database) -> None:
    change = MembershipChange(
        assignment={("gp", "1"): "R-a", ("council-tax", "9"): "R-a", ("gp", "2"): "R-b", ("housing", "5"): "R-c"},
        new_ids=frozenset({"R-a", "R-b", "R-c"}),
        retired=frozenset(),
        merged_into={},
        events=(),
    )
    with database.transaction() as connection:
        store.apply_in(connection, change, T0)


def test_the_migration_creates_every_table(database: Database) -> None:
    assert TABLES <= set(database.table_names())


def test_memberships_are_stored_and_read_back(database: Database) -> None:
    store = ResidentStore(database)
    _first_run(store, database)
    with database.transaction() as connection:
        stored = store.assignment_in(connection)
    assert stored.records[("gp", "1")] == "R-a" and len(stored.records) == 4
    assert stored.created == {"R-a": T0, "R-b": T0, "R-c": T0}
    assert store.records_of("R-a") == [("council-tax", "9"), ("gp", "1")]
    assert store.resident_of("housing", "5") == "R-c"
    assert store.resident_of("housing", "404") is None
    assert store.counts() == (3, 1)
    assert store.held_across_systems() == ["R-a"]


def test_a_merge_moves_records_retires_the_id_and_keeps_the_reason(database: Database) -> None:
    store = ResidentStore(database)
    _first_run(store, database)
    merge = ResidentEvent(
        "merged", "R-a", "R-c", ("housing|5",), "the records now link", {"probability": 0.998, "pair": ["a", "b"]}
    )
    change = MembershipChange(
        assignment={("gp", "1"): "R-a", ("council-tax", "9"): "R-a", ("housing", "5"): "R-a", ("gp", "3"): "R-d"},
        new_ids=frozenset({"R-d"}),
        retired=frozenset({"R-c", "R-b"}),
        merged_into={"R-c": "R-a"},
        events=(merge,),
    )
    with database.transaction() as connection:
        store.apply_in(connection, change, T1)
    assert store.records_of("R-a") == [("council-tax", "9"), ("gp", "1"), ("housing", "5")]
    assert store.records_of("R-c") == store.records_of("R-a")  # a merged id answers for its heir
    assert store.current_id("R-c") == "R-a" and store.current_id("R-zzz") is None
    assert (store.status_of("R-c"), store.status_of("R-b"), store.status_of("R-d")) == ("merged", "retired", "active")
    assert store.resident_of("gp", "2") is None  # withdrawn record: no membership left
    (event,) = store.events_of("R-c")
    assert (event.kind, event.resident_id, event.records, event.reason) == (
        "merged", "R-a", ("housing|5",), "the records now link"
    )  # fmt: skip
    assert event.evidence["probability"] == pytest.approx(0.998) and event.occurred_at == T1
    assert store.events_of("R-a") == [event]


def test_real_time_attach_replaces_a_membership(database: Database) -> None:
    store = ResidentStore(database)
    _first_run(store, database)
    with database.transaction() as connection:
        store.create_in(connection, "R-new", T1)
        store.attach_in(connection, ("gp", "7"), "R-new", "realtime", T1)
        store.attach_in(connection, ("gp", "2"), "R-new", "realtime", T1)
    assert store.records_of("R-new") == [("gp", "2"), ("gp", "7")]
    assert store.records_of("R-b") == []


def test_review_items_are_held_once_and_never_reopened(database: Database) -> None:
    reviews = ReviewStore(database)
    with database.transaction() as connection:
        added = reviews.open_items_in(
            connection,
            [
                NewReviewItem("gp|1", "ct|9", 0.6, 1.2),
                NewReviewItem("ct|9", "gp|1", 0.6, 1.2),
                NewReviewItem("gp|2", "hs|4", 0.3, -0.5),
                NewReviewItem("gp|2", "gp|2", 0.9, 3.0),
            ],
            T0,
        )
    assert added == 2
    items = reviews.items()
    assert [(i.left_record, i.right_record) for i in items] == [("ct|9", "gp|1"), ("gp|2", "hs|4")]  # nearest 0.5 first
    with database.transaction() as connection:
        decision = reviews.decide_in(
            connection, "gp|1", "ct|9", decision="no-link", reviewer="rev1", reason="different people", now=T1
        )
    assert decision.review_item_id == items[0].id and (decision.left_record, decision.right_record) == ("ct|9", "gp|1")
    with database.transaction() as connection:
        again = reviews.open_items_in(connection, [NewReviewItem("gp|1", "ct|9", 0.55, 0.4)], T1)
    assert again == 0
    decided = reviews.item(items[0].id)
    assert decided is not None and decided.status == "decided" and decided.decided_at == T1
    assert [i.id for i in reviews.items()] == [items[1].id] and reviews.count() == 1


def test_decisions_are_kept_in_order_and_checked(database: Database) -> None:
    reviews = ReviewStore(database)
    with database.transaction() as connection:
        reviews.decide_in(connection, "a|1", "b|1", decision="link", reviewer="r", reason="same NHS number", now=T0)
        reviews.decide_in(connection, "b|1", "a|1", decision="no-link", reviewer="s", reason="twins", now=T1)
    assert [(d.decision, d.reviewer, d.review_item_id) for d in reviews.decisions()] == [
        ("link", "r", None), ("no-link", "s", None)
    ]  # fmt: skip
    with database.transaction() as connection, pytest.raises(ValueError, match="'link' or 'no-link'"):
        reviews.decide_in(connection, "a|1", "b|1", decision="maybe", reviewer="r", reason="", now=T1)


def test_households_keep_their_id_and_follow_members(database: Database) -> None:
    store, homes = ResidentStore(database), HouseholdStore(database)
    _first_run(store, database)
    mill_lane = PropertyRow(100023336956, "KB1 4AA", ("14 Mill Lane", "Kettleby"))
    with database.transaction() as connection:
        homes.save_in(connection, [mill_lane], {100023336956: "H-1"}, {"R-a": "H-1", "R-b": "H-1"}, T0)
    home = homes.household_of("R-a")
    assert home is not None
    assert (home.id, home.uprn, home.postcode, home.address, home.members) == (
        "H-1", 100023336956, "KB1 4AA", ("14 Mill Lane", "Kettleby"), ("R-a", "R-b")
    )  # fmt: skip
    assert homes.household_of("R-c") is None and homes.count() == 1
    moved = PropertyRow(100023336957, "KB1 4AB", ("2 Hill Road",))
    with database.transaction() as connection:
        known = homes.household_ids_in(connection)
        homes.save_in(connection, [mill_lane, moved], known | {100023336957: "H-2"}, {"R-a": "H-1", "R-c": "H-2"}, T1)
    assert homes.household_of("R-b") is None
    again = homes.household_of("R-a")
    assert again is not None and again.members == ("R-a",)
    other = homes.household_of("R-c")
    assert other is not None and (other.id, other.uprn) == ("H-2", 100023336957) and homes.count() == 2


def test_current_documents_are_the_newest_versions(database: Database) -> None:
    from sqlalchemy import insert

    from joinedup.model import Address, Person, PersonName, SourceRecord
    from joinedup.store.residents_sources import iter_current_documents
    from joinedup.store.source_records import SourceRecordStore
    from joinedup.store.tables import organisations, source_systems

    with database.transaction() as connection:
        connection.execute(insert(organisations).values(code="c", name="C", type="x", updated_at=T0))
        connection.execute(
            insert(source_systems).values(
                code="gp", name="GP", organisation_code="c", kind="file", entity="person", updated_at=T0
            )
        )
    sources = SourceRecordStore(database)

    def version(family: str, changed: datetime | None) -> SourceRecord:
        person = Person(name=PersonName(family=family), address=Address(uprn=100023336956, lines=("1 Mill Lane",)))
        return SourceRecord(
            system="gp", record_id="7", raw={"n": family}, person=person, received_at=T1, changed_at=changed
        )

    sources.save([version("Smith", T0)])
    sources.save([version("Jones", None)])
    (document,) = list(iter_current_documents(database))
    assert (document.system, document.record_id, document.entity) == ("gp", "7", "person")
    assert document.canonical is not None and document.canonical["name"]["family"] == "Jones"
    assert document.canonical["address"]["uprn"] == 100023336956
    assert document.observed_at == T1  # no change time from the source: when it was received
