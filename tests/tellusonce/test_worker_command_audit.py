"""`joinedup worker` never lets a delivery leave without its disclosure audit.

The audit of a delivery needs the place file's subscriptions and agreements, which neither a connections file nor
the database holds; so ``--connections`` alone is refused before anything is claimed or sent (exit 2, saying to
give ``--place``), and with both each delivery the system took is a disclosure entry in the audit log.
"""

from __future__ import annotations

import json
from pathlib import Path

from joinedup.audit import AuditLog, Channel, DisclosureEvent
from joinedup.place import demo_place_path
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.tellusonce import MappingRecordDirectory, OutboxStore

from .support import desk_for, move, resident_in
from .test_cli_and_demo import joinedup

TARGETS = ("housing", "gp")


def _connections_file(running: SimulatedPlace, folder: Path) -> None:
    systems = {code: entry for code, entry in running.connections().items() if code in TARGETS}
    (folder / "connections.json").write_text(json.dumps({"systems": systems}), encoding="utf-8")


def _disclosures(database: Database) -> list[DisclosureEvent]:
    with database.transaction() as connection:
        events = [entry.event for entry in AuditLog().read_in(connection)]
    return [e for e in events if isinstance(e, DisclosureEvent) and e.channel is Channel.DELIVERY]


def test_connections_without_the_place_file_are_refused_before_anything_is_sent(
    database: Database, database_url: str, running: SimulatedPlace, directory: MappingRecordDirectory,
    tmp_path: Path,
) -> None:  # fmt: skip
    _connections_file(running, tmp_path)
    told = desk_for(database, directory).tell(move(resident_in(directory, TARGETS)))

    ran = joinedup("worker", "--once", "--connections", "connections.json", database_url=database_url, cwd=tmp_path)

    assert ran.returncode == 2, ran.stdout + ran.stderr
    said = " ".join(ran.stderr.split())
    assert "no place file" in said and "--place PLACE.yaml" in said and "audit log" in said
    assert {row.status for row in OutboxStore(database).of_change(told.change_id)} == {"pending"}
    assert running.rest is not None and all(running.rest.writes(system) == [] for system in TARGETS)
    assert _disclosures(database) == []


def test_with_the_place_file_each_delivery_through_the_connections_file_is_a_disclosure_entry(
    database: Database, database_url: str, running: SimulatedPlace, directory: MappingRecordDirectory,
    tmp_path: Path,
) -> None:  # fmt: skip
    _connections_file(running, tmp_path)
    resident = resident_in(directory, TARGETS)
    told = desk_for(database, directory).tell(move(resident))

    ran = joinedup(
        "worker", "--once", "--place", str(demo_place_path()), "--connections", "connections.json",
        database_url=database_url, cwd=tmp_path,
    )  # fmt: skip

    assert ran.returncode == 0, ran.stderr
    rows = OutboxStore(database).of_change(told.change_id)
    delivered = sorted(row.system for row in rows if row.status == "delivered")
    assert delivered == sorted(TARGETS)
    disclosed = _disclosures(database)
    assert sorted(e.actor.person_id for e in disclosed) == [f"system:{system}" for system in sorted(TARGETS)]
    assert all(e.subject_resident_id == resident and e.agreement_code for e in disclosed)
