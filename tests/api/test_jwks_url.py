"""Issuer keys from a JWKS URL: fetched from a real local HTTP server, cached, refetched once on rotation."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet, RSAKey

from joinedup.api import create_app
from joinedup.api.auth import KeysUnavailable, RemoteKeys
from joinedup.settings import OidcIssuer
from joinedup.store import Database

from .support import EXTERNAL_AUDIENCE, EXTERNAL_ISSUER, ExternalIdp, api_settings, bearer, serve


class JwksServer:
    """Serves whatever key set it currently holds at /jwks.json, and counts the requests."""

    def __init__(self) -> None:
        self.document: dict[str, Any] | None = None
        self.requests = 0
        self.status = 200
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                body = json.dumps(owner.document).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def publish(self, *keys: RSAKey) -> None:
        self.document = dict(KeySet(list(keys)).as_dict(private=False))

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


@pytest.fixture
def url_client(jwks_server: JwksServer, sqlite_database: Database) -> Iterator[httpx.Client]:
    issuer = OidcIssuer(issuer=EXTERNAL_ISSUER, audience=EXTERNAL_AUDIENCE, jwks_url=jwks_server.url)
    settings = api_settings(sqlite_database.url, oidc_issuers=[issuer])
    with serve(create_app(settings, sqlite_database)) as client:
        yield client


def test_keys_are_fetched_once_and_cached(idp: ExternalIdp, jwks_server: JwksServer, url_client: httpx.Client) -> None:
    jwks_server.publish(idp.rsa)
    assert jwks_server.requests == 0  # nothing is fetched at start-up
    for _ in range(3):
        assert url_client.get("/api/v1/whoami", headers=bearer(idp.token())).status_code == 200
    assert jwks_server.requests == 1


def test_a_rotated_key_is_found_by_one_refetch(
    idp: ExternalIdp, jwks_server: JwksServer, url_client: httpx.Client
) -> None:
    old, new = idp.rsa, RSAKey.generate_key(2048, auto_kid=True)
    jwks_server.publish(old)
    assert url_client.get("/api/v1/whoami", headers=bearer(idp.token(key=old))).status_code == 200
    jwks_server.publish(new)  # the issuer rotates: the new key replaces the old
    assert url_client.get("/api/v1/whoami", headers=bearer(idp.token(key=new))).status_code == 200
    assert jwks_server.requests == 2
    # The old key is gone from the fresh set, so its tokens no longer verify.
    assert url_client.get("/api/v1/whoami", headers=bearer(idp.token(key=old))).status_code == 401


def test_unknown_kids_cause_one_refetch_not_a_stream(
    idp: ExternalIdp, jwks_server: JwksServer, url_client: httpx.Client
) -> None:
    jwks_server.publish(idp.rsa)
    assert url_client.get("/api/v1/whoami", headers=bearer(idp.token())).status_code == 200
    for _ in range(5):
        stranger = RSAKey.generate_key(2048, auto_kid=True)
        assert url_client.get("/api/v1/whoami", headers=bearer(idp.token(key=stranger))).status_code == 401
    assert jwks_server.requests == 2  # the first fetch, then one refetch; later unknown kids wait their turn


def test_an_unreachable_issuer_is_503_not_401(
    idp: ExternalIdp, jwks_server: JwksServer, url_client: httpx.Client
) -> None:
    jwks_server.status = 500
    response = url_client.get("/api/v1/whoami", headers=bearer(idp.token()))
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "30"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_expires_after_its_ttl_and_survives_a_failed_refresh(
    idp: ExternalIdp, jwks_server: JwksServer
) -> None:
    clock = Clock()
    jwks_server.publish(idp.rsa)

    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            keys = RemoteKeys(jwks_server.url, http, ttl=300, min_refetch_interval=30, clock=clock)
            assert (await keys.key_for(idp.rsa.kid, "RS256")).kid == idp.rsa.kid
            clock.now += 299
            await keys.key_for(idp.rsa.kid, "RS256")
            assert jwks_server.requests == 1
            clock.now += 1
            await keys.key_for(idp.rsa.kid, "RS256")
            assert jwks_server.requests == 2
            # The issuer fails: the keys we have keep working, and we retry after the refetch interval only.
            jwks_server.status = 503
            clock.now += 300
            assert (await keys.key_for(idp.rsa.kid, "RS256")).kid == idp.rsa.kid
            clock.now += 10
            await keys.key_for(idp.rsa.kid, "RS256")
            assert jwks_server.requests == 3
            clock.now += 20
            await keys.key_for(idp.rsa.kid, "RS256")
            assert jwks_server.requests == 4

    asyncio.run(scenario())


def test_no_keys_at_all_is_keys_unavailable(jwks_server: JwksServer) -> None:
    jwks_server.document = {"not": "a jwks"}

    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            keys = RemoteKeys(jwks_server.url, http)
            with pytest.raises(KeysUnavailable):
                await keys.key_for("any", "RS256")

    asyncio.run(scenario())


def test_the_refetch_interval_applies_per_source(idp: ExternalIdp, jwks_server: JwksServer) -> None:
    clock = Clock()
    jwks_server.publish(idp.rsa)

    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            keys = RemoteKeys(jwks_server.url, http, min_refetch_interval=30, clock=clock)
            await keys.key_for(idp.rsa.kid, "RS256")
            with pytest.raises(InvalidKeyIdError):
                await keys.key_for("unknown-1", "RS256")
            assert jwks_server.requests == 2
            with pytest.raises(InvalidKeyIdError):
                await keys.key_for("unknown-2", "RS256")
            assert jwks_server.requests == 2
            clock.now += 30
            with pytest.raises(InvalidKeyIdError):
                await keys.key_for("unknown-3", "RS256")
            assert jwks_server.requests == 3

    asyncio.run(scenario())
