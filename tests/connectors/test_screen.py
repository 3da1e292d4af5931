"""The screen connector against the simulated legacy children's services application, in a real headless Chromium."""

from __future__ import annotations

import copy
import os
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

from joinedup.connectors.base import Capability, Change, Connector, ConnectorError, SchemaDriftError
from joinedup.connectors.screen import (
    ScreenConfig,
    ScreenConfigError,
    ScreenConnector,
    ScreenLoginError,
    ScreenSelectorError,
)
from joinedup.sim import SyntheticPlace
from joinedup.sim.servers.legacy_web import LegacyWebApp
from joinedup.sim.servers.place_servers import SCREEN_SETTINGS

from .conformance import ConnectorConformance, Harness

pytest.importorskip("playwright.sync_api", reason="the 'browser' extra is not installed")
if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("no Chromium: run scripts/install-browser.sh", allow_module_level=True)

USERNAME = "caseworker"
PAGE_SIZE = 8  # small pages: several of them from a couple of dozen cases keeps the suite quick

# How the simulated application's screens are read: the example in docs/connectors/screen.md.
# The screens as the simulated app lays them out: the same configuration the demo uses.
SIM_SCREENS: dict[str, Any] = {
    section: SCREEN_SETTINGS[section] for section in ("login", "list", "detail", "search", "edit")
}


def childrens_rows(people: int, seed: int = 7) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for batch in SyntheticPlace(people=people, seed=seed).batches():
        if batch.system == "childrens-services":
            rows.extend(batch.native_rows())
    return rows


def connection(app: LegacyWebApp, password: str, **overrides: Any) -> dict[str, Any]:
    settings = copy.deepcopy(SIM_SCREENS)
    for section, values in overrides.items():
        settings[section] = {**settings[section], **values} if isinstance(values, dict) else values
    return {"base_url": app.url, "username": USERNAME, "password": password, "timeout_seconds": 5, **settings}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    found = childrens_rows(people=450)  # a couple of dozen cases: three or four list pages
    assert 2 * PAGE_SIZE < len(found) < 5 * PAGE_SIZE
    return found


@pytest.fixture
def password() -> str:
    return secrets.token_urlsafe(12)


@pytest.fixture
def app(rows: list[dict[str, str]], password: str) -> Iterator[LegacyWebApp]:
    with LegacyWebApp(rows, username=USERNAME, password=password, page_size=PAGE_SIZE) as running:
        yield running


@pytest.fixture
def connector(app: LegacyWebApp, password: str) -> Iterator[ScreenConnector]:
    with ScreenConnector(ScreenConfig.from_connection(connection(app, password))) as opened:
        yield opened


class TestScreenConnectorConformance(ConnectorConformance):
    @pytest.fixture
    def harness(self, app: LegacyWebApp, connector: ScreenConnector) -> Harness:
        return Harness(
            connector=connector,
            seeded_ids=set(app.ids()),
            change_record=app.change_record,
            add_record=app.add_record,
            read_back=app.record,
            writable_field="addr_line1",
            stop_system=app.stop,
        )


def test_the_connector_meets_the_protocol_and_declares_what_it_does(connector: ScreenConnector) -> None:
    assert isinstance(connector, Connector)
    assert connector.describe().capabilities == {Capability.READ_ALL, Capability.READ_CHANGES, Capability.WRITE}


def test_paging_reads_every_record_exactly_once_with_its_page_and_row(
    app: LegacyWebApp, connector: ScreenConnector, rows: list[dict[str, str]]
) -> None:
    records = list(connector.read())
    assert [record.record_id for record in records] == [row["cs_id"] for row in rows]
    # every field as the system holds it, but for the spacing HTML itself collapses (the sim adds stray spaces)
    assert [dict(record.payload) for record in records] == [
        {name: " ".join(value.split()) for name, value in row.items()} for row in rows
    ]
    assert records[0].location.description.startswith("list page 1 row 1 ")
    assert records[PAGE_SIZE].location.description.startswith("list page 2 row 1 ")
    assert all(record.cursor is None for record in records[:-1])
    assert all(record.changed_at is not None and record.changed_at.tzinfo for record in records)


def test_a_wrong_password_is_a_clear_login_error(app: LegacyWebApp) -> None:
    config = ScreenConfig.from_connection(connection(app, "not-the-password"))
    with ScreenConnector(config) as connector, pytest.raises(ScreenLoginError) as caught:
        list(connector.read())
    message = str(caught.value)
    assert "/Login.asp" in message and "Invalid username or password" in message
    assert "not-the-password" not in message


