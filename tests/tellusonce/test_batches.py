"""Deliveries written a batch at a time: each delivery keeps its own outcome, and none is written twice.

A worker round hands each system its share of the claimed deliveries as one ``write_many`` (one SQL transaction,
one change file, requests side by side). One change the system rejects, or whose record changed, must neither
fail nor double the others in its batch.
"""

from __future__ import annotations

from collections import Counter

from joinedup.connectors import Change
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.tellusonce import ChangeDesk, DeliveryRow, DeliveryWorker, MappingRecordDirectory, OutboxStore

from .support import governed, kettleby, move, pool_for, resident_in

MISSING = "NO-SUCH-RECORD-0"


def _residents(directory: MappingRecordDirectory, system: str, count: int) -> list[tuple[str, str]]:
    """``count`` residents held once in ``system``, with their record there."""
    chosen = []
    for skip in range(count):
        resident = resident_in(directory, [system], skip=skip)
        chosen.append((resident, next(r for s, r in directory.records_of(resident) if s == system)))
    return chosen


def _one_round(database: Database, running: SimulatedPlace, system: str) -> DeliveryWorker:
    worker = DeliveryWorker(database, pool_for(running, [system]))
    try:
        handled = worker.run_once()
    finally:
        worker.connectors.close()
    assert handled >= 4, "the deliveries were meant to go in one round, as one batch"
    return worker


def _tell(database: Database, system: str, pairs: list[tuple[str, str]], versions: object = None) -> list[int]:
    """One move each, told together; the last resident's record in ``system`` is one the system does not hold."""
    directory = MappingRecordDirectory.from_pairs(
        [(resident, system, record) for resident, record in pairs[:-1]] + [(pairs[-1][0], system, MISSING)]
    )
    place = kettleby()
    subscriptions = [s for s in place.subscriptions if s.system == system]
    desk = ChangeDesk(database, subscriptions, directory, governed(place), versions)  # type: ignore[arg-type]
    moves = [move(resident, address_line_1=f"{n} Batch Street") for n, (resident, _) in enumerate(pairs)]
    return [accepted.change_id for accepted in desk.tell_many(moves)]


def _outcomes(database: Database, change_ids: list[int]) -> list[tuple[str, int, str | None]]:
    store = OutboxStore(database)
    return [(row.status, row.attempts, row.reason) for change in change_ids for row in store.of_change(change)]


def test_one_rejected_change_in_a_rest_batch_leaves_the_others_delivered_once(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    pairs = _residents(directory, "housing", 5)
    changes = _tell(database, "housing", pairs)
    _one_round(database, running, "housing")

    outcomes = _outcomes(database, changes)
    assert outcomes[:-1] == [("delivered", 1, None)] * 4
    assert outcomes[-1] == ("dead", 1, "rejected by housing: not found")
    assert running.rest is not None
    written = Counter(w.record_id for w in running.rest.writes("housing") if w.status < 300)
    assert written == Counter(record for _, record in pairs[:-1])  # each once, the missing one never
    for n, (_, record) in enumerate(pairs[:-1]):
        assert running.rest.record("housing", record)["addressLine1"] == f"{n} Batch Street"


def test_a_sql_batch_with_a_missing_row_and_a_changed_row_writes_the_rest_once(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    pairs = _residents(directory, "adult-social-care", 5)
    sql = running.adult_social_care
    assert sql is not None
    before = {record: sql.read_client(record)["ROW_VER"] for _, record in pairs[:-1]}
    changed = pairs[1][1]

    class Versions:  # as ingest last read them; the second record has since been edited in the system
        def version_of(self, system: str, record_id: str, field: str) -> str | None:
            return str(before.get(record_id, 1))

    changes = _tell(database, "adult-social-care", pairs, Versions())
    sql.change_client(changed)  # a caseworker edits it after joinedup read it: the write must not overwrite
    _one_round(database, running, "adult-social-care")

    outcomes = _outcomes(database, changes)
    assert [status for status, _, _ in outcomes] == ["delivered", "held", "delivered", "delivered", "dead"]
    assert outcomes[-1][2] == "rejected by adult-social-care: not found"
    for n, (_, record) in enumerate(pairs[:-1]):
        client = sql.read_client(record)
        if record == changed:
            assert client["ADDR1"] != f"{n} Batch Street"
            assert client["ROW_VER"] == before[record] + 1  # the caseworker's edit only
        else:
            assert client["ADDR1"] == f"{n} Batch Street"
            assert client["ROW_VER"] == before[record] + 1  # written once


def test_a_file_drop_batch_is_one_file_whose_changes_are_applied_once(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    pairs = _residents(directory, "council-tax", 5)
    changes = _tell(database, "council-tax", pairs)
    _one_round(database, running, "council-tax")
    store = OutboxStore(database)
    rows = [row for change in changes for row in store.of_change(change)]
    assert [row.status for row in rows] == ["delivered"] * 5  # a file drop cannot tell a missing record at once
    assert len({(row.receipt or "").split(",")[0] for row in rows}) == 1, "one batch file, named in every receipt"

    export = running.council_tax
    assert export is not None
    export.import_changes()
    export.import_changes()  # the job runs again: nothing is applied twice
    for n, (_, record) in enumerate(pairs[:-1]):
        assert export.record(record)["ADDR1"] == f"{n} Batch Street"
    # The worker dies before recording and writes the same deliveries again, in a batch of another make-up.
    worker = DeliveryWorker(database, pool_for(running, ["council-tax"]))
    try:
        again = worker.connectors.submit(
            "council-tax", lambda connector: connector.write_many([_change(row) for row in reversed(rows)])
        ).result()
    finally:
        worker.connectors.close()
    assert all(getattr(result, "accepted", False) for result in again)
    export.change(pairs[0][1], ADDR1="Changed Since")  # a later edit the repeat must not undo
    assert export.import_changes() == 0
    assert export.record(pairs[0][1])["ADDR1"] == "Changed Since"


def _change(row: DeliveryRow) -> Change:
    return Change(row.record_id, row.fields, row.idempotency_key, row.expected_version)
