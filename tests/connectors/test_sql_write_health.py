"""The SQL connector writing back, checking health, and keeping passwords and personal data out of errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from joinedup.connectors.base import Change
from joinedup.connectors.sql import SqlConnector, SqlConnectorConfig
from joinedup.sim.servers.sql_database import AdultSocialCareDatabase

from ..databases import POSTGRES_URL
from .test_sql_backends import MARIADB_URL, asc, asc_native_rows, closed_port, empty_asc, sql_url  # noqa: F401

SECRET = "Sup3r-Secret-pw"
_OPEN: list[SqlConnector] = []


@pytest.fixture(autouse=True)
def _close_connectors() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def connector(connection: dict[str, Any]) -> SqlConnector:
    made = SqlConnector(SqlConnectorConfig.from_connection(connection))
    _OPEN.append(made)
    return made


def some_client(database: AdultSocialCareDatabase) -> str:
    return sorted(row["Person ID"] for row in asc_native_rows())[0]


def test_a_column_that_is_not_writable_is_refused(asc: AdultSocialCareDatabase) -> None:  # noqa: F811
    client = some_client(asc)
    before = asc.read_client(client)
    receipt = connector(asc.connection_config()).write(Change(client, {"SURNAME": "Other"}, idempotency_key="k"))
    assert not receipt.accepted
    assert "SURNAME" in receipt.detail and "not writable" in receipt.detail
    assert asc.read_client(client) == before


def test_a_write_with_a_stale_version_is_a_conflict(asc: AdultSocialCareDatabase) -> None:  # noqa: F811
    client = some_client(asc)
    sql = connector(asc.connection_config())
    seen = str(next(r for r in sql.read() if r.record_id == client).payload["ROW_VER"])
    asc.change_client(client)  # a caseworker edits the record after the hub read it
    stale = Change(client, {"ADDR1": "14 New Street"}, idempotency_key="k-2", expected_version=seen)
    receipt = sql.write(stale)
    assert (receipt.accepted, receipt.detail) == (False, "conflict")
    assert asc.read_client(client)["ADDR1"] != "14 New Street"
    current = str(asc.read_client(client)["ROW_VER"])
    fresh = Change(client, {"ADDR1": "14 New Street"}, idempotency_key="k-3", expected_version=current)
    assert sql.write(fresh).accepted
    assert asc.read_client(client)["ROW_VER"] == int(current) + 1
    # Sent again after a lost receipt: the row already says so, which is success, not a conflict.
    assert (sql.write(fresh).accepted, sql.write(fresh).detail) == (True, "unchanged")


def test_a_write_stamps_and_bumps_only_when_something_changes(asc: AdultSocialCareDatabase) -> None:  # noqa: F811
    client = some_client(asc)
    sql = connector(asc.connection_config())
    before = asc.read_client(client)
    assert sql.write(Change(client, {"TEL_NO": "01632 960123"}, idempotency_key="k")).detail == "updated"
    after = asc.read_client(client)
    assert after["ROW_VER"] == before["ROW_VER"] + 1
    assert after["LAST_UPDATED"] > before["LAST_UPDATED"]
    assert sql.write(Change(client, {"TEL_NO": "01632 960123"}, idempotency_key="k")).detail == "unchanged"
    assert asc.read_client(client) == after


def test_a_write_to_a_missing_record_is_not_accepted(asc: AdultSocialCareDatabase) -> None:  # noqa: F811
    receipt = connector(asc.connection_config()).write(Change("NO-SUCH", {"ADDR1": "1 Road"}, idempotency_key="k"))
    assert (receipt.accepted, receipt.detail) == (False, "not found")


def test_config_refuses_what_cannot_work(asc: AdultSocialCareDatabase) -> None:  # noqa: F811
    base = asc.connection_config()
    with pytest.raises(ValueError, match="exactly one"):
        SqlConnectorConfig.from_connection({**base, "query": "SELECT 1"})
    with pytest.raises(ValueError, match="cannot be writable"):
        SqlConnectorConfig.from_connection({**base, "writable_columns": ["ROW_VER"]})
    for query in ("DELETE FROM CLIENT", "SELECT 1; DROP TABLE CLIENT", "SELECT * FROM CLIENT FOR UPDATE"):
        with pytest.raises(ValueError, match="query must"):
            SqlConnectorConfig.from_connection({**base, "table": None, "writable_columns": [], "query": query})
    quoted = "SELECT 'DROP TABLE x; -- not code' AS note /* UPDATE */"
    assert SqlConnectorConfig.from_connection({**base, "table": None, "writable_columns": [], "query": quoted})


def _unreachable(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'asc.db'}"
    base = make_url(POSTGRES_URL if backend == "postgresql" else MARIADB_URL)
    return base.set(port=closed_port(), password=SECRET).render_as_string(hide_password=False)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_health_reports_an_unreachable_database_without_its_password(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = {
        "url": _unreachable(backend, tmp_path),
        "table": "CLIENT",
        "id_column": "CLIENT_REF",
        "timeout_seconds": 2,
    }
    sql = connector(config)
    with caplog.at_level(logging.DEBUG):
        health = sql.health()
    assert not health.ok
    assert health.checked_at is not None and health.checked_at.tzinfo is not None
    assert "not answering" in health.detail
    assert SECRET not in health.detail and SECRET not in caplog.text
    assert SECRET not in repr(sql) and SECRET not in repr(sql.config)
    with pytest.raises(SQLAlchemyError) as failure:
        list(sql.read())
    assert SECRET not in str(failure.value)


def test_health_is_ok_on_a_live_database(empty_asc: AdultSocialCareDatabase) -> None:  # noqa: F811
    health = connector(empty_asc.connection_config()).health()
    assert health.ok, health.detail


def test_a_wrong_password_is_never_repeated(sql_url: str, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    if sql_url.startswith("sqlite"):
        pytest.skip("SQLite has no passwords")
    url = make_url(sql_url).set(password=SECRET).render_as_string(hide_password=False)
    sql = connector({"url": url, "table": "NO_SUCH_TABLE", "id_column": "ID"})
    with caplog.at_level(logging.DEBUG), pytest.raises(SQLAlchemyError) as failure:
        list(sql.read())  # PostgreSQL (trust) lets us in and then the table is missing; MariaDB refuses the login
    assert SECRET not in str(failure.value) and SECRET not in caplog.text
    health = sql.health()
    assert SECRET not in health.detail


def test_errors_do_not_quote_the_values_written(asc: AdultSocialCareDatabase) -> None:  # noqa: F811
    client = some_client(asc)
    sql = connector(asc.connection_config())
    too_long = "Flat 99, " + "Very Long Personal Address Line " * 10  # longer than ADDR1 holds
    try:
        receipt = sql.write(Change(client, {"ADDR1": too_long}, idempotency_key="k"))
    except SQLAlchemyError as error:
        assert "Very Long Personal Address" not in str(error)
    else:
        assert asc.engine.dialect.name == "sqlite"  # the only one of the three that does not enforce VARCHAR lengths
        assert receipt.accepted
