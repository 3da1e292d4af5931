"""Tell us once in headless Chromium, against Kettleby's simulated systems running as real servers and a real
delivery worker in a thread: a change told with the keyboard alone arrives in each system with a receipt and
the systems' own data changes; a dead letter is sent again from its page; the form's errors follow the GOV.UK
pattern; forms without the token are refused; nothing told appears in an address; every page passes axe-core.
Run on SQLite and PostgreSQL (the ``database`` fixture)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from joinedup.api import create_app
from joinedup.sim import SyntheticPlace
from joinedup.sim.servers.place_servers import SimulatedPlace
from joinedup.store import Database
from joinedup.store.tellusonce_outbox import OutboxStore
from joinedup.tellusonce import DeliveryWorker, MappingRecordDirectory

from ..api.support import serve
from ..tellusonce.support import desk_for, pool_for, record_of, resident_in, truth_directory
from .support import BASE, Browser, csrf_from, dashboard_settings

sync_api = pytest.importorskip("playwright.sync_api", reason="the 'browser' extra is not installed")
if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("no Chromium: run scripts/install-browser.sh", allow_module_level=True)

from playwright.sync_api import Page  # noqa: E402

from .browser_support import assert_accessible, focused, tab_to  # noqa: E402

SYSTEMS = ("housing", "gp")  # two REST systems: their own records can be read back from the servers
NEW_LINE, NEW_POSTCODE = "27 Tanners Yard", "KT2 9QZ"


@pytest.fixture(scope="module")
def synthetic() -> SyntheticPlace:
    return SyntheticPlace(people=300, seed=11)


@pytest.fixture(scope="module")
def directory(synthetic: SyntheticPlace) -> MappingRecordDirectory:
    return truth_directory(synthetic)


@pytest.fixture(scope="module")
def running(synthetic: SyntheticPlace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedPlace]:
    folder = tmp_path_factory.mktemp("place")
    with SimulatedPlace(synthetic, folder, export_interval_seconds=0.2, start_timeout_seconds=30) as place:
        yield place


@dataclass
class Hub:
    """The dashboard served with the place's change desk; ``start()`` sets a delivery worker going in a thread."""

    base_url: str
    worker: DeliveryWorker
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(
                target=self.worker.run, args=(self.stop,), kwargs={"idle_seconds": 0.1}, daemon=True
            )
            self.thread.start()


@pytest.fixture
def hub(database: Database, directory: MappingRecordDirectory, running: SimulatedPlace) -> Iterator[Hub]:
    app = create_app(dashboard_settings(database.url, environment="test"), database)
    app.state.change_desk = desk_for(database, directory)
    worker = DeliveryWorker(database, pool_for(running, SYSTEMS))
    with serve(app) as client:
        served = Hub(str(client.base_url).rstrip("/").replace("127.0.0.1", "localhost"), worker)
        try:
            yield served
        finally:
            served.stop.set()
            if served.thread is not None:
                served.thread.join(timeout=30)
            worker.connectors.close()


def _sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}{BASE}/sign-in")
    page.get_by_label("Development housing officer").check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base_url}{BASE}/")


def _settled(page: Page, systems: tuple[str, ...], status: str, tries: int = 60) -> dict[str, str]:
    """Reload the change's page (no JavaScript needed) until each system's delivery has ``status``."""
    for _ in range(tries):
        rows = page.locator("#deliveries tbody tr")
        found = {rows.nth(i).get_attribute("data-system") or "": rows.nth(i).inner_text() for i in range(rows.count())}
        states = {rows.nth(i).get_attribute("data-system"): rows.nth(i).get_attribute("data-status")
                  for i in range(rows.count())}  # fmt: skip
        if all(states.get(system) == status for system in systems):
            return found
        page.wait_for_timeout(250)
        page.get_by_role("link", name="Check again").click() if page.locator(
            "#still-waiting"
        ).count() else page.reload()
    raise AssertionError(f"deliveries never became {status}: {states}")


