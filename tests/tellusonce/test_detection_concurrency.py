"""Change detection with two writers of one source of truth at once, on a real PostgreSQL server.

On PostgreSQL version ids come from a sequence, outside any transaction: without one writer per system at a time,
a transaction that drew the lower id could commit after one that drew a higher id, and a detection pass in between
would move its cursor past a version it never saw. These tests run the two writers as two real transactions on
two connections, and detection between and after them: every change is raised, none twice.

SQLite is left out on purpose: its single write lock already makes writers wait, which the other detection tests
cover on both backends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, text

from joinedup.governance import GovernedDeliveries
from joinedup.model import Address, Person, PersonName, SourceRecord
from joinedup.place import Place
from joinedup.place._survivorship import FieldRule, Strategy, Survivorship
from joinedup.store import Database
from joinedup.store.place_registry import register_place
from joinedup.store.residents import ResidentStore
from joinedup.store.source_records import SourceRecordStore
from joinedup.store.tellusonce_detection import DetectionStore
from joinedup.tellusonce import ChangeDetector, ChangeKind, OutboxStore, detected_key

from .support import kettleby

HOUSING = "housing"
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def postgres(database: Database) -> Database:
    if database.backend != "postgresql":
        pytest.skip("ids out of commit order are PostgreSQL's (SQLite's writers already wait for its write lock)")
    return database


def housing_leads_addresses() -> Place:
    rules = (FieldRule(field="address", strategy=Strategy.MOST_TRUSTED, sources=(HOUSING,)),)
    return kettleby().model_copy(update={"survivorship": Survivorship(fields=rules)})


def version(record_id: str, line: str, days: int) -> SourceRecord:
    person = Person(
        name=PersonName(given="Ann", family=f"Lee-{record_id}"),
        address=Address(lines=(line,), town="Kettleby", postcode="KT1 1AA"),
    )
    changed = T0 + timedelta(days=days)
    raw = {"personRef": record_id, "addressLine1": line}
    return SourceRecord(system=HOUSING, record_id=record_id, raw=raw, person=person, received_at=changed,
                        changed_at=changed)  # fmt: skip


def detector(database: Database, place: Place) -> ChangeDetector:
    return ChangeDetector(
        database, place, ResidentStore(database), lambda organisation: GovernedDeliveries.for_place(place, organisation)
    )


def first_versions_linked(database: Database, place: Place, record_ids: list[str]) -> None:
    """Each record stored once and linked to its own resident; detection has read past them."""
    register_place(database, place)
    SourceRecordStore(database).save([version(record_id, "1 Old Road", 0) for record_id in record_ids])
    residents = ResidentStore(database)
    with database.transaction() as connection:
        for record_id in record_ids:
            residents.create_in(connection, f"R-{record_id}", T0)
            residents.attach_in(connection, (HOUSING, record_id), f"R-{record_id}", "bulk", T0)
    assert detector(database, place).run().raised == 0, "first versions are new records, not changes"


class Writer(threading.Thread):
    """Stores versions in its own transaction on its own connection, and says when it is waiting for a lock."""

    def __init__(self, database: Database, records: list[SourceRecord]) -> None:
        super().__init__(daemon=True)
        self.database, self.records = database, records
        self.pid: int | None = None
        self.error: Exception | None = None
        self.started_writing = threading.Event()

    def run(self) -> None:
        try:
            with self.database.transaction() as connection:
                self.pid = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
                self.started_writing.set()
                SourceRecordStore(self.database).save_in(connection, self.records)
        except Exception as error:  # noqa: BLE001 (handed to the test, which raises it)
            self.error = error
        finally:
            self.started_writing.set()

    def finished(self) -> None:
        self.join(timeout=60)
        assert not self.is_alive(), "the second writer never finished"
        if self.error is not None:
            raise self.error


def waiting_or_done(database: Database, writer: Writer) -> bool:
    """True once ``writer`` has committed or is waiting for a lock another transaction holds (never a guess by
    time: the server's own lock table says so)."""
    if not writer.is_alive():
        return True
    with database.engine.connect() as connection:
        waiting = connection.execute(
            text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted"), {"pid": writer.pid}
        ).scalar_one()
    return bool(waiting)


def until(condition: Callable[[], bool]) -> None:
    for _ in range(600):  # a bound, not a timing assertion: each check is a query or a join of up to 0.1 s
        if condition():
            return
        threading.Event().wait(0.1)
    raise AssertionError("the second writer neither committed nor waited")


@pytest.fixture
def first_writer(postgres: Database) -> Iterator[Connection]:
    """An open transaction on a connection of its own, as a sync's batch in flight is."""
    with postgres.engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            if transaction.is_active:
                transaction.rollback()


def ids_of(database: Database, record_id: str) -> list[int]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id FROM source_records WHERE system = :s AND record_id = :r ORDER BY version"),
            {"s": HOUSING, "r": record_id},
        )
        return [int(pk) for pk in rows.scalars()]


