"""Clearing a stopped source from the Sources page in headless Chromium: a data steward sees why it stopped and
how to clear it, a note too long is refused with the GOV.UK error state, the stop is cleared with the success
banner, and each state passes axe-core."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from joinedup.api import create_app
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.ingest_state import SyncStateStore
from joinedup.store.place_registry import register_place
from joinedup.store.shape_acceptances import ShapeAcceptanceStore

from ..api.support import serve
from .support import BASE, dashboard_settings

sync_api = pytest.importorskip("playwright.sync_api", reason="the 'browser' extra is not installed")
if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("no Chromium: run scripts/install-browser.sh", allow_module_level=True)

from playwright.sync_api import Page  # noqa: E402

from .browser_support import assert_accessible  # noqa: E402
from .browser_support import sign_in as _sign_in  # noqa: E402

DRIFT = "schema drift in GET /records (record H1): fields added: tenancyStatus"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    database = Database(f"sqlite:///{tmp_path / 'web.db'}")
    database.migrate()
    register_place(database, load_place(demo_place_path()))
    SyncStateStore(database).update("housing", stopped=DRIFT)
    with serve(create_app(dashboard_settings(database.url, environment="test"), database)) as client:
        yield str(client.base_url).rstrip("/").replace("127.0.0.1", "localhost"), database
    database.dispose()


def test_a_data_steward_clears_a_stopped_source_from_the_sources_page(page: Page, served: tuple[str, Database]) -> None:
    base_url, database = served
    _sign_in(page, base_url, "Development data steward")
    page.goto(f"{base_url}{BASE}/sources")
    page.get_by_role("link", name="How to clear it (Housing").click()
    card = page.locator("#stopped-housing")
    assert DRIFT in card.inner_text() and "accept-shape housing" in card.inner_text()
    assert_accessible(page, "sources-stopped")

    card.get_by_label("Note (optional)").fill("x" * 501)
    card.get_by_role("button", name="Accept the new shape and clear the stop").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert "500 characters or fewer" in page.locator("#note-housing-error").inner_text()
    assert_accessible(page, "sources-stopped-error")

    page.locator("#note-housing").fill("supplier notice H-12")
    page.locator("#stopped-housing").get_by_role("button", name="Accept the new shape and clear the stop").click()
    page.wait_for_url(f"{base_url}{BASE}/sources?cleared=housing")
    assert "Cleared the stop on" in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#stopped-housing").count() == 0
    assert_accessible(page, "sources-stop-cleared")
    (accepted,) = ShapeAcceptanceStore(database).history("housing")
    assert (accepted.accepted_by, accepted.note) == ("dev-0008", "supplier notice H-12")
