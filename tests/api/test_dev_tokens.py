"""Development tokens: issued for the built-in users, checked like any issuer's, and absent outside development."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from pydantic import SecretStr

from joinedup.api import DEV_USERS, DevUser, create_app
from joinedup.api.auth import DEV_AUDIENCE, DEV_ISSUER
from joinedup.settings import Settings
from joinedup.store import Database

from .support import ExternalIdp, api_settings, bearer, serve

DEV_PATHS = ["/api/v1/dev/jwks.json", "/api/v1/dev/users", "/api/v1/dev/token"]
ORGANISATIONS = {"kettleby-council", "kettleby-primary-care", "kettleby-schools-trust", "kettleby-police"}


@pytest.fixture
def dev_client(sqlite_database: Database) -> Iterator[httpx.Client]:
    with serve(create_app(api_settings(sqlite_database.url, dev_tokens=True), sqlite_database)) as client:
        yield client


def dev_token(client: httpx.Client, username: str) -> str:
    response = client.post("/api/v1/dev/token", json={"username": username})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_the_dev_users_cover_the_demo_organisations() -> None:
    assert {user.organisation for user in DEV_USERS} == ORGANISATIONS
    assert len({user.username for user in DEV_USERS}) == len({user.subject for user in DEV_USERS}) == len(DEV_USERS)
    assert all(user.roles for user in DEV_USERS)


@pytest.mark.parametrize("user", DEV_USERS, ids=lambda user: user.username)
def test_each_dev_user_gets_a_token_that_authenticates(dev_client: httpx.Client, user: DevUser) -> None:
    response = dev_client.get("/api/v1/whoami", headers=bearer(dev_token(dev_client, user.username)))
    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["subject"], body["organisation"]) == ("staff", user.subject, user.organisation)
    assert tuple(body["roles"]) == user.roles
    assert body["issuer"] == DEV_ISSUER


def test_the_token_verifies_against_the_published_jwks(dev_client: httpx.Client) -> None:
    token = dev_token(dev_client, "gp-receptionist")
    keys = KeySet.import_key_set(dev_client.get("/api/v1/dev/jwks.json").json())
    assert all("d" not in key.as_dict(private=False) for key in keys)
    decoded = jwt.decode(token, keys, algorithms=["ES256"])
    assert decoded.header["alg"] == "ES256"
    assert (decoded.claims["iss"], decoded.claims["aud"]) == (DEV_ISSUER, DEV_AUDIENCE)
    assert decoded.claims["org"] == "kettleby-primary-care"


def test_an_unknown_dev_user_is_a_404_problem(dev_client: httpx.Client) -> None:
    response = dev_client.post("/api/v1/dev/token", json={"username": "mallory"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "social-worker" in response.json()["detail"]
    assert "mallory" not in response.text


def test_dev_tokens_of_another_process_are_refused(sqlite_database: Database, dev_client: httpx.Client) -> None:
    # Same issuer name, different ephemeral key: the signature check is real.
    other = create_app(api_settings(sqlite_database.url, dev_tokens=True), sqlite_database)
    with serve(other) as other_client:
        foreign = dev_token(other_client, "analyst")
    response = dev_client.get("/api/v1/whoami", headers=bearer(foreign))
    assert response.status_code == 401


def test_dev_tokens_are_refused_when_dev_tokens_are_off(
    sqlite_database: Database, dev_client: httpx.Client, idp: ExternalIdp
) -> None:
    token = dev_token(dev_client, "analyst")
    settings = api_settings(sqlite_database.url, oidc_issuers=[idp.issuer_settings()])
    with serve(create_app(settings, sqlite_database)) as client:
        response = client.get("/api/v1/whoami", headers=bearer(token))
    assert response.status_code == 401
    assert "issuer is not trusted" in response.json()["detail"]


def production_settings(database_url: str) -> Settings:
    return Settings(
        environment="production", database_url=database_url, dev_tokens=False, secret_key=SecretStr("s" * 32)
    )


@pytest.mark.parametrize(
    "make_settings",
    [
        lambda url: api_settings(url, dev_tokens=False),
        production_settings,
        # Settings refuse dev tokens in production; even if that check were bypassed, the app still says no.
        lambda url: Settings.model_construct(**{**dict(production_settings(url)), "dev_tokens": True}),
    ],
    ids=["dev-tokens-off", "production", "production-validation-bypassed"],
)
def test_dev_endpoints_do_not_exist_outside_development(
    sqlite_database: Database, make_settings: Callable[[str], Settings]
) -> None:
    app = create_app(make_settings(sqlite_database.url), sqlite_database)
    assert app.state.dev_issuer is None
    with serve(app) as client:
        for path in DEV_PATHS:
            assert client.get(path).status_code == 404
            assert client.post(path, json={"username": "analyst"}).status_code == 404
        spec = client.get("/api/v1/openapi.json").json()
    assert not [path for path in spec["paths"] if "/dev/" in path]
