"""Credentials on each request: a static API key header, or an OAuth2 client-credentials bearer token.

The bearer token is cached until shortly before it expires, and can be dropped when the API answers 401 so the
next request fetches a fresh one (the connector does that once per request, never in a loop).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urljoin

import httpx

from joinedup.connectors.rest._http import Sender
from joinedup.connectors.rest.config import ApiKeyAuth, OAuth2ClientCredentials
from joinedup.connectors.rest.errors import RestAuthError, RestProtocolError

_DEFAULT_LIFETIME = 300.0  # seconds, when the token endpoint does not say (RFC 6749 makes expires_in optional)
_MAX_EARLY_REFRESH = 30.0  # renew this long before expiry at most, so a token never dies mid-request


class Credentials:
    """Adds authentication headers to requests. The base class adds none."""

    refreshable = False

    def headers(self) -> dict[str, str]:
        return {}

    def invalidate(self) -> None:
        """Forget any cached token (after a 401)."""


class ApiKeyCredentials(Credentials):
    def __init__(self, settings: ApiKeyAuth) -> None:
        self._header = settings.header
        self._key = settings.key

    def headers(self) -> dict[str, str]:
        return {self._header: self._key.get_secret_value()}


class ClientCredentialsToken(Credentials):
    """A bearer token from the token endpoint, fetched lazily and reused until it is about to expire."""

    refreshable = True

    def __init__(
        self,
        settings: OAuth2ClientCredentials,
        sender: Sender,
        base_url: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._sender = sender
        self._token_url = urljoin(base_url.rstrip("/") + "/", settings.token_url)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.fetched = 0  # how many tokens this object has asked for (for tests and metrics)

    def headers(self) -> dict[str, str]:
        with self._lock:
            token = self._token
            if token is None or self._clock() >= self._renew_at:
                token = self._fetch()
            return {"Authorization": f"Bearer {token}"}

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _fetch(self) -> str:
        form = {"grant_type": "client_credentials"}
        if self._settings.scope:
            form["scope"] = self._settings.scope
        secret = self._settings.client_secret.get_secret_value()
        auth: httpx.BasicAuth | None = None
        if self._settings.client_auth == "basic":
            auth = httpx.BasicAuth(self._settings.client_id, secret)
        else:
            form |= {"client_id": self._settings.client_id, "client_secret": secret}
        try:
            response = self._sender.send("POST", self._token_url, data=form, auth=auth)
        except RestAuthError:
            raise RestAuthError("the token endpoint refused the client credentials") from None
        if response.status_code != 200:
            raise RestAuthError(f"the token endpoint refused the request (HTTP {response.status_code})")
        body = response.json()
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise RestProtocolError("the token endpoint's answer has no access_token")
        lifetime = body.get("expires_in", _DEFAULT_LIFETIME)
        lifetime = float(lifetime) if isinstance(lifetime, int | float | str) else _DEFAULT_LIFETIME
        self._token = token
        self._renew_at = self._clock() + lifetime - min(_MAX_EARLY_REFRESH, lifetime * 0.1)
        self.fetched += 1
        return token


def credentials_for(
    settings: ApiKeyAuth | OAuth2ClientCredentials | None, sender: Sender, base_url: str
) -> Credentials:
    if isinstance(settings, ApiKeyAuth):
        return ApiKeyCredentials(settings)
    if isinstance(settings, OAuth2ClientCredentials):
        return ClientCredentialsToken(settings, sender, base_url)
    return Credentials()
