"""A REST source whose payload changes shape stops, on both backends, with the change, the source and the record
named; what was read before the drifting record is kept, and the source stays stopped until someone acts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest

from joinedup.connectors.rest import RestConnector
from joinedup.ingest import check_mappings, compile_mapping
from joinedup.ingest.sync import RecordMapper, SourceSync
from joinedup.model import EntityType
from joinedup.place import load_place_text
from joinedup.sim.servers.rest_api import SimRestServer
from joinedup.store import Database
from joinedup.store.ingest_state import SyncStateStore
from joinedup.store.place_registry import register_place
from joinedup.store.source_records import SourceRecordStore

PLACE = """\
place: {name: Testshire, code: testshire}
organisations:
  - {code: council, name: Council, type: local-authority}
systems:
  - {code: housing, name: Housing, organisation: council, kind: api, entity: person,
     connection: {base_url: "http://127.0.0.1:1/housing"}}
mappings:
  - system: housing
    fields:
      - {source: personRef, target: record_id}
      - {source: firstName, target: given_name}
      - {source: lastName, target: family_name}
"""
FIELDS = ["personRef", "lastUpdated", "firstName", "lastName", "tenancyRef"]


@pytest.fixture
def server() -> Iterator[SimRestServer]:
    rows = [
        {"personRef": f"H{n:03d}", "lastUpdated": f"2024-03-01T09:{n:02d}:00Z", "firstName": "Ann",
         "lastName": f"Lee{n}", "tenancyRef": f"T{n}"}
        for n in range(30)
    ]  # fmt: skip
    with SimRestServer({"housing": rows}) as running:
        yield running


def _sync(database: Database, server: SimRestServer, **settings: Any) -> tuple[SourceSync, RestConnector]:
    place = load_place_text(PLACE, checks=[check_mappings])
    register_place(database, place)
    connection = server.connection("housing") | settings
    connection["pagination"]["per_page"] = 10
    connector = RestConnector.from_connection(connection)
    mapper = RecordMapper("housing", EntityType.PERSON, compile_mapping(place.mappings[0]))
    return SourceSync(database, connector, mapper, batch_size=4), connector


def test_an_unmapped_field_added_by_the_api_stops_the_source(database: Database, server: SimRestServer) -> None:
    sync, connector = _sync(database, server, fields=FIELDS)
    with closing(connector):
        assert sync.run().saved.new == 30
    # The API starts sending a field the mapping does not read: loading on would hide it, so the source stops.
    server.change_record("housing", "H004", {"tenancyStatus": "ended"})
    server.change_record("housing", "H009", {"firstName": "Anna"})  # a real change, listed after H004
    sync, connector = _sync(database, server, fields=FIELDS)
    with closing(connector):
        report = sync.run()
    assert report.status == "stopped"
    assert report.error is not None
    assert "schema drift" in report.error and "fields added: tenancyStatus" in report.error
    assert "(record H004)" in report.error and "GET /records" in report.error
    state = SyncStateStore(database).get("housing")
    assert state.stopped == report.error, "the source is stopped with the reason until someone acts"
    assert SourceRecordStore(database).current("housing", "H009").raw["firstName"] == "Ann", "nothing after it"
    sync, connector = _sync(database, server, fields=FIELDS)
    with closing(connector):
        again = sync.run()
    assert (again.status, again.saved.total) == ("stopped", 0), "a stopped source is not read again"


def test_a_renamed_mapped_field_stops_the_source_instead_of_loading_blanks(
    database: Database, server: SimRestServer
) -> None:
    sync, connector = _sync(database, server)  # no list: each read's first record sets the shape
    record = server.record("housing", "H002")
    record["surname"] = record.pop("lastName")
    server.add_record("housing", record | {"personRef": "H900"})
    with closing(connector):
        report = sync.run()
    assert report.status == "stopped" and report.error is not None
    assert "renamed or replaced? lastName -> surname" in report.error and "(record H900)" in report.error
    assert SourceRecordStore(database).current("housing", "H900") is None
    assert SourceRecordStore(database).current("housing", "H029") is not None, "records before it are kept"
