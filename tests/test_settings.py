"""Settings: explicit overrides win, production refuses placeholders, and every setting is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.settings import Settings, load_settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`JOINEDUP_{name.upper()}`" not in text]
    assert not missing, f"undocumented settings in docs/configuration.md: {missing}"


def test_override_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings().database_url == "sqlite:///from-env.db"
    assert load_settings(database_url="sqlite:///explicit.db").database_url == "sqlite:///explicit.db"
    assert load_settings(database_url=None).database_url == "sqlite:///from-env.db"


def test_production_refuses_placeholder_secret() -> None:
    with pytest.raises(ValueError, match="SECRET_KEY"):
        load_settings(environment="production", dev_tokens=False)
    with pytest.raises(ValueError, match="DEV_TOKENS"):
        load_settings(environment="production", secret_key="a-real-secret-of-some-length")
    settings = load_settings(environment="production", secret_key="a-real-secret-of-some-length", dev_tokens=False)
    assert settings.environment == "production"


def test_oidc_issuers_come_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "JOINEDUP_OIDC_ISSUERS",
        '[{"issuer": "https://idp.example", "audience": "joinedup", "jwks_url": "https://idp.example/jwks"}]',
    )
    (issuer,) = load_settings().oidc_issuers
    assert (issuer.issuer, issuer.audience) == ("https://idp.example", "joinedup")
