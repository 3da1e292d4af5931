"""Shared pieces for the tell-us-once tests: Kettleby's ground truth as a record directory, a running place."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from joinedup.governance import GovernedDeliveries
from joinedup.place import Place, demo_place_path, load_place
from joinedup.sim import SyntheticPlace
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.tellusonce import (
    ChangeDesk,
    ChangeKind,
    ChangeOfCircumstance,
    ConnectorPool,
    MappingRecordDirectory,
    connections_opener,
)

CONTROLLER = "kettleby-council"
NEW_ADDRESS = {"address_line_1": "14 Mill Lane", "address_line_2": "", "town": "Kettleby", "postcode": "KT1 4MX"}


def truth_directory(place: SyntheticPlace) -> MappingRecordDirectory:
    """Which record in each system belongs to whom, from the simulator's ground truth."""
    return MappingRecordDirectory.from_pairs(
        (person, batch.system, record) for batch in place.batches() for record, person in batch.truth
    )


def resident_in(directory: MappingRecordDirectory, systems: Iterable[str], *, skip: int = 0) -> str:
    """A resident with exactly one record in each of ``systems`` (the ``skip``-th such, for variety)."""
    wanted = set(systems)
    found = 0
    for resident in directory.residents():
        held = [system for system, _ in directory.records_of(resident)]
        if wanted <= set(held) and all(held.count(system) == 1 for system in wanted):
            if found == skip:
                return resident
            found += 1
    raise LookupError(f"no resident has one record in each of {sorted(wanted)}")


def record_of(directory: MappingRecordDirectory, resident: str, system: str) -> str:
    return next(record for held, record in directory.records_of(resident) if held == system)


def kettleby() -> Place:
    return load_place(demo_place_path())


def governed(place: Place | None = None) -> GovernedDeliveries:
    """Governance's delivery policy and audit for Kettleby's council as the controller."""
    return GovernedDeliveries.for_place(place or kettleby(), CONTROLLER)


def desk_for(database: Database, directory: MappingRecordDirectory, place: Place | None = None) -> ChangeDesk:
    place = place or kettleby()
    return ChangeDesk(database, place.subscriptions, directory, governed(place))


def pool_for(running: SimulatedPlace, systems: Iterable[str] | None = None, **overrides: Any) -> ConnectorPool:
    """Connectors to the running systems; REST retries trimmed so outage tests run quickly."""
    connections = running.connections()
    for entry in connections.values():
        if entry["kind"] == "api":
            entry["connection"] = {**entry["connection"], "retries": {"attempts": 1}, **overrides}
    wanted = set(systems) if systems is not None else set(connections)
    chosen = {code: entry for code, entry in connections.items() if code in wanted}
    return ConnectorPool(connections_opener(chosen, {}), {code: e["kind"] for code, e in chosen.items()})


def move(resident: str, **fields: str) -> ChangeOfCircumstance:
    return ChangeOfCircumstance(ChangeKind.ADDRESS, resident, {**NEW_ADDRESS, **fields})


def eventually(check: Callable[[], bool], timeout: float = 15.0, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()
