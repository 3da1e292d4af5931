"""The REST connector passes the conformance suite against the simulated housing, GP and waste APIs.

One subclass per pagination style: housing pages by number, the GP system by cursor, waste by Link header.
Each runs on the synthetic place's own records, served over real HTTP with small pages so every read spans
many of them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest

from joinedup.connectors.base import Capability
from joinedup.connectors.rest import RestConnector
from joinedup.sim import SyntheticPlace
from joinedup.sim.servers.rest_api import SimRestServer

from .conformance import ConnectorConformance, Harness

_WRITABLE = {"housing": "addressLine1", "gp": "AddressLine1", "waste": "property_address"}
_PHONE = {"housing": "phoneNumber", "gp": "Telephone", "waste": "contact_phone"}


@functools.cache
def _place_rows(system: str) -> tuple[dict[str, Any], ...]:
    rows: list[dict[str, Any]] = []
    for batch in SyntheticPlace(people=150, seed=11).batches():
        if batch.system == system:
            rows.extend(batch.native_rows())
    return tuple(rows)


def _native_rows(system: str, limit: int = 40) -> list[dict[str, Any]]:
    return [dict(row) for row in _place_rows(system)[:limit]]


def _harness(system: str, *, bulk: bool = True) -> Iterator[Harness]:
    rows = _native_rows(system)
    assert len(rows) >= 10, "the synthetic place should give this system enough records to page through"
    server = SimRestServer({system: rows}, keep_alive=True).start()  # the connector is closed: nothing lingers
    connection = server.connection(system)
    connection["pagination"]["per_page"] = 7
    assert connection["write"]["batch_path"], "the simulated APIs declare their bulk write endpoint"
    if not bulk:
        connection["write"] = {}  # one request per change
    else:
        connection["write"] = {**connection["write"], "max_batch": 2}  # a batch of three spans two requests
    connector = RestConnector.from_connection(connection)
    id_field = server.profile(system).id_field
    added: list[str] = []

    def add_record() -> str:
        record = {**rows[0], id_field: f"NEW{len(added):05d}"}
        added.append(server.add_record(system, record))
        return added[-1]

    try:
        yield Harness(
            connector=connector,
            seeded_ids={str(row[id_field]) for row in rows},
            change_record=lambda record_id: server.change_record(system, record_id, {_PHONE[system]: "01632 960001"}),
            add_record=add_record,
            read_back=lambda record_id: server.record(system, record_id),
            writable_field=_WRITABLE[system],
            stop_system=server.stop,
            stale_version='"0123456789abcdef0123"',  # an entity tag no record of the system has
            refused_field="noSuchField",  # the system answers 422 for a field it does not hold
        )
    finally:
        connector.close()
        server.stop()


class TestHousingPageNumbers(ConnectorConformance):
    @pytest.fixture
    def harness(self) -> Iterator[Harness]:
        yield from _harness("housing")


class TestGpCursor(ConnectorConformance):
    @pytest.fixture
    def harness(self) -> Iterator[Harness]:
        yield from _harness("gp")


class TestWasteLinkHeader(ConnectorConformance):
    @pytest.fixture
    def harness(self) -> Iterator[Harness]:
        yield from _harness("waste")


# The same systems with no bulk endpoint declared: one request per change, each its own outcome just the same.
class TestHousingPerRecordWrites(ConnectorConformance):
    @pytest.fixture
    def harness(self) -> Iterator[Harness]:
        yield from _harness("housing", bulk=False)


class TestGpPerRecordWrites(ConnectorConformance):
    @pytest.fixture
    def harness(self) -> Iterator[Harness]:
        yield from _harness("gp", bulk=False)


class TestWastePerRecordWrites(ConnectorConformance):
    @pytest.fixture
    def harness(self) -> Iterator[Harness]:
        yield from _harness("waste", bulk=False)


def test_every_style_declares_incremental_reads_and_writes() -> None:
    for system in ("housing", "gp", "waste"):
        with SimRestServer({system: _native_rows(system, limit=3)}) as server:
            capabilities = RestConnector.from_connection(server.connection(system)).describe().capabilities
        assert capabilities == {Capability.READ_ALL, Capability.READ_CHANGES, Capability.WRITE, Capability.WRITE_MANY}
