"""Signing in and out with the development users, and the session cookie's attributes."""

from __future__ import annotations

import httpx
import pytest

from joinedup.api import DEV_USERS, create_app
from joinedup.store import Database
from joinedup.web import SESSION_COOKIE

from ..api.support import serve
from .support import BASE, Browser, csrf_from, dashboard_settings


def test_pages_send_a_signed_out_visitor_to_sign_in(browser: Browser) -> None:
    for path in (f"{BASE}/", f"{BASE}/sources", f"{BASE}/sources/council-tax/quarantine"):
        response = browser.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"{BASE}/sign-in"


def test_the_sign_in_page_offers_every_development_user_with_role_and_organisation(browser: Browser) -> None:
    page = browser.get(f"{BASE}/sign-in")
    assert page.status_code == 200
    for user in DEV_USERS:
        assert f'value="{user.username}"' in page.text
        assert user.display_name in page.text
        assert user.organisation in page.text
    assert "Social worker; kettleby-council" in page.text
    assert "GP receptionist; kettleby-primary-care" in page.text
    assert "Data protection officer, Auditor; kettleby-council" in page.text


def test_signing_in_shows_who_you_are_and_signing_out_ends_the_session(browser: Browser) -> None:
    browser.sign_in("data-protection-officer")
    home = browser.get(f"{BASE}/")
    assert home.status_code == 200
    assert "Development data protection officer" in home.text
    assert "Data protection officer" in home.text and "Auditor" in home.text
    assert "kettleby-council" in home.text

    signed_out = browser.post(f"{BASE}/sign-out", {"csrf_token": csrf_from(home)})
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"{BASE}/signed-out"
    assert browser.get(f"{BASE}/").status_code == 303


def test_an_old_cookie_does_not_survive_signing_out(browser: Browser) -> None:
    browser.sign_in()
    before = browser.cookie
    browser.post(f"{BASE}/sign-out", {"csrf_token": csrf_from(browser.get(f"{BASE}/"))})
    assert browser.cookie != before
    browser.cookie = before  # replaying the old cookie still works until it expires: say so in the docs
    assert browser.get(f"{BASE}/").status_code == 200


def test_choosing_no_user_is_an_error_on_the_form(browser: Browser) -> None:
    token = csrf_from(browser.get(f"{BASE}/sign-in"))
    response = browser.post(f"{BASE}/sign-in/development", {"csrf_token": token})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#username"' in response.text and 'id="username"' in response.text
    assert response.text.count("Select the development user to sign in as") == 2
    assert "<title>Error: Sign in" in response.text
    unknown = browser.post(f"{BASE}/sign-in/development", {"csrf_token": token, "username": "root"})
    assert unknown.status_code == 400
    assert browser.get(f"{BASE}/").status_code == 303


def test_a_forged_cookie_is_not_a_session(browser: Browser) -> None:
    browser.sign_in()
    assert browser.cookie is not None
    payload, _, signature = browser.cookie.partition(".")
    browser.cookie = payload[:-4] + "AAAA." + signature
    assert browser.get(f"{BASE}/").status_code == 303


def _session_cookie_header(browser: Browser) -> str:
    headers = [h for h in browser.set_cookies if h.startswith(f"{SESSION_COOKIE}=")]
    assert headers
    return headers[-1].lower()


def test_the_cookie_is_httponly_lax_and_scoped_to_the_dashboard_but_not_secure_in_development(
    browser: Browser,
) -> None:
    browser.sign_in()
    header = _session_cookie_header(browser)
    assert "httponly" in header and "samesite=lax" in header and "path=/dashboard" in header
    assert "secure" not in header  # the demo is served over plain http on localhost


@pytest.mark.parametrize("environment", ["test", "production"])
def test_outside_development_the_cookie_is_secure(sqlite_database: Database, environment: str) -> None:
    settings = dashboard_settings(sqlite_database.url, environment=environment, dev_tokens=False)
    with serve(create_app(settings, sqlite_database)) as client:
        browser = Browser(client)
        browser.get(f"{BASE}/sign-in")
        header = _session_cookie_header(browser)
        assert "secure" in header and "httponly" in header and "samesite=lax" in header


def test_without_development_users_their_sign_in_does_not_exist(sqlite_database: Database) -> None:
    settings = dashboard_settings(sqlite_database.url, environment="production", dev_tokens=False)
    with serve(create_app(settings, sqlite_database)) as client:
        browser = Browser(client)
        page = browser.get(f"{BASE}/sign-in")
        assert page.status_code == 200
        assert "development user" not in page.text.lower()
        assert "JOINEDUP_DASHBOARD_OIDC_ISSUER" in page.text  # says how to configure a way in
        refused = browser.post(f"{BASE}/sign-in/development", {"username": "social-worker", "csrf_token": "x"})
        assert refused.status_code == 405  # only the 404 page answers there, and only to GET
        assert browser.get(f"{BASE}/").status_code == 303


def test_the_api_does_not_accept_the_dashboard_session(browser: Browser, client: httpx.Client) -> None:
    browser.sign_in()
    response = client.get("/api/v1/whoami", headers={"Cookie": f"{SESSION_COOKIE}={browser.cookie}"})
    assert response.status_code == 401
