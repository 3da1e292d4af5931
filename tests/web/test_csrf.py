"""Every form post must carry this session's synchronizer token; without it, or with another, it is refused."""

from __future__ import annotations

import pytest

from .support import BASE, Browser, csrf_from


@pytest.mark.parametrize("token", [None, "", "not-the-token"], ids=["missing", "empty", "wrong"])
def test_signing_in_without_the_right_token_is_refused(browser: Browser, token: str | None) -> None:
    browser.get(f"{BASE}/sign-in")  # the session (and its token) exists, but the post does not carry it
    data = {"username": "social-worker"} | ({} if token is None else {"csrf_token": token})
    response = browser.post(f"{BASE}/sign-in/development", data)
    assert response.status_code == 403
    assert "The form could not be accepted" in response.text
    assert browser.get(f"{BASE}/").status_code == 303, "no session was started"


def test_a_token_from_another_session_is_refused(browser: Browser) -> None:
    other = Browser(browser.client)
    stolen = csrf_from(other.get(f"{BASE}/sign-in"))
    mine = csrf_from(browser.get(f"{BASE}/sign-in"))
    assert stolen != mine
    response = browser.post(f"{BASE}/sign-in/development", {"username": "social-worker", "csrf_token": stolen})
    assert response.status_code == 403


def test_a_post_with_no_session_at_all_is_refused(browser: Browser) -> None:
    response = browser.post(f"{BASE}/sign-in/development", {"username": "social-worker", "csrf_token": "guess"})
    assert response.status_code == 403


def test_signing_out_needs_the_token_too(browser: Browser) -> None:
    browser.sign_in()
    assert browser.post(f"{BASE}/sign-out", {"csrf_token": "wrong"}).status_code == 403
    assert browser.get(f"{BASE}/").status_code == 200, "still signed in"
    token = csrf_from(browser.get(f"{BASE}/"))
    assert browser.post(f"{BASE}/sign-out", {"csrf_token": token}).status_code == 303


def test_signing_in_replaces_the_token(browser: Browser) -> None:
    before = csrf_from(browser.get(f"{BASE}/sign-in"))
    browser.post(f"{BASE}/sign-in/development", {"username": "social-worker", "csrf_token": before})
    after = csrf_from(browser.get(f"{BASE}/"))
    assert after != before
    assert browser.post(f"{BASE}/sign-out", {"csrf_token": before}).status_code == 403
