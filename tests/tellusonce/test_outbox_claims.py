"""Claiming from the outbox: workers claiming at once never take the same delivery, and a resident's later
delivery to a system waits for the earlier one. On SQLite and PostgreSQL (``FOR UPDATE SKIP LOCKED``)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from joinedup.store import Database
from joinedup.store.tellusonce_outbox import DeliveryRow, NewChange, NewDelivery, OutboxStore, Outcome


def _told(outbox: OutboxStore, residents: list[str]) -> list[int]:
    now = datetime.now(UTC)
    batch = [
        (NewChange("person.address-changed", resident, {"postcode": "KT1 1AA"}, "api", "test", now),
         [NewDelivery("housing", f"H-{resident}", {"postCode": "KT1 1AA"})])
        for resident in residents
    ]  # fmt: skip
    with outbox.database.transaction() as connection:
        return outbox.add_changes_in(connection, batch)


def test_workers_claiming_at_once_never_take_the_same_delivery(database: Database) -> None:
    outbox = OutboxStore(database)
    _told(outbox, [f"R{n}" for n in range(120)])
    taken: dict[str, list[int]] = {"a": [], "b": []}
    failures: list[BaseException] = []

    def claim_all(owner: str) -> None:
        try:
            while rows := outbox.claim(owner, 7, systems=["housing"]):
                taken[owner].extend(row.id for row in rows)
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            failures.append(error)

    threads = [threading.Thread(target=claim_all, args=(owner,)) for owner in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert not set(taken["a"]) & set(taken["b"])
    assert len(taken["a"]) + len(taken["b"]) == 120
    assert outbox.counts() == {"in_flight": 120}


def test_a_residents_later_delivery_waits_for_the_earlier_one(database: Database) -> None:
    outbox = OutboxStore(database)
    first, second = _told(outbox, ["R1", "R1"])
    (claimed,) = outbox.claim("w", 10)
    assert claimed.change_id == first, "the second move is not claimable while the first is in flight"
    assert outbox.claim("w", 10) == []
    outbox.record("w", [Outcome(claimed.id, "delivered", receipt="HTTP 200")])
    (after,) = outbox.claim("w", 10)
    assert after.change_id == second


def test_recording_with_the_claimed_rows_hands_on_the_rows_as_stored(database: Database) -> None:
    outbox = OutboxStore(database)
    _told(outbox, ["R1", "R2", "R3"])
    claimed = outbox.claim("w", 10)
    later = outbox.claim("late", 10)  # nothing left: the three are w's
    assert later == [] and len(claimed) == 3
    seen: list[list[DeliveryRow]] = []
    outcomes = [Outcome(claimed[0].id, "delivered", receipt="HTTP 200"),
                Outcome(claimed[1].id, "dead", reason="rejected by housing: not found"),
                Outcome(claimed[2].id, "delivered", receipt="HTTP 201")]  # fmt: skip
    outbox.record("w", outcomes, on_delivered=lambda _, rows: seen.append(list(rows)), claimed=claimed)
    (handed,) = seen
    assert handed == [outbox.get(claimed[0].id), outbox.get(claimed[2].id)]  # as a fresh read would give them
    assert [row.status for row in handed] == ["delivered", "delivered"]