def test_a_change_told_with_the_keyboard_alone_arrives_in_each_system_with_a_receipt(
    page: Page, hub: Hub, directory: MappingRecordDirectory, running: SimulatedPlace
) -> None:
    base = hub.base_url
    hub.start()
    resident = resident_in(directory, SYSTEMS, skip=0)
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    _sign_in(page, base)
    assert tab_to(page, "Tell us once")["tag"] == "a"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{BASE}/tell-us-once")
    assert_accessible(page, "tell-us-once")

    assert tab_to(page, element_id="resident_id")["tag"] == "input"
    page.keyboard.type(resident)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "kind", "the first radio: A new address"
    page.keyboard.press("Space")
    assert page.locator("#address_line_1").is_visible(), "the address fields are revealed"
    tab_to(page, element_id="address_line_1")
    page.keyboard.type(NEW_LINE)
    tab_to(page, element_id="postcode")
    page.keyboard.type(NEW_POSTCODE.lower().replace(" ", ""))
    button = tab_to(page, "Tell every service")
    assert button["background"] == "rgb(255, 221, 0)", "GOV.UK's yellow focus state"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{BASE}/changes/*")
    change_id = int(page.url.rsplit("/", 1)[1])

    delivered = _settled(page, SYSTEMS, "delivered")
    assert all("Receipt: HTTP 200" in delivered[system] for system in SYSTEMS), delivered
    assert "postcode" in page.locator("#change-summary").inner_text()
    assert NEW_LINE not in page.content(), "the values told are not shown back"
    assert_accessible(page, "change-delivered")
    assert running.rest is not None
    housing = running.rest.record("housing", record_of(directory, resident, "housing"))
    gp = running.rest.record("gp", record_of(directory, resident, "gp"))
    assert housing["addressLine1"] == NEW_LINE and gp["AddressLine1"] == NEW_LINE, "each system's own data"
    assert f"Change {change_id}" in page.locator("h1").inner_text()
    for url in visited:
        assert NEW_LINE.split()[1] not in url and "KT2" not in url and resident not in url, url


def test_a_dead_letter_is_sent_again_from_its_page(
    page: Page, hub: Hub, directory: MappingRecordDirectory, running: SimulatedPlace
) -> None:
    base = hub.base_url
    hub.start()
    resident = resident_in(directory, SYSTEMS, skip=1)
    assert running.rest is not None
    faults = running.rest.faults("housing")
    # Housing refuses the write to this resident's record outright: a dead letter.
    faults.fail_status, faults.fail_records = 422, {record_of(directory, resident, "housing")}
    _sign_in(page, base)
    page.goto(f"{base}{BASE}/tell-us-once")
    page.get_by_label("Resident id", exact=True).fill(resident)
    page.get_by_label("New contact details").check()
    page.get_by_label("Email address").fill("new.address@example.com")
    page.get_by_role("button", name="Tell every service").click()
    page.wait_for_url(f"{base}{BASE}/changes/*")
    change_url = page.url

    rows = _settled(page, ("housing",), "dead")
    assert "rejected by housing: refused (HTTP 422)" in rows["housing"]
    assert_accessible(page, "change-dead-letter")
    page.goto(f"{base}{BASE}/tell-us-once")
    assert page.locator("#dead-letters").get_by_role("link").first.is_visible()
    page.goto(change_url)
    faults.fail_records = set()  # it would take the write now
    page.get_by_role("button", name="Retry the delivery to Housing Management").click()
    page.wait_for_url(f"{change_url}?retried=*")
    assert "will be sent again" in page.locator("#retried").inner_text()
    rows = _settled(page, ("housing",), "delivered")
    assert "Receipt: HTTP 200" in rows["housing"]
    record = running.rest.record("housing", record_of(directory, resident, "housing"))
    assert "new.address@example.com" in str(record.values())


def test_the_form_shows_each_problem_in_the_summary_and_by_its_field(page: Page, hub: Hub) -> None:
    base = hub.base_url
    _sign_in(page, base)
    page.goto(f"{base}{BASE}/tell-us-once")
    page.get_by_role("button", name="Tell every service").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter the resident's id" in summary.inner_text() and "Select what has changed" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page, "tell-us-once-errors")

    page.get_by_label("Resident id", exact=True).fill("res-0001")
    page.get_by_label("They have died").check()
    page.locator("#date_of_death-day").fill("31")
    page.locator("#date_of_death-month").fill("2")
    page.locator("#date_of_death-year").fill("2026")
    page.get_by_role("button", name="Tell every service").click()
    assert "The date they died must be a real date" in summary.inner_text()
    assert page.locator("#date_of_death-day").input_value() == "31", "what was typed is kept"
    summary.get_by_role("link").first.click()
    assert focused(page)["id"] == "date_of_death-day"

    page.get_by_label("A new address").check()
    page.get_by_label("Postcode", exact=True).fill("not a postcode")
    page.get_by_role("button", name="Tell every service").click()
    text = summary.inner_text()
    assert "Enter the first line of the new address" in text and "Enter a real postcode" in text
    assert page.locator("#postcode-error").is_visible()
    assert_accessible(page, "tell-us-once-address-errors")
    assert Path(page.url).name == "tell-us-once", "a POSTed form: nothing typed is in the address"


def test_changes_and_retries_need_the_form_token(hub: Hub, database: Database) -> None:
    base = hub.base_url
    import httpx

    with httpx.Client(base_url=base.replace("localhost", "127.0.0.1")) as client:
        browser = Browser(client)
        browser.sign_in("housing-officer")
        token = csrf_from(browser.get(f"{BASE}/tell-us-once"))
        body = {"resident_id": "res-1", "kind": "person.contact-changed", "email": "a@example.com"}
        refused = browser.post(f"{BASE}/tell-us-once", body)
        assert refused.status_code == 403 and "not sent from this dashboard" in refused.text
        assert OutboxStore(database).counts() == {}, "nothing was told"
        assert browser.post(f"{BASE}/changes/1/deliveries/1/retry", {}).status_code == 403
        missing = browser.post(f"{BASE}/changes/1/deliveries/1/retry", {"csrf_token": token})
        assert missing.status_code == 404
        assert browser.get(f"{BASE}/changes/99999").status_code == 404


def test_with_javascript_the_change_page_follows_the_deliveries_without_a_reload(
    page: Page, hub: Hub, directory: MappingRecordDirectory
) -> None:
    base = hub.base_url
    resident = resident_in(directory, SYSTEMS, skip=2)
    _sign_in(page, base)
    page.goto(f"{base}{BASE}/tell-us-once")
    page.get_by_label("Resident id", exact=True).fill(resident)
    page.get_by_label("New contact details").check()
    page.get_by_label("Phone number").fill("01632 960 123")
    page.get_by_role("button", name="Tell every service").click()
    page.wait_for_url(f"{base}{BASE}/changes/*")
    housing = page.locator('#deliveries tr[data-system="housing"]')
    assert housing.get_attribute("data-status") == "pending", "no worker yet: the delivery waits"
    assert page.locator("#still-waiting").is_visible()
    loads: list[str] = []
    page.on("load", lambda _: loads.append(page.url))
    hub.start()
    page.wait_for_selector('#deliveries tr[data-system="housing"][data-status="delivered"]')
    page.wait_for_selector('#deliveries tr[data-system="gp"][data-status="delivered"]')
    assert loads == [], "the table was brought up to date in place, not by reloading the page"
    assert "Delivered" in page.locator("#deliveries-status").inner_text()
