"""The REST connector against the simulated APIs over real HTTP: paging, auth, patience, cursors, writes, health."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from joinedup.connectors.base import Change, ConnectorError
from joinedup.connectors.rest import (
    RestAuthError,
    RestConfigError,
    RestConnector,
    RestUnavailableError,
)
from joinedup.sim.servers.rest_api import SimRestServer

FAST_RETRIES = {"attempts": 3, "backoff_seconds": 0.01, "backoff_max_seconds": 0.05}
_FIELDS = {  # (id field, updated field, a timestamp in the system's format) for each simulated system
    "housing": ("personRef", "lastUpdated", "2024-03-01T09:00:00Z"),
    "gp": ("PatientID", "LastAmended", "20240301"),
    "waste": ("property_id", "updated", "2024-03-01"),
}


def _rows(system: str, count: int, stamp: str | None = None) -> list[dict[str, Any]]:
    id_field, updated_field, default_stamp = _FIELDS[system]
    return [{id_field: f"R{n:03d}", updated_field: stamp or default_stamp, "note": f"row {n}"} for n in range(count)]


@pytest.fixture
def server() -> Iterator[SimRestServer]:
    with SimRestServer({system: _rows(system, 23) for system in _FIELDS}) as running:
        yield running


def _connector(server: SimRestServer, system: str, **overrides: Any) -> RestConnector:
    connection = server.connection(system)
    connection["pagination"]["per_page"] = 5
    connection["retries"] = FAST_RETRIES
    connection.update(overrides)
    return RestConnector.from_connection(connection)


# -- pagination --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("system", ["housing", "gp", "waste"])
def test_each_pagination_style_walks_every_page_in_order(server: SimRestServer, system: str) -> None:
    records = list(_connector(server, system).read())
    assert [r.record_id for r in records] == [f"R{n:03d}" for n in range(23)]
    assert server.request_count(system) - (1 if system == "gp" else 0) == 5  # 23 records, 5 a page; gp's token
    assert records[-1].location.description == "GET /records, page 5, item 3"


# -- authentication ----------------------------------------------------------------------------------------------


def test_a_refused_api_key_is_a_clear_error_without_the_key(server: SimRestServer) -> None:
    connector = _connector(server, "housing", auth={"type": "api-key", "header": "X-API-Key", "key": "wrong-key"})
    with pytest.raises(RestAuthError, match=r"GET /housing/records was refused \(HTTP 401\)") as caught:
        list(connector.read())
    assert "wrong-key" not in str(caught.value)
    assert server.request_count("housing") == 1  # a refusal is not retried


def test_oauth2_token_is_fetched_once_cached_and_renewed_after_expiry(server: SimRestServer) -> None:
    server.set_token_lifetime("gp", 1)
    connector = _connector(server, "gp")
    assert len(list(connector.read())) == 23
    assert len(list(connector.read())) == 23
    assert server.tokens_issued("gp") == 1
    time.sleep(1.05)
    assert len(list(connector.read())) == 23
    assert server.tokens_issued("gp") == 2


def test_oauth2_token_revoked_early_is_refreshed_once_on_401(server: SimRestServer) -> None:
    connector = _connector(server, "gp")
    list(connector.read())
    server.revoke_tokens("gp")
    assert len(list(connector.read())) == 23
    assert server.tokens_issued("gp") == 2


def test_oauth2_wrong_client_secret_is_a_clear_error(server: SimRestServer) -> None:
    connection = server.connection("gp")
    connection["auth"]["client_secret"] = "${GP_SECRET}"
    connector = RestConnector.from_connection(connection, env={"GP_SECRET": "not-the-secret"})
    with pytest.raises(RestAuthError, match="token endpoint refused the client credentials") as caught:
        list(connector.read())
    assert "not-the-secret" not in str(caught.value)
    assert server.tokens_issued("gp") == 0


# -- patience ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_are_honoured(server: SimRestServer, status: int) -> None:
    faults = server.faults("housing")
    faults.fail_next, faults.fail_status, faults.fail_retry_after = 1, status, "1"
    connector = _connector(server, "housing")
    started = time.monotonic()
    assert len(list(connector.read())) == 23
    waited = time.monotonic() - started
    assert 0.95 <= waited < 1.8
    assert server.request_count("housing") == 6


def test_retry_after_as_an_http_date_is_honoured(server: SimRestServer) -> None:
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    faults = server.faults("housing")
    faults.fail_next, faults.fail_status, faults.fail_retry_after = 1, 503, format_datetime(when, usegmt=True)
    started = time.monotonic()
    assert len(list(_connector(server, "housing").read())) == 23
    assert 0.9 <= time.monotonic() - started < 2.6  # the date has whole seconds, so the wait is between 1 and 2 s


def test_a_rate_limit_every_few_requests_only_slows_the_read(server: SimRestServer) -> None:
    faults = server.faults("waste")
    faults.rate_limit_every, faults.retry_after = 2, "0"
    records = list(_connector(server, "waste").read())
    assert len(records) == 23
    assert server.request_count("waste") == 9  # 5 pages, and a 429 answered before pages 2 to 5


def test_a_retry_after_longer_than_allowed_fails_at_once(server: SimRestServer) -> None:
    faults = server.faults("housing")
    faults.fail_next, faults.fail_status, faults.fail_retry_after = 1, 429, "3600"
    with pytest.raises(RestUnavailableError, match=r"asked us to wait 3600 s \(HTTP 429\)"):
        list(_connector(server, "housing", retries={**FAST_RETRIES, "max_retry_after_seconds": 60}).read())


def test_server_errors_are_retried_until_success(server: SimRestServer) -> None:
    server.faults("gp").fail_next = 2
    assert len(list(_connector(server, "gp").read())) == 23


def test_persistent_server_errors_fail_clearly_after_bounded_retries(server: SimRestServer) -> None:
    server.faults("housing").fail_next = 100
    with pytest.raises(RestUnavailableError, match=r"GET /housing/records answered HTTP 500, 3 attempt\(s\) made"):
        list(_connector(server, "housing").read())
    assert server.request_count("housing") == 3


def test_a_slow_answer_times_out_and_is_retried(server: SimRestServer) -> None:
    faults = server.faults("housing")
    faults.delay_seconds, faults.delay_next = 1.0, 1
    connector = _connector(server, "housing", timeouts={"connect": 1, "read": 0.2})
    assert len(list(connector.read())) == 23


def test_an_ever_slow_system_fails_with_a_timeout(server: SimRestServer) -> None:
    server.faults("housing").delay_seconds = 1.0
    connector = _connector(server, "housing", timeouts={"connect": 1, "read": 0.2}, retries={"attempts": 2})
    started = time.monotonic()
    with pytest.raises(RestUnavailableError, match=r"timed out, 2 attempt\(s\) made"):
        list(connector.read())
    assert time.monotonic() - started < 1.5


# -- incremental reads -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("system", ["housing", "gp", "waste"])
def test_equal_timestamps_are_neither_lost_nor_repeated(server: SimRestServer, system: str) -> None:
    id_field, updated_field, stamp = _FIELDS[system]
    connector = _connector(server, system)
    records = list(connector.read())
    assert len({r.cursor for r in records}) == 23  # one timestamp, yet every record moves the cursor on
    middle = records[10].cursor
    assert [r.record_id for r in connector.read(since=middle)] == [f"R{n:03d}" for n in range(11, 23)]
    assert list(connector.read(since=records[-1].cursor)) == []
    server.add_record(system, {id_field: "R500", updated_field: stamp, "note": "late"}, touch=False)
    assert [r.record_id for r in connector.read(since=records[-1].cursor)] == ["R500"]


def test_unsorted_api_gives_a_cursor_only_with_the_last_record(server: SimRestServer) -> None:
    records = list(_connector(server, "housing", sorted_by_updated=False).read())
    assert [r.cursor is not None for r in records] == [False] * 22 + [True]


# -- writes ------------------------------------------------------------------------------------------------------


def test_a_write_with_a_repeated_idempotency_key_is_applied_once(server: SimRestServer) -> None:
    connector = _connector(server, "waste")
    change = Change(record_id="R004", fields={"note": "bins moved"}, idempotency_key="change-77")
    first = connector.write(change)
    after_first = server.record("waste", "R004")
    second = connector.write(change)
    assert first.accepted and second.accepted
    assert after_first["note"] == "bins moved"
    assert server.record("waste", "R004") == after_first  # not stamped again
    assert [(w.idempotency_key, w.replayed) for w in server.writes("waste")] == [
        ("change-77", False),
        ("change-77", True),
    ]


def test_if_match_guards_against_a_lost_update(server: SimRestServer) -> None:
    connector = _connector(server, "housing")
    version = server.etag("housing", "R002")
    ok = connector.write(Change("R002", {"note": "first"}, "k-1", expected_version=version.strip('"')))
    assert ok.accepted, ok.detail
    stale = connector.write(Change("R002", {"note": "second"}, "k-2", expected_version=version))
    assert not stale.accepted
    assert stale.detail == "conflict"
    assert server.record("housing", "R002")["note"] == "first"
    assert server.writes("housing")[-1].if_match == version


def test_put_sends_the_whole_record(server: SimRestServer) -> None:
    connector = _connector(server, "gp", write={"method": "PUT"})
    receipt = connector.write(Change("R001", {"note": "put"}, "k-put"))
    assert receipt.accepted, receipt.detail
    assert server.writes("gp")[-1].method == "PUT"
    assert set(server.writes("gp")[-1].fields) == {"PatientID", "LastAmended", "note"}
    assert server.record("gp", "R001")["note"] == "put"


def test_writing_to_an_unknown_record_is_not_accepted(server: SimRestServer) -> None:
    receipt = _connector(server, "housing").write(Change("R999", {"note": "x"}, "k-9"))
    assert (receipt.accepted, receipt.detail) == (False, "not found")


# -- health ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("health_path", ["/health", None])
def test_health_follows_an_outage_and_the_restart(server: SimRestServer, health_path: str | None) -> None:
    connector = _connector(server, "gp", health_path=health_path)
    assert connector.health().ok
    port = server.url
    server.stop()
    down = connector.health()
    assert not down.ok
    assert "could not connect" in down.detail
    with pytest.raises(RestUnavailableError):
        list(connector.read())
    server.start()
    assert server.url == port
    assert connector.health().ok


# -- configuration -----------------------------------------------------------------------------------------------


def test_settings_read_secrets_from_the_environment(server: SimRestServer) -> None:
    connection = {**server.connection("housing"), "auth": None}
    connection["api_key"] = "${HOUSING_KEY}"
    connector = RestConnector.from_connection(connection, env={"HOUSING_KEY": "housing-sim-key"})
    assert len(list(connector.read())) == 23
    with pytest.raises(RestConfigError, match=r"connection\.api_key refers to environment variable HOUSING_KEY"):
        RestConnector.from_connection(connection, env={})


def test_unusable_settings_are_reported_by_field() -> None:
    with pytest.raises(RestConfigError, match=r"pagination\.style"):
        RestConnector.from_connection({"base_url": "http://127.0.0.1:9", "pagination": {"style": "offset"}})


def test_a_cursor_from_elsewhere_is_refused_as_a_connector_error(server: SimRestServer) -> None:
    with pytest.raises(ConnectorError, match="not a REST connector cursor"):
        list(_connector(server, "housing").read(since="page-7"))
