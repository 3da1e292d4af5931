"""create_app refuses issuer configurations that could not work or would be unsafe, before serving anything."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from joserfc.jwk import ECKey, KeySet
from pydantic import SecretStr

from joinedup.api import create_app
from joinedup.api.auth import StaticKeys
from joinedup.settings import OidcIssuer, Settings
from joinedup.store import Database

from .support import api_settings


def issuer(name: str = "https://idp.example/", **keys: object) -> OidcIssuer:
    return OidcIssuer.model_validate({"issuer": name, "audience": "joinedup-api", **keys})


@pytest.mark.parametrize(
    ("issuers", "message"),
    [
        ([issuer()], "exactly one of jwks_url or jwks_file"),
        ([issuer(jwks_url="https://idp.example/jwks", jwks_file="jwks.json")], "exactly one of"),
        ([issuer(jwks_url="https://a/jwks"), issuer(jwks_url="https://b/jwks")], "more than once"),
        ([issuer("urn:joinedup:dev", jwks_url="https://a/jwks")], "reserved for development"),
    ],
)
def test_unworkable_issuer_settings_are_refused(
    sqlite_database: Database, issuers: list[OidcIssuer], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        create_app(api_settings(sqlite_database.url, oidc_issuers=issuers), sqlite_database)


def test_production_needs_https_for_jwks(sqlite_database: Database) -> None:
    def production(url: str) -> Settings:
        return Settings(
            environment="production",
            database_url=sqlite_database.url,
            dev_tokens=False,
            secret_key=SecretStr("s" * 32),
            oidc_issuers=[issuer(jwks_url=url)],
        )

    with pytest.raises(ValueError, match="must use https"):
        create_app(production("http://idp.example/jwks"), sqlite_database)
    assert create_app(production("https://idp.example/jwks"), sqlite_database).state.dev_issuer is None


@pytest.mark.parametrize("content", ["not json", '{"keys": "no"}', '{"keys": []}', "[]"])
def test_a_bad_jwks_file_is_reported_with_its_path(tmp_path: Path, content: str) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=r"cannot read the JWKS file .*jwks\.json"):
        StaticKeys.from_file(path)


def test_a_missing_jwks_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the JWKS file"):
        StaticKeys.from_file(tmp_path / "absent.json")


def test_private_keys_in_a_jwks_file_are_kept_public_only(tmp_path: Path) -> None:
    key = ECKey.generate_key("P-256", auto_kid=True)
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(KeySet([key]).as_dict(private=True)), encoding="utf-8")
    loaded = asyncio.run(StaticKeys.from_file(path).key_for(key.kid, "ES256"))
    assert loaded.is_private is False
    assert loaded.kid == key.kid
