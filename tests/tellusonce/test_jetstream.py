"""NATS JetStream as the transport, for real (the server on 127.0.0.1:4222): two workers share the stream and
every target has each change once, in order."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.tellusonce import DeliveryWorker, JetStreamSettings, JetStreamWorker, MappingRecordDirectory, OutboxStore

from .support import desk_for, move, pool_for, record_of, resident_in

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


def test_the_worker_command_delivers_through_jetstream(
    database: Database, database_url: str, running: SimulatedPlace, directory: MappingRecordDirectory,
    tmp_path: Path,
) -> None:  # fmt: skip
    from .test_cli_and_demo import PLACE, joinedup

    systems = {code: entry for code, entry in running.connections().items() if code in ("housing", "gp")}
    (tmp_path / "connections.json").write_text(json.dumps({"systems": systems}), encoding="utf-8")
    resident = resident_in(directory, ["housing", "gp"])
    desk = desk_for(database, directory)
    first = desk.tell(move(resident, address_line_1="1 Stream Street"))
    second = desk.tell(move(resident, address_line_1="2 Stream Street"))
    stream = f"TUO_CLI_{uuid.uuid4().hex[:8].upper()}"
    try:
        ran = joinedup(
            "worker", "--once", "--transport", "nats", "--nats-stream", stream, "--place", PLACE, "--connections",
            "connections.json", database_url=database_url, cwd=tmp_path,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
    finally:
        cleaner = JetStreamWorker(DeliveryWorker(database, pool_for(running, [])), JetStreamSettings.named(stream))
        cleaner.connect().delete_stream()
        cleaner.close()
    outbox = OutboxStore(database)
    statuses = [row.status for change in (first, second) for row in outbox.of_change(change.change_id)
                if row.system in systems]  # fmt: skip
    assert statuses == ["delivered"] * 4
    assert running.rest is not None
    record = record_of(directory, resident, "housing")
    applied = [w.fields["addressLine1"] for w in running.rest.writes("housing") if w.record_id == record]
    assert applied == ["1 Stream Street", "2 Stream Street"]


def test_the_worker_command_says_when_nats_cannot_be_reached(database_url: str, tmp_path: Path) -> None:
    from .test_cli_and_demo import PLACE, joinedup

    (tmp_path / "connections.json").write_text(json.dumps({"systems": {}}), encoding="utf-8")
    ran = joinedup(
        "worker", "--once", "--transport", "nats", "--nats-url", "nats://127.0.0.1:1", "--place", PLACE,
        "--connections", "connections.json", database_url=database_url, cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 3 and "could not reach NATS at nats://127.0.0.1:1" in ran.stderr
