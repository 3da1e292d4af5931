"""The REST connector's bulk writes against the simulated APIs' bulk endpoint, over real HTTP.

Many changes a request, each with its own idempotency key and version guard and its own answer: one item's
conflict, refusal or failure is that change's result only, a replayed batch is applied once, and a failure of the
request as a whole leaves every change to be tried again rather than dead-lettered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from joinedup.connectors.base import Change, WriteReceipt
from joinedup.connectors.rest import RestConfigError, RestConnector, RestUnavailableError
from joinedup.connectors.rest._bulk import bulk_results
from joinedup.connectors.rest.errors import RestProtocolError
from joinedup.sim.servers.rest_api import SimRestServer

FAST_RETRIES = {"attempts": 3, "backoff_seconds": 0.01, "backoff_max_seconds": 0.05}
_IDS = {"housing": "personRef", "gp": "PatientID", "waste": "property_id"}
_STAMPS = {"housing": ("lastUpdated", "2024-03-01T09:00:00Z"), "gp": ("LastAmended", "20240301"),
           "waste": ("updated", "2024-03-01")}  # fmt: skip


def _rows(system: str, count: int) -> list[dict[str, Any]]:
    updated, stamp = _STAMPS[system]
    return [{_IDS[system]: f"R{n:03d}", updated: stamp, "note": f"row {n}"} for n in range(count)]


@pytest.fixture
def server() -> Iterator[SimRestServer]:
    with SimRestServer({system: _rows(system, 30) for system in _IDS}, keep_alive=True) as running:
        yield running


def _connector(server: SimRestServer, system: str, **write: Any) -> RestConnector:
    connection = server.connection(system)
    connection["retries"] = FAST_RETRIES
    connection["write"] = {**connection["write"], **write}
    return RestConnector.from_connection(connection)


def _changes(count: int, prefix: str = "k", note: str = "moved") -> list[Change]:
    return [Change(f"R{n:03d}", {"note": f"{note} {n}"}, f"{prefix}-{n}") for n in range(count)]


@pytest.mark.parametrize("system", ["housing", "gp", "waste"])
def test_a_batch_goes_max_batch_changes_to_a_request(server: SimRestServer, system: str) -> None:
    with _connector(server, system, max_batch=10, concurrency=2) as connector:
        before = server.request_count(system)
        results = connector.write_many(_changes(25))
        requests = server.request_count(system) - before - (1 if system == "gp" else 0)  # gp fetches a token first
    assert all(isinstance(r, WriteReceipt) and r.accepted for r in results), results
    assert [r.record_id for r in results if isinstance(r, WriteReceipt)] == [f"R{n:03d}" for n in range(25)]
    assert requests == 3  # 25 changes, 10 a request
    writes = server.writes(system)
    assert len(writes) == 25 and all(w.bulk and not w.replayed for w in writes)
    assert server.record(system, "R024")["note"] == "moved 24"


def test_a_replayed_batch_is_applied_once_even_after_the_record_changed_meanwhile(server: SimRestServer) -> None:
    with _connector(server, "housing") as connector:
        batch = _changes(3)
        first = connector.write_many(batch)
        server.change_record("housing", "R001", {"note": "changed by housing staff"})
        again = connector.write_many(batch)  # a worker killed before recording the receipts sends the batch again
    assert [isinstance(r, WriteReceipt) and r.accepted for r in first + again] == [True] * 6
    assert server.record("housing", "R001")["note"] == "changed by housing staff"  # not written over by the replay
    assert [w.replayed for w in server.writes("housing")] == [False] * 3 + [True] * 3


def test_one_items_failure_is_that_changes_outage_and_its_retry_is_taken(server: SimRestServer) -> None:
    server.faults("waste").fail_records = {"R001"}
    server.faults("waste").fail_status = 503
    with _connector(server, "waste") as connector:
        results = connector.write_many(_changes(3))
        assert isinstance(results[1], RestUnavailableError)
        assert [isinstance(r, WriteReceipt) and r.accepted for r in (results[0], results[2])] == [True, True]
        assert server.record("waste", "R001")["note"] == "row 1"
        server.faults("waste").fail_records = set()
        retried = connector.write_many(_changes(3)[1:2])
    assert isinstance(retried[0], WriteReceipt) and retried[0].accepted
    assert server.record("waste", "R001")["note"] == "moved 1"


def test_a_failed_request_is_retried_whole_and_each_change_applied_once(server: SimRestServer) -> None:
    with _connector(server, "gp") as connector:
        connector.credentials.headers()  # fetch the token first, so the failure falls on the bulk request
        server.faults("gp").fail_next = 1
        before = server.request_count("gp")
        results = connector.write_many(_changes(4))
        assert server.request_count("gp") - before == 2
    assert all(isinstance(r, WriteReceipt) and r.accepted for r in results), results
    assert len(server.writes("gp")) == 4  # the failed attempt applied nothing; the retry applied each once


def test_an_outage_through_the_retries_is_every_changes_error_not_a_refusal(server: SimRestServer) -> None:
    server.faults("housing").fail_next = 10
    with _connector(server, "housing") as connector:
        results = connector.write_many(_changes(3))
    assert [type(r) for r in results] == [RestUnavailableError] * 3
    assert server.writes("housing") == []


def test_a_batch_refused_as_a_whole_is_written_change_by_change(server: SimRestServer) -> None:
    server.faults("waste").fail_status, server.faults("waste").fail_next = 422, 1  # all-or-nothing validation
    server.faults("waste").fail_records = {"R001"}  # ... because of this one change, which it refuses alone too
    with _connector(server, "waste") as connector:
        results = connector.write_many(_changes(3))
    assert [(r.accepted, r.detail) for r in results if isinstance(r, WriteReceipt)] == [
        (True, "HTTP 200"), (False, "refused (HTTP 422)"), (True, "HTTP 200")
    ]  # fmt: skip
    assert [(w.record_id, w.bulk) for w in server.writes("waste")] == [("R000", False), ("R002", False)]


def test_a_bulk_endpoint_that_is_not_there_falls_back_to_one_request_a_change(server: SimRestServer) -> None:
    with _connector(server, "waste", batch_path="/records/bulk-that-is-not-there") as connector:
        results = connector.write_many(_changes(2))
    assert all(isinstance(r, WriteReceipt) and r.accepted for r in results), results
    assert [w.bulk for w in server.writes("waste")] == [False, False]


def test_bulk_writes_need_patch() -> None:
    with pytest.raises(RestConfigError, match="method must be PATCH"):
        RestConnector.from_connection(
            {"base_url": "http://127.0.0.1:9", "write": {"batch_path": "/records/batch", "method": "PUT"}}
        )


def test_items_are_matched_by_key_and_an_unanswered_one_is_an_error_to_retry() -> None:
    changes = _changes(3)
    body = {"results": [
        {"idempotency_key": "k-2", "status": 412},
        {"idempotency_key": "k-0", "status": 200},
    ]}  # fmt: skip
    results = bulk_results(changes, body, "POST /records/batch")
    assert results[0] == WriteReceipt("R000", True, "HTTP 200")
    assert isinstance(results[1], RestProtocolError)
    assert results[2] == WriteReceipt("R002", False, "conflict")
    assert all(isinstance(r, RestProtocolError) for r in bulk_results(changes, {"oops": 1}, "POST /x"))