def test_a_version_that_commits_after_a_later_one_is_still_raised_once(
    postgres: Database, first_writer: Connection
) -> None:
    place = housing_leads_addresses()
    first_versions_linked(postgres, place, ["H1", "H2"])

    # The first sync's batch draws its ids and stays open; a second sync of the same system then writes too.
    SourceRecordStore(postgres).save_in(first_writer, [version("H1", "7 Orchard Row", 1)])
    second = Writer(postgres, [version("H2", "9 Elm Street", 1)])
    second.start()
    second.started_writing.wait(30)
    until(lambda: waiting_or_done(postgres, second))

    passes = [detector(postgres, place).run()]  # while the first is still in flight
    first_writer.commit()
    second.finished()
    passes.append(detector(postgres, place).run())

    assert ids_of(postgres, "H1")[1] < ids_of(postgres, "H2")[1], "the first writer drew the lower id"
    raised = [change_id for report in passes for system in report.systems for change_id in system.change_ids]
    outbox = OutboxStore(postgres)
    changes = [outbox.change(change_id) for change_id in raised]
    told = sorted((c["resident_id"], c["fields"]["address_line_1"]) for c in changes if c is not None)
    assert told == [("R-H1", "7 Orchard Row"), ("R-H2", "9 Elm Street")], "neither change lost, none twice"
    with postgres.engine.connect() as connection:
        keys = {detected_key(HOUSING, r, 2, ChangeKind.ADDRESS): r for r in ("H1", "H2")}
        assert outbox.existing_keys_in(connection, keys) == set(keys)

    assert detector(postgres, place).run().raised == 0, "a later pass raises nothing again"
    DetectionStore(postgres).reset(HOUSING)
    again = detector(postgres, place).run([HOUSING])
    assert (again.raised, again.systems[0].already_raised) == (0, 2)


def test_two_writers_of_one_record_keep_both_versions_in_order(postgres: Database, first_writer: Connection) -> None:
    place = housing_leads_addresses()
    first_versions_linked(postgres, place, ["H1"])

    SourceRecordStore(postgres).save_in(first_writer, [version("H1", "7 Orchard Row", 1)])
    second = Writer(postgres, [version("H1", "9 Elm Street", 2)])
    second.start()
    second.started_writing.wait(30)
    until(lambda: waiting_or_done(postgres, second))
    first_writer.commit()
    second.finished()  # not a clash on (system, record, version): the second numbered its version after the first

    assert len(ids_of(postgres, "H1")) == 3
    current = SourceRecordStore(postgres).current(HOUSING, "H1")
    assert current is not None and current.version == 3 and current.raw["addressLine1"] == "9 Elm Street"
    report = detector(postgres, place).run()
    (housing,) = report.systems
    told = [outbox_change["fields"]["address_line_1"] for outbox_change in map(OutboxStore(postgres).change,
            housing.change_ids) if outbox_change is not None]  # fmt: skip
    assert told == ["7 Orchard Row", "9 Elm Street"], "both moves, in the order they were stored"
