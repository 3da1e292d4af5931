"""The worker as a real process: killed with SIGKILL mid-delivery and restarted, and on PostgreSQL with its
database connections cut under it. Every target must end with each change applied exactly once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from joinedup.place import demo_place_path
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.tellusonce import MappingRecordDirectory, OutboxStore

from ..databases import POSTGRES_URL
from .support import desk_for, eventually, move, record_of

TARGETS = ("housing", "gp", "waste", "council-tax")
CHANGES = 30


def start_worker(connections: Path, database_url: str, *extra: str) -> subprocess.Popen[bytes]:
    command = "from joinedup.cli import main; main()"
    log = connections.parent / f"worker-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as stderr:  # the child keeps its own copy of the handle
        return subprocess.Popen(
            [sys.executable, "-c", command, "worker", "--place", str(demo_place_path()), "--connections",
             str(connections), "--database-url", database_url, "--lease-seconds", "2", "--backoff-seconds", "0.05",
             "--batch-size", "5", *extra],
            stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ, "COLUMNS": "120"},
        )  # fmt: skip


def write_connections(running: SimulatedPlace, folder: Path) -> Path:
    systems = {code: entry for code, entry in running.connections().items() if code in TARGETS}
    for entry in systems.values():
        if entry["kind"] == "api":
            entry["connection"] = {**entry["connection"], "retries": {"attempts": 1}}
    path = folder / "connections.json"
    path.write_text(json.dumps({"systems": systems}), encoding="utf-8")
    return path


def residents_with_all(directory: MappingRecordDirectory, count: int) -> list[str]:
    chosen = []
    for resident in directory.residents():
        held = [system for system, _ in directory.records_of(resident)]
        if all(held.count(code) == 1 for code in TARGETS):
            chosen.append(resident)
        if len(chosen) == count:
            return chosen
    raise LookupError("not enough residents in every target")


def tell_changes(database: Database, directory: MappingRecordDirectory) -> dict[str, str]:
    """CHANGES moves, two for some residents; returns each resident's last address line."""
    residents = residents_with_all(directory, CHANGES // 2)
    desk, last = desk_for(database, directory), {}
    for round_number in (1, 2):
        for index, resident in enumerate(residents):
            line = f"{index + 1} Round {round_number} Road"
            desk.tell(move(resident, address_line_1=line))
            last[resident] = line
    return last


def counts(store: OutboxStore) -> dict[str, int]:
    """Deliveries by state, to the targets these workers serve (the residents' other systems are not served)."""
    found: dict[str, int] = {}
    for row in store.list(limit=10_000):
        if row.system in TARGETS:
            found[row.status] = found.get(row.status, 0) + 1
    return found


def assert_applied_once(running: SimulatedPlace, directory: MappingRecordDirectory, last: dict[str, str]) -> None:
    assert running.rest is not None and running.council_tax is not None
    for system, field in (("housing", "addressLine1"), ("gp", "AddressLine1")):
        for resident, line in last.items():
            record = record_of(directory, resident, system)
            assert running.rest.record(system, record)[field] == line
            applied = [w for w in running.rest.writes(system) if w.record_id == record and not w.replayed]
            assert [w.fields[field] for w in applied] == [line.replace("Round 2", "Round 1"), line]
    council_tax = running.council_tax
    assert council_tax.inbound_folder is not None
    assert eventually(lambda: not list(council_tax.inbound_folder.glob("*.json*")), timeout=10)  # type: ignore[union-attr]
    for resident, line in last.items():
        assert council_tax.record(record_of(directory, resident, "council-tax"))["ADDR1"] == line


def test_a_worker_killed_mid_delivery_and_restarted_applies_every_change_once(
    database: Database, database_url: str, running: SimulatedPlace, directory: MappingRecordDirectory,
    tmp_path: Path,
) -> None:  # fmt: skip
    assert running.rest is not None
    for system in ("housing", "gp", "waste"):
        running.rest.faults(
            system
        ).delay_seconds = 0.25  # slow writes (a bulk write carries several), so the kill lands mid-delivery
    last = tell_changes(database, directory)
    connections = write_connections(running, tmp_path)
    store = OutboxStore(database)
    total = sum(counts(store).values())
    assert total == len(TARGETS) * CHANGES

    first = start_worker(connections, database_url)
    try:
        assert eventually(lambda: counts(store).get("delivered", 0) >= 5, timeout=60)
        time.sleep(random.uniform(0.0, 0.3))
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert counts(store).get("delivered", 0) < total  # killed with work left
    finally:
        first.kill()
    second = start_worker(connections, database_url)
    try:
        assert eventually(lambda: counts(store) == {"delivered": total}, timeout=120), counts(store)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    assert second.returncode == 0
    assert_applied_once(running, directory, last)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_worker_whose_database_connections_are_cut_recovers_by_itself(
    database: Database, database_url: str, running: SimulatedPlace, directory: MappingRecordDirectory,
    tmp_path: Path,
) -> None:  # fmt: skip
    """The server itself is shared by other tests, so it is not restarted: every connection the worker holds is
    terminated (pg_terminate_backend), several times while it delivers, which is what a restart does to it."""
    assert running.rest is not None
    for system in ("housing", "gp", "waste"):
        running.rest.faults(system).delay_seconds = 0.1  # slow enough that the cuts land while it delivers
    last = tell_changes(database, directory)
    store = OutboxStore(database)
    total = sum(counts(store).values())
    assert total == len(TARGETS) * CHANGES
    name = f"tuo-{uuid.uuid4().hex[:10]}"
    worker = start_worker(write_connections(running, tmp_path), f"{database_url}&application_name={name}")
    admin = create_engine(POSTGRES_URL, poolclass=NullPool)
    cut = 0
    try:
        for _ in range(4):
            assert eventually(lambda: counts(store).get("delivered", 0) > 0, timeout=60)
            time.sleep(0.5)
            with admin.begin() as connection:
                cut += len(connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": name},
                ).all())  # fmt: skip
        assert eventually(lambda: counts(store) == {"delivered": total}, timeout=120), counts(store)
        assert worker.poll() is None  # still running: it recovered rather than exiting
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
        admin.dispose()
    assert cut >= 1
    assert_applied_once(running, directory, last)
