"""Schema drift in a REST API's records, against the simulated API over real HTTP: a field added, renamed or
gone stops the read with a message naming the change, the request, the position and the record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from joinedup.connectors.base import SchemaDriftError
from joinedup.connectors.rest import RestConnector, RestSchemaDriftError
from joinedup.sim.servers.rest_api import SimRestServer

FIELDS = ["personRef", "lastUpdated", "firstName", "lastName"]


def _rows(count: int) -> list[dict[str, Any]]:
    return [
        {"personRef": f"H{n:03d}", "lastUpdated": f"2024-03-01T09:{n:02d}:00Z", "firstName": "Ann", "lastName": "Lee"}
        for n in range(count)
    ]


@pytest.fixture
def server() -> Iterator[SimRestServer]:
    with SimRestServer({"housing": _rows(12)}) as running:
        yield running


def _connector(server: SimRestServer, **settings: Any) -> RestConnector:
    connection = server.connection("housing")
    connection["pagination"]["per_page"] = 5
    connection.update(settings)
    return RestConnector.from_connection(connection)


def _drift(connector: RestConnector) -> tuple[RestSchemaDriftError, int]:
    """The drift error a read stops with, and how many records were handed out before it."""
    read = 0
    with pytest.raises(RestSchemaDriftError) as raised:
        for _ in connector.read():
            read += 1
    return raised.value, read


@pytest.mark.parametrize("settings", [{"fields": FIELDS}, {}], ids=["listed fields", "first record's fields"])
def test_records_of_the_expected_shape_read_in_full(server: SimRestServer, settings: dict[str, Any]) -> None:
    assert len(list(_connector(server, **settings).read())) == 12


@pytest.mark.parametrize("settings", [{"fields": FIELDS}, {}], ids=["listed fields", "first record's fields"])
def test_a_field_added_to_one_record_stops_the_read_there(server: SimRestServer, settings: dict[str, Any]) -> None:
    server.change_record("housing", "H007", {"nickname": "Annie"})  # now the newest: last in the list
    error, read = _drift(_connector(server, **settings))
    assert read == 11, "every record before the drifting one is read"
    assert isinstance(error, SchemaDriftError), "ingest stops the source on any SchemaDriftError"
    assert (error.record_id, error.added, error.missing) == ("H007", ("nickname",), ())
    assert "fields added: nickname" in str(error) and "(record H007)" in str(error)
    assert "GET /records, page 3, item 2" in str(error)
    assert "Annie" not in str(error), "values are never part of the message"
    expected = "listed in the connection settings" if settings else "first record of this read"
    assert expected in str(error)


def test_a_renamed_field_is_named_both_ways(server: SimRestServer) -> None:
    record = server.record("housing", "H003")
    record["surname"] = record.pop("lastName")
    server.add_record("housing", record | {"personRef": "H100"})
    error, _ = _drift(_connector(server, fields=FIELDS))
    assert (error.record_id, error.added, error.missing) == ("H100", ("surname",), ("lastName",))
    assert "renamed or replaced? lastName -> surname" in str(error)


def test_a_lost_field_stops_the_read_unless_it_is_optional(server: SimRestServer) -> None:
    record = server.record("housing", "H004")
    del record["firstName"]
    server.add_record("housing", record | {"personRef": "H101"})
    error, _ = _drift(_connector(server, fields=FIELDS))
    assert (error.record_id, error.missing) == ("H101", ("firstName",))
    assert "fields missing: firstName" in str(error)
    # An API that leaves out empty values says so with optional_fields; the field is still known.
    assert len(list(_connector(server, fields=FIELDS, optional_fields=["firstName"]).read())) == 13


def test_a_whole_api_changed_between_reads_is_caught_only_with_listed_fields(server: SimRestServer) -> None:
    # Every record gains the field at once: a read compares with its own first record and sees no change,
    # which is why a place file should list the fields of an API it relies on.
    for record in server.records("housing"):
        server.change_record("housing", record["personRef"], {"tenure": "secure"})
    assert len(list(_connector(server).read())) == 12
    error, read = _drift(_connector(server, fields=FIELDS))
    assert read == 0 and error.added == ("tenure",)
