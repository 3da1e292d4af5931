"""The dashboard's settings: OIDC settings go together, and production refuses placeholders and plain http."""

from __future__ import annotations

import types

import pytest

import joinedup.web
from joinedup.settings import PLACEHOLDER_SECRET, load_settings
from joinedup.web import dashboard_url

REAL = "a-real-secret-of-some-length-0123456789"


def test_an_issuer_needs_a_client_id_and_the_other_way_round() -> None:
    with pytest.raises(ValueError, match="go together"):
        load_settings(dashboard_oidc_issuer="https://login.example")
    with pytest.raises(ValueError, match="go together"):
        load_settings(dashboard_oidc_client_id="joinedup")
    settings = load_settings(dashboard_oidc_issuer="http://127.0.0.1:9", dashboard_oidc_client_id="joinedup")
    assert settings.dashboard_oidc_client_secret is None  # a public client is allowed (PKCE only)


@pytest.mark.parametrize("secret", [PLACEHOLDER_SECRET, ""])
def test_production_refuses_a_placeholder_client_secret(secret: str) -> None:
    with pytest.raises(ValueError, match="CLIENT_SECRET"):
        load_settings(
            environment="production", secret_key=REAL, dev_tokens=False,
            dashboard_oidc_issuer="https://login.example", dashboard_oidc_client_id="joinedup",
            dashboard_oidc_client_secret=secret,
        )  # fmt: skip


def test_production_refuses_a_plain_http_issuer() -> None:
    with pytest.raises(ValueError, match="https"):
        load_settings(
            environment="production", secret_key=REAL, dev_tokens=False,
            dashboard_oidc_issuer="http://login.example", dashboard_oidc_client_id="joinedup",
        )  # fmt: skip
    development = load_settings(dashboard_oidc_issuer="http://127.0.0.1:9", dashboard_oidc_client_id="joinedup")
    assert development.dashboard_oidc_issuer == "http://127.0.0.1:9"


def test_session_lifetime_must_be_positive() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        load_settings(dashboard_session_max_age=0)


def test_the_public_surface_is_complete_and_the_address_is_stable() -> None:
    assert sorted(joinedup.web.__all__) == sorted(
        name
        for name, value in vars(joinedup.web).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    )
    assert dashboard_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/dashboard/"
