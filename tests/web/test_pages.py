"""The layout, the error pages and the static assets, over HTTP."""

from __future__ import annotations

import re

import httpx

from joinedup.web import NAVIGATION

from .support import BASE, Browser


def test_unavailable_pages_are_plain_text_in_the_menu_never_links(browser: Browser) -> None:
    browser.sign_in()
    home = browser.get(f"{BASE}/").text
    for item in NAVIGATION:
        if item.route is None:
            assert f'{item.label}<span class="govuk-visually-hidden"> (not available yet)</span>' in home
            assert re.search(rf"<a [^>]*>\s*{item.label}", home) is None, item.label
        else:
            assert re.search(rf'<a class="govuk-service-navigation__link" href="{BASE}/[^"]*"[^>]*>\s*(<strong[^>]*>)?'
                             rf"{item.label}", home), item.label  # fmt: skip
    assert 'aria-current="page"' in home


def test_an_unknown_address_is_the_404_page_and_the_api_keeps_its_own(browser: Browser, client: httpx.Client) -> None:
    page = browser.get(f"{BASE}/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert client.delete("/health/live").status_code == 405


def test_an_unknown_system_is_a_404_page(browser: Browser) -> None:
    browser.sign_in()
    response = browser.get(f"{BASE}/sources/no-such-system/quarantine")
    assert response.status_code == 404 and "Page not found" in response.text


def test_pages_carry_a_strict_content_security_policy_and_no_caching(browser: Browser) -> None:
    page = browser.get(f"{BASE}/sign-in")
    policy = page.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None and f'<script nonce="{nonce.group(1)}">' in page.text
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    again = browser.get(f"{BASE}/sign-in").headers["content-security-policy"]
    assert again != policy, "a fresh nonce for every page"


def test_built_assets_are_served_from_the_package(client: httpx.Client) -> None:
    css = client.get(f"{BASE}/static/dashboard.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".govuk-service-navigation" in css.text and ".app-signed-in" in css.text
    assert "GDS Transport" not in css.text  # the GOV.UK typeface is for GOV.UK only
    script = client.get(f"{BASE}/static/dashboard.mjs")
    assert script.status_code == 200 and "initAll" in script.text
    assert client.get(f"{BASE}/static/govuk-frontend.min.js").status_code == 200
    assert client.get(f"{BASE}/static/no-such-file.js").status_code == 404


def test_the_dashboard_address_without_a_slash_leads_to_it(client: httpx.Client) -> None:
    response = client.get(BASE)
    assert response.status_code in (307, 308) and response.headers["location"].endswith(f"{BASE}/")
