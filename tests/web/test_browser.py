"""The dashboard end to end in headless Chromium: every page passes axe-core (WCAG 2.2 AA), keyboard-only use.

The server is the hub's real app under uvicorn on a free port, in the "test" environment, so the session
cookie is Secure (Chromium accepts Secure cookies from http://localhost, as it treats it as a secure context).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from joinedup.api import create_app
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.ingest_state import QuarantineStore, Rejection, SyncStateStore
from joinedup.store.place_registry import register_place

from ..api.support import serve
from .support import BASE, dashboard_settings

sync_api = pytest.importorskip("playwright.sync_api", reason="the 'browser' extra is not installed")
if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("no Chromium: run scripts/install-browser.sh", allow_module_level=True)

from playwright.sync_api import Page  # noqa: E402

from .browser_support import (  # noqa: E402
    assert_accessible,
    axe_violations,
    focused,
    tab_to,
)
from .browser_support import sign_in as _sign_in  # noqa: E402
from .oidc_issuer import CLIENT_ID, CLIENT_SECRET, IssuerBehaviour, issuer_app  # noqa: E402

PERSONAL = "31/02/1980"  # a held record's content: must never reach a page


def _load_sources(database: Database) -> None:
    now = datetime.now(UTC)
    register_place(database, load_place(demo_place_path()))
    states = SyncStateStore(database)
    states.update("council-tax", last_success_at=now - timedelta(minutes=5), newest_change_at=now - timedelta(hours=2))
    states.update("gp", last_success_at=now - timedelta(days=1), newest_change_at=now - timedelta(days=3),
                  last_error="the GP system answered 503 three times", last_error_at=now)  # fmt: skip
    states.update("schools", stopped="the export's columns changed: a column named SURNAME2 appeared")
    states.update("waste", last_success_at=now, newest_change_at=now - timedelta(seconds=40))
    rejections = [
        Rejection("CT1", "ctax_1.csv line 9", ("DOB: not a date in the format %d/%m/%Y",), {"DOB": PERSONAL}),
        Rejection("CT2", "ctax_1.csv line 12", ("DOB: not a date in the format %d/%m/%Y",), {"DOB": "99/99/1999"}),
        Rejection("CT3", "ctax_2.csv line 3", ("POSTCODE: not a valid UK postcode",), {"POSTCODE": "XX"}),
    ]
    with database.transaction() as connection:
        QuarantineStore(database).add_in(connection, "council-tax", rejections, now)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'web.db'}")
    database.migrate()
    _load_sources(database)
    settings = dashboard_settings(database.url, environment="test")
    with serve(create_app(settings, database)) as client:
        yield str(client.base_url).rstrip("/").replace("127.0.0.1", "localhost")
    database.dispose()


def test_every_page_passes_axe_and_is_captured(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}{BASE}/")
    assert page.url == f"{base_url}{BASE}/sign-in"
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")  # inline script ran
    assert_accessible(page, "sign-in")

    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.get_by_role("alert").is_visible()
    assert page.title().startswith("Error: ")
    assert_accessible(page, "sign-in-error")

    page.get_by_label("Development housing officer").check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base_url}{BASE}/")
    assert page.get_by_role("heading", name="Staff dashboard").is_visible()
    assert page.get_by_text("Housing officer", exact=True).is_visible()
    assert_accessible(page, "home")

    page.get_by_role("link", name="Sources", exact=True).first.click()
    page.wait_for_url(f"{base_url}{BASE}/sources")
    table = page.locator("#sources")
    assert table.locator("tbody tr").count() == 7
    assert "Failing" in page.locator("#source-gp").inner_text()
    assert "Stopped" in page.locator("#source-schools").inner_text()
    assert "Never synced" in page.locator("#source-housing").inner_text()
    assert "Up to date" in page.locator("#source-waste").inner_text()
    assert_accessible(page, "sources")

    page.locator("#source-council-tax a").click()
    page.wait_for_url(f"{base_url}{BASE}/sources/council-tax/quarantine")
    reasons = page.locator("#reasons tbody").inner_text()
    assert "DOB: not a date in the format %d/%m/%Y\t2" in reasons
    assert "POSTCODE: not a valid UK postcode\t1" in reasons
    assert PERSONAL not in page.content() and "CT1" not in page.content()
    assert_accessible(page, "quarantine")

    page.goto(f"{base_url}{BASE}/no-such-page")
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert_accessible(page, "not-found")

    page.goto(f"{base_url}{BASE}/")
    page.locator("input[name=csrf_token]").first.evaluate("input => { input.value = 'forged'; }")
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("heading", name="You cannot do that").is_visible()
    assert_accessible(page, "forbidden")

    page.goto(f"{base_url}{BASE}/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base_url}{BASE}/signed-out")
    assert_accessible(page, "signed-out")
    page.goto(f"{base_url}{BASE}/sources")
    assert page.url == f"{base_url}{BASE}/sign-in", "signed out means signed out"


def test_the_session_cookie_as_the_browser_holds_it(page: Page, base_url: str) -> None:
    _sign_in(page, base_url)
    (cookie,) = page.context.cookies()
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"], cookie["path"]) == (True, True, "Lax", BASE)
    assert page.evaluate("document.cookie") == "", "scripts cannot read the session"


def test_sign_in_and_navigation_by_keyboard_alone(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}{BASE}/sign-in")
    skip = tab_to(page, "Skip to main content")
    assert skip["tag"] == "a"
    first = tab_to(page, element_id="username")  # the first development user's radio button
    assert first["type"] == "radio"
    page.keyboard.press("ArrowDown")  # arrows move through a radio group and select as they go
    page.keyboard.press("ArrowDown")
    assert focused(page)["id"] == "username-3"
    assert page.locator("#username-3").is_checked()
    tab_to(page, "Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}{BASE}/")
    assert page.get_by_text("Signed in as Development GP receptionist").is_visible()

    link = tab_to(page, "Sources")
    assert link["background"] == "rgb(255, 221, 0)", "the GOV.UK yellow focus state is visible"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}{BASE}/sources")

    tab_to(page, "Skip to main content")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    page.goto(f"{base_url}{BASE}/")
    tab_to(page, "Sign out")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}{BASE}/signed-out")
    assert Path(page.url).name == "signed-out"


def test_axe_is_really_checking(page: Page, base_url: str) -> None:
    """The accessibility check is not vacuous: a page made inaccessible on purpose fails it."""
    page.goto(f"{base_url}{BASE}/sign-in")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"data:,\">')")
    page.evaluate("document.documentElement.removeAttribute('lang')")
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "html-has-lang"} <= found


@pytest.fixture
def oidc_base_url(tmp_path: Path) -> Iterator[str]:
    database = Database(f"sqlite:///{tmp_path / 'oidc.db'}")
    database.migrate()
    redirect_uris: set[str] = set()
    with serve(issuer_app(IssuerBehaviour(), redirect_uris)) as issuer:
        settings = dashboard_settings(
            database.url,
            environment="test",
            dev_tokens=False,
            dashboard_oidc_issuer=str(issuer.base_url).rstrip("/"),
            dashboard_oidc_client_id=CLIENT_ID,
            dashboard_oidc_client_secret=CLIENT_SECRET,
        )
        with serve(create_app(settings, database)) as client:
            base = str(client.base_url).rstrip("/").replace("127.0.0.1", "localhost")
            redirect_uris.add(f"{base}{BASE}/sign-in/callback")
            yield base
    database.dispose()


def test_oidc_sign_in_in_the_browser(page: Page, oidc_base_url: str) -> None:
    """The sign-in form's answer redirects to the provider (another origin), which the page's policy allows."""
    page.goto(f"{oidc_base_url}{BASE}/sign-in")
    assert_accessible(page, "sign-in-oidc")
    page.get_by_role("button", name="Sign in with your organisation account").click()
    page.wait_for_url(f"{oidc_base_url}{BASE}/")
    assert page.get_by_text("Signed in as Sam Carer (kettleby-council)").is_visible()
    assert page.get_by_text("Your organisation account").is_visible()
