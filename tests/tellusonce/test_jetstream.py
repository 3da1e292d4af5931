"""NATS JetStream as the transport, for real (the server on 127.0.0.1:4222): two workers share the stream and
every target has each change once, in order."""

from __future__ import annotations

import threading
import time
import uuid

from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.tellusonce import DeliveryWorker, JetStreamSettings, JetStreamWorker, MappingRecordDirectory

from .support import desk_for, move, pool_for, record_of

REST = ("housing", "gp", "waste")


def test_two_workers_deliver_through_jetstream_once_each_in_order(
    database: Database, running: SimulatedPlace, directory: MappingRecordDirectory
) -> None:
    residents = [r for r in directory.residents() if {s for s, _ in directory.records_of(r)} >= set(REST)][:8]
    desk = desk_for(database, directory)
    for round_number in (1, 2):
        for resident in residents:
            desk.tell(move(resident, address_line_1=f"{round_number} Broker Road"))
    tag = uuid.uuid4().hex[:8]
    settings = JetStreamSettings(stream=f"TUO_{tag}", subject_prefix=f"tuo-{tag}", consumer=f"workers-{tag}")
    workers = [
        JetStreamWorker(DeliveryWorker(database, pool_for(running, REST), batch_size=5), settings).connect()
        for _ in range(2)
    ]
    outbox = workers[0].outbox

    def served() -> dict[str, int]:
        found: dict[str, int] = {}
        for row in outbox.list(limit=1000):
            if row.system in REST:
                found[row.status] = found.get(row.status, 0) + 1
        return found

    total = sum(served().values())
    done = threading.Event()
    failures: list[BaseException] = []

    def loop(each: JetStreamWorker) -> None:
        try:
            while not done.is_set():
                if each.run_once() == 0:
                    time.sleep(0.02)
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            failures.append(error)

    threads = [threading.Thread(target=loop, args=(each,)) for each in workers]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while served() != {"delivered": total} and time.monotonic() < deadline and not failures:
            time.sleep(0.1)
    finally:
        done.set()
        for thread in threads:
            thread.join(10)
        workers[0].delete_stream()
        for each in workers:
            each.close()
            each.worker.connectors.close()
    assert failures == []
    assert served() == {"delivered": total}
    assert running.rest is not None
    for resident in residents:
        record = record_of(directory, resident, "housing")
        applied = [w.fields["addressLine1"] for w in running.rest.writes("housing") if w.record_id == record]
        assert [a for a in applied] == ["1 Broker Road", "2 Broker Road"]
