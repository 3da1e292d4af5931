"""Choosing the role to act in, in headless Chromium: by keyboard alone, with the error state and the success
banner passing axe-core, and the choice showing in what the next page acts as."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from joinedup.api import create_app
from joinedup.store import Database

from ..api.support import serve
from .governance_place import RESIDENT, load_governance_place
from .support import BASE, dashboard_settings

sync_api = pytest.importorskip("playwright.sync_api", reason="the 'browser' extra is not installed")
if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("no Chromium: run scripts/install-browser.sh", allow_module_level=True)

from playwright.sync_api import Page  # noqa: E402

from .browser_support import assert_accessible, focused, tab_to  # noqa: E402

BOTH = "Development duty social worker and data steward"


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    database = Database(f"sqlite:///{tmp_path / 'web.db'}")
    database.migrate()
    load_governance_place(database)
    with serve(create_app(dashboard_settings(database.url, environment="test"), database)) as client:
        yield str(client.base_url).rstrip("/").replace("127.0.0.1", "localhost") + BASE
    database.dispose()


def test_a_person_with_two_roles_chooses_one_by_keyboard(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label(BOTH).check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base_url}/")
    assert_accessible(page, "acting-role")

    tab_to(page, element_id="acting-role")
    assert focused(page)["tag"] == "select"
    page.keyboard.press("ArrowDown")  # the first role: Social worker
    page.keyboard.press("ArrowDown")  # the second: Data steward
    assert page.locator("#acting-role").input_value() == "data-steward"
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "use-role"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/?role=chosen")
    assert "you now act as Data steward" in page.locator("#role-chosen").inner_text()
    assert page.locator("#acting-role").input_value() == "data-steward"
    assert_accessible(page, "acting-role-chosen")

    page.goto(f"{base_url}/residents/{RESIDENT}?purpose=known-to-check")
    assert "acting as Data steward" in page.locator("main").inner_text()
    page.goto(f"{base_url}/residents/{RESIDENT}?purpose=safeguarding-enquiry")
    assert "acting as Social worker" in page.locator("main").inner_text(), "only the social worker may"


def test_the_error_state_is_accessible(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label(BOTH).check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base_url}/")
    # A role the person does not hold, as a stale or tampered form would send it.
    page.locator("#acting-role").evaluate(
        "select => { const o = document.createElement('option'); o.value = 'auditor'; o.text = 'Auditor';"
        " select.add(o); select.value = 'auditor'; }"
    )
    page.get_by_role("button", name="Use this role").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert "Select one of your roles" in page.locator("#acting-role-error").inner_text()
    assert_accessible(page, "acting-role-error")
