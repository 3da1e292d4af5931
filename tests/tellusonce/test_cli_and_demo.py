"""`joinedup worker --once`, `changes list`, `changes dead-letters`, `changes retry` as an operator runs them,
and the demo's hook: one move told once, visible in the simulated systems' own data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from joinedup.place import demo_place_path
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.tellusonce import MappingRecordDirectory, OutboxStore

from .support import desk_for, move, record_of, resident_in

PLACE = str(demo_place_path())  # the worker audits each delivery under the place file's agreements
WORKER_ONCE = ("worker", "--once", "--place", PLACE, "--connections", "connections.json")


def joinedup(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
    return subprocess.run(
        [sys.executable, "-c", "from joinedup.cli import main; main()", *args, "--database-url", database_url],
        cwd=cwd, env=environment | {"COLUMNS": "220", "NO_COLOR": "1"}, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_the_worker_command_delivers_and_dead_letters_are_listed_and_retried(
    database: Database, database_url: str, running: SimulatedPlace, directory: MappingRecordDirectory,
    tmp_path: Path,
) -> None:  # fmt: skip
    systems = {code: entry for code, entry in running.connections().items() if code in ("housing", "gp")}
    (tmp_path / "connections.json").write_text(json.dumps({"systems": systems}), encoding="utf-8")
    assert running.rest is not None
    resident = resident_in(directory, ["housing", "gp"])
    housing_record = record_of(directory, resident, "housing")
    running.rest.faults("housing").fail_status, running.rest.faults("housing").fail_records = 404, {housing_record}
    accepted = desk_for(database, directory).tell(move(resident))

    ran = joinedup(*WORKER_ONCE, database_url=database_url, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    rows = {r.system: r for r in OutboxStore(database).of_change(accepted.change_id)}
    assert rows["gp"].status == "delivered" and rows["housing"].status == "dead"

    listed = joinedup("changes", "list", database_url=database_url, cwd=tmp_path)
    assert listed.returncode == 0 and "delivered" in listed.stdout and "HTTP 200" in listed.stdout
    dead = joinedup("changes", "dead-letters", database_url=database_url, cwd=tmp_path)
    assert "rejected by housing: not found" in dead.stdout and "1 dead or held" in dead.stdout
    running.rest.faults("housing").fail_records = set()  # the record is there again
    retried = joinedup("changes", "retry", str(rows["housing"].id), database_url=database_url, cwd=tmp_path)
    assert retried.returncode == 0 and "1 queued again" in retried.stdout
    again = joinedup("changes", "retry", str(rows["housing"].id), database_url=database_url, cwd=tmp_path)
    assert again.returncode == 1 and "not dead or held" in again.stderr
    joinedup(*WORKER_ONCE, database_url=database_url, cwd=tmp_path)
    final = OutboxStore(database).get(rows["housing"].id)
    assert final is not None and final.status == "delivered"


def test_the_demo_hook_shows_the_move_in_each_systems_own_data(database: Database, running: SimulatedPlace) -> None:
    from joinedup.cli.worker_commands import tell_once_in_simulated_place

    shown = tell_once_in_simulated_place(running, database, timeout_seconds=60)
    assert {"council-tax", "housing", "gp", "schools", "waste"} <= set(shown)
    assert all(entry["status"] == "delivered" for entry in shown.values()), shown
    held = {system: entry["held_by_system"] for system, entry in shown.items()}
    assert held["council-tax"]["ADDR1"] == "14 Mill Lane" and held["schools"]["Postcode"] == "KT1 4MX"
    assert held["housing"]["addressLine1"] == "14 Mill Lane" and held["gp"]["Postcode"] == "KT1 4MX"
    assert held["waste"]["property_address"] == "14 Mill Lane, Kettleby"