def test_a_missing_selector_is_named_with_its_page(app: LegacyWebApp, password: str) -> None:
    config = ScreenConfig.from_connection(connection(app, password, list={"row_selector": "table.cases tr"}))
    with ScreenConnector(config) as connector, pytest.raises(ScreenSelectorError) as caught:
        list(connector.read())
    assert caught.value.selector == "table.cases tr"
    assert isinstance(caught.value, SchemaDriftError)  # sync stops the source rather than load into wrong fields
    assert "'table.cases tr'" in str(caught.value) and "/CaseList.asp" in str(caught.value)


def test_a_missing_detail_label_is_named_without_any_field_values(
    app: LegacyWebApp, password: str, rows: list[dict[str, str]]
) -> None:
    fields = {**SIM_SCREENS["detail"]["fields"], "Date of death": "date_of_death"}
    config = ScreenConfig.from_connection(connection(app, password, detail={"fields": fields}))
    with ScreenConnector(config) as connector, pytest.raises(ScreenSelectorError) as caught:
        list(connector.read())
    message = str(caught.value)
    assert "'Date of death'" in message and "/CaseDetail.asp" in message
    assert rows[0]["surname"] not in message and rows[0]["cs_id"] not in message


def test_write_fills_the_form_and_the_system_keeps_it_once(app: LegacyWebApp, connector: ScreenConnector) -> None:
    record_id = app.ids()[PAGE_SIZE + 3]  # on the second page, found through the search screen
    change = Change(record_id, {"addr_line1": "2 Mill Lane", "addr_postcode": "KB2 9ZZ"}, idempotency_key="w-1")
    receipt = connector.write(change)
    assert receipt.accepted, receipt.detail
    kept = app.record(record_id)
    assert (kept["addr_line1"], kept["addr_postcode"]) == ("2 Mill Lane", "KB2 9ZZ")
    assert [(event.record_id, event.changed) for event in app.writes] == [
        (record_id, {"addr_line1": "2 Mill Lane", "addr_postcode": "KB2 9ZZ"})
    ]
    again = connector.write(change)
    assert again.accepted and "nothing submitted" in again.detail
    assert len(app.writes) == 1


def test_write_refuses_what_it_cannot_do(app: LegacyWebApp, connector: ScreenConnector) -> None:
    record_id = app.ids()[0]
    not_on_form = connector.write(Change(record_id, {"surname": "Other"}, idempotency_key="w-2"))
    assert not not_on_form.accepted and "surname" in not_on_form.detail
    missing = connector.write(Change("CS99999999", {"addr_line1": "1 Road"}, idempotency_key="w-3"))
    assert not missing.accepted and "no record" in missing.detail
    assert app.writes == []


def test_write_detects_a_record_changed_since_it_was_read(app: LegacyWebApp, connector: ScreenConnector) -> None:
    record = next(iter(connector.read()))
    assert record.changed_at is not None
    app.change_record(record.record_id)
    stale = Change(
        record.record_id, {"addr_line1": "3 Old Road"}, "w-4", expected_version=record.changed_at.isoformat()
    )
    receipt = connector.write(stale)
    assert not receipt.accepted and "conflict" in receipt.detail
    fresh = Change(
        record.record_id,
        {"addr_line1": "3 Old Road"},
        "w-5",
        expected_version=app.last_modified(record.record_id).isoformat(),
    )
    assert connector.write(fresh).accepted
    assert app.record(record.record_id)["addr_line1"] == "3 Old Road"


def test_incremental_read_sees_a_change_made_through_the_connector(
    app: LegacyWebApp, connector: ScreenConnector
) -> None:
    cursor = list(connector.read())[-1].cursor
    assert cursor is not None
    record_id = app.ids()[5]
    assert connector.write(Change(record_id, {"contact_tel": "01632 960001"}, "w-6")).accepted
    changed = list(connector.read(since=cursor))
    assert [record.record_id for record in changed] == [record_id]
    assert changed[0].payload["contact_tel"] == "01632 960001"
    assert list(connector.read(since=changed[-1].cursor)) == []


def test_health_fails_fast_when_the_system_is_down_and_recovers(app: LegacyWebApp, connector: ScreenConnector) -> None:
    assert connector.health().ok
    app.stop()
    started = time.monotonic()
    down = connector.health()
    assert not down.ok and "/Login.asp" in down.detail and down.checked_at is not None
    assert time.monotonic() - started < 5
    app.start()
    assert connector.health().ok
    assert len(list(connector.read())) == len(app.ids())  # the same browser carries on after the outage


def test_bad_settings_name_the_setting_and_never_echo_the_password(app: LegacyWebApp) -> None:
    settings = connection(app, "hunter2-secret")
    del settings["list"]["next_selector"]
    settings["timeout_seconds"] = -1
    with pytest.raises(ScreenConfigError) as caught:
        ScreenConfig.from_connection(settings)
    message = str(caught.value)
    assert "list.next_selector" in message and "timeout_seconds" in message
    assert "hunter2-secret" not in message
    assert isinstance(caught.value, ConnectorError)
