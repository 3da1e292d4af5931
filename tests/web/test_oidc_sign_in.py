"""OIDC sign-in against a real local issuer over HTTP: the whole authorization-code flow, and its refusals."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from joinedup.api import create_app
from joinedup.store import Database

from ..api.support import serve
from .oidc_issuer import CLIENT_ID, CLIENT_SECRET, IssuerBehaviour, issuer_app
from .support import BASE, Browser, csrf_from, dashboard_settings


@dataclass
class Running:
    browser: Browser
    issuer: httpx.Client
    behaviour: IssuerBehaviour


@pytest.fixture
def running(sqlite_database: Database) -> Iterator[Running]:
    behaviour = IssuerBehaviour()
    redirect_uris: set[str] = set()  # registered once the dashboard's address is known
    with serve(issuer_app(behaviour, redirect_uris)) as issuer:
        settings = dashboard_settings(
            sqlite_database.url,
            environment="test",
            dev_tokens=False,
            dashboard_oidc_issuer=str(issuer.base_url).rstrip("/"),
            dashboard_oidc_client_id=CLIENT_ID,
            dashboard_oidc_client_secret=CLIENT_SECRET,
        )
        with serve(create_app(settings, sqlite_database)) as dashboard:
            redirect_uris.add(str(dashboard.base_url).rstrip("/") + f"{BASE}/sign-in/callback")
            yield Running(Browser(dashboard), issuer, behaviour)


def _start(running: Running) -> str:
    """Press 'Sign in with your organisation account'; return where the provider sends the browser back."""
    page = running.browser.get(f"{BASE}/sign-in")
    assert "Sign in with your organisation account" in page.text
    assert "development user" not in page.text.lower()
    to_provider = running.browser.post(f"{BASE}/sign-in/oidc", {"csrf_token": csrf_from(page)})
    assert to_provider.status_code == 303
    query = parse_qs(urlsplit(to_provider.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CLIENT_ID]
    back = running.issuer.get(to_provider.headers["location"])
    assert back.status_code == 302, back.text
    return back.headers["location"]


def _callback_path(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def test_signing_in_with_the_organisation_account(running: Running) -> None:
    finished = running.browser.get(_callback_path(_start(running)))
    assert finished.status_code == 303 and finished.headers["location"] == f"{BASE}/"
    home = running.browser.get(f"{BASE}/")
    assert home.status_code == 200
    assert "Sam Carer" in home.text and "kettleby-council" in home.text and "Social worker" in home.text
    assert "Your organisation account" in home.text


def test_the_code_cannot_be_used_twice(running: Running) -> None:
    callback = _callback_path(_start(running))
    assert running.browser.get(callback).status_code == 303
    running.browser.post(f"{BASE}/sign-out", {"csrf_token": csrf_from(running.browser.get(f"{BASE}/"))})
    again = running.browser.get(callback)
    assert again.status_code == 403, "the sign-in it belonged to is over"


def test_a_callback_for_another_browsers_sign_in_is_refused(running: Running) -> None:
    callback = _callback_path(_start(running))
    stranger = Browser(running.browser.client)
    stranger.get(f"{BASE}/sign-in")
    refused = stranger.get(callback)
    assert refused.status_code == 403
    assert stranger.get(f"{BASE}/").status_code == 303


def test_a_tampered_state_is_refused(running: Running) -> None:
    callback = _callback_path(_start(running))
    refused = running.browser.get(callback.replace("state=", "state=x"))
    assert refused.status_code == 403
    assert running.browser.get(f"{BASE}/").status_code == 303


@pytest.mark.parametrize(
    ("knob", "message"),
    [
        ("wrong_nonce", "was not for this sign-in"),
        ("sign_with_unpublished_key", "could not be verified"),
        ("audience", "could not be verified"),
    ],
)
def test_an_id_token_that_does_not_check_out_is_refused(running: Running, knob: str, message: str) -> None:
    if knob == "audience":
        running.behaviour.audience = "some-other-client"
    else:
        setattr(running.behaviour, knob, True)
    refused = running.browser.get(_callback_path(_start(running)))
    assert refused.status_code == 400
    assert message in refused.text and "You have not been signed in" in refused.text
    assert running.browser.get(f"{BASE}/").status_code == 303


def test_the_provider_saying_no_is_not_a_sign_in(running: Running) -> None:
    page = running.browser.get(f"{BASE}/sign-in")
    to_provider = running.browser.post(f"{BASE}/sign-in/oidc", {"csrf_token": csrf_from(page)})
    state = parse_qs(urlsplit(to_provider.headers["location"]).query)["state"][0]
    refused = running.browser.get(f"{BASE}/sign-in/callback?error=access_denied&state={state}")
    assert refused.status_code == 400
    assert running.browser.get(f"{BASE}/").status_code == 303
