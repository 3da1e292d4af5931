"""The simulated APIs' bulk write endpoint, spoken to over HTTP without the connector: item by item, each key once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from joinedup.sim.servers.rest_api import SimRestServer

_ROWS = [{"property_id": f"P{n}", "updated": "2024-03-01", "note": f"row {n}"} for n in range(4)]
_KEY = {"apikey": "waste-sim-key"}


@pytest.fixture
def server() -> Iterator[SimRestServer]:
    with SimRestServer({"waste": [dict(row) for row in _ROWS]}) as running:
        yield running


def _post(server: SimRestServer, body: Any) -> httpx.Response:
    return httpx.post(f"{server.base_url('waste')}/records/batch", json=body, headers=_KEY, timeout=10)


def test_each_item_is_answered_on_its_own_and_applied_once(server: SimRestServer) -> None:
    stale = '"0000"'
    body = {"changes": [
        {"id": "P0", "idempotency_key": "a", "if_match": None, "fields": {"note": "taken"}},
        {"id": "P1", "idempotency_key": "b", "if_match": stale, "fields": {"note": "stale"}},
        {"id": "P2", "idempotency_key": "c", "fields": {"not_a_field": "x"}},
        {"id": "P9", "idempotency_key": "d", "fields": {"note": "nobody"}},
        {"idempotency_key": "e", "fields": {}},
    ]}  # fmt: skip
    first = _post(server, body)
    assert first.status_code == 200
    answered = [(r["idempotency_key"], r["status"]) for r in first.json()["results"]]
    assert answered == [("a", 200), ("b", 412), ("c", 422), ("d", 404), ("e", 400)]
    assert first.json()["results"][0]["etag"] == server.etag("waste", "P0")
    assert server.record("waste", "P0")["note"] == "taken"
    assert server.record("waste", "P1")["note"] == "row 1"

    server.change_record("waste", "P0", {"note": "changed by the waste team"})
    again = _post(server, body)
    assert again.json()["results"][0]["status"] == 200 and again.json()["results"][0]["replayed"] is True
    assert server.record("waste", "P0")["note"] == "changed by the waste team"  # key "a" is not applied twice
    assert [w.replayed for w in server.writes("waste") if w.idempotency_key == "a"] == [False, True]


def test_a_failing_record_fails_only_its_item(server: SimRestServer) -> None:
    server.faults("waste").fail_records = {"P1"}
    server.faults("waste").fail_status = 503
    body = {"changes": [
        {"id": f"P{n}", "idempotency_key": f"k{n}", "fields": {"note": f"new {n}"}} for n in range(3)
    ]}  # fmt: skip
    statuses = [r["status"] for r in _post(server, body).json()["results"]]
    assert statuses == [200, 503, 200]
    assert [server.record("waste", f"P{n}")["note"] for n in range(3)] == ["new 0", "row 1", "new 2"]


def test_a_body_without_a_list_of_changes_is_refused_whole(server: SimRestServer) -> None:
    assert _post(server, {"items": []}).status_code == 400
    assert httpx.post(f"{server.base_url('waste')}/records/batch", json={"changes": []}, timeout=10).status_code == 401
