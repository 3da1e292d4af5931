"""Dashboard test helpers: a browser-like HTTP session (cookies kept by hand, form tokens read from pages).

httpx's cookie jar never sends a Secure cookie over plain http, which is right, but the dashboard marks its
cookie Secure outside development; so the session keeps the cookie itself, as a browser on localhost does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import httpx

from joinedup.settings import Settings
from joinedup.web import SESSION_COOKIE

BASE = "/dashboard"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def dashboard_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "development",
        "database_url": database_url,
        "dev_tokens": True,
        "secret_key": "a-test-secret-that-is-long-enough-0123456789",
    }
    values.update(overrides)
    return Settings(**values)


def csrf_from(page: httpx.Response) -> str:
    found = _TOKEN.search(page.text)
    assert found is not None, "the page has no form token"
    return found.group(1)


@dataclass
class Browser:
    """Keeps the session cookie across requests, and records every Set-Cookie header it was sent."""

    client: httpx.Client
    cookie: str | None = None
    set_cookies: list[str] = field(default_factory=list)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.cookie is not None:
            headers["Cookie"] = f"{SESSION_COOKIE}={self.cookie}"
        self.client.cookies.clear()  # the client is shared between Browsers: its own jar must not carry a session
        response = self.client.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            self.set_cookies.append(header)
            morsel = SimpleCookie(header).get(SESSION_COOKIE)
            if morsel is not None:
                self.cookie = morsel.value or None
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self._send("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
        return self._send("POST", path, data=data, **kwargs)

    def sign_in(self, username: str = "social-worker") -> httpx.Response:
        token = csrf_from(self.get(f"{BASE}/sign-in"))
        response = self.post(f"{BASE}/sign-in/development", {"username": username, "csrf_token": token})
        assert response.status_code == 303, response.text
        return response
