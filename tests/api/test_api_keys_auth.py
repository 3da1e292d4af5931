"""Systems authenticate with API keys: a live key is a system principal, a revoked or unknown one is refused."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from joinedup.api import create_app
from joinedup.store import Database
from joinedup.store.api_keys import ApiKeyRepository

from .support import api_settings, serve


@pytest.fixture
def client(database: Database) -> Iterator[httpx.Client]:
    with serve(create_app(api_settings(database.url), database)) as client:
        yield client


def test_a_live_key_authenticates_a_system(database: Database, client: httpx.Client) -> None:
    issued = ApiKeyRepository(database).issue("kettleby-housing", "nightly sync")
    response = client.get("/api/v1/whoami", headers={"X-API-Key": issued.plaintext})
    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["subject"], body["auth_method"]) == ("system", "kettleby-housing", "api_key")
    assert body["credential_id"] == f"api-key:{issued.id}"
    assert body["organisation"] is None and body["roles"] == []


def test_a_revoked_key_is_refused(database: Database, client: httpx.Client) -> None:
    repository = ApiKeyRepository(database)
    issued = repository.issue("kettleby-housing")
    assert client.get("/api/v1/whoami", headers={"X-API-Key": issued.plaintext}).status_code == 200
    assert repository.revoke(issued.id)
    response = client.get("/api/v1/whoami", headers={"X-API-Key": issued.plaintext})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"] == "The API key is not valid or has been revoked."


@pytest.mark.parametrize("presented", ["jdk_00000000_not-a-real-key", "not-even-the-right-shape", "jdk_" + "x" * 500])
def test_unknown_keys_are_refused(client: httpx.Client, presented: str) -> None:
    response = client.get("/api/v1/whoami", headers={"X-API-Key": presented})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert presented not in response.text


def test_an_api_key_and_a_bearer_token_together_are_refused(database: Database, client: httpx.Client) -> None:
    issued = ApiKeyRepository(database).issue("kettleby-housing")
    response = client.get("/api/v1/whoami", headers={"X-API-Key": issued.plaintext, "Authorization": "Bearer whatever"})
    assert response.status_code == 401
    assert "not both" in response.json()["detail"]


def test_other_authorization_schemes_are_refused(client: httpx.Client) -> None:
    response = client.get("/api/v1/whoami", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]
