"""One settings object for every entry point, built explicitly and passed in.

Nothing here runs at import time: call :func:`load_settings` from the composition root (CLI, app factory).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///joinedup.db"
PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - the sentinel we refuse outside development


class OidcIssuer(BaseModel):
    """An identity provider whose bearer tokens staff may present (a plain model: it reads no environment)."""

    model_config = ConfigDict(extra="forbid")

    issuer: str
    audience: str
    jwks_url: str | None = None
    jwks_file: Path | None = None


class Settings(BaseSettings):
    """Runtime configuration. Environment variables use the ``JOINEDUP_`` prefix."""

    model_config = SettingsConfigDict(env_prefix="JOINEDUP_", extra="ignore", env_nested_delimiter="__")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    place_file: Path | None = None
    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    oidc_issuers: list[OidcIssuer] = Field(default_factory=list)
    dev_tokens: bool = Field(
        default=True,
        description="Issue local tokens for development users so the demo needs no identity provider.",
    )
    log_level: str = "INFO"
    audit_signing_key: Path = Field(
        default=Path("audit-signing-key.pem"),
        description="Ed25519 private key (PEM) that signs audit checkpoints; made for you outside production.",
    )
    audit_public_key: Path | None = Field(
        default=None, description="Public key that verifies checkpoints (default: AUDIT_SIGNING_KEY's NAME.pub.pem)."
    )
    audit_checkpoint_every: int = Field(default=10_000, ge=1, description="Entries between periodic checkpoints.")
    audit_pseudonym_key: SecretStr | None = Field(
        default=None, description="HMAC key for pseudonymised extracts (default: derived from SECRET_KEY)."
    )
    audit_small_number_threshold: int = Field(default=10, ge=1, description="Counts below this are suppressed.")
    audit_retention_days: dict[str, int] = Field(
        default_factory=dict, description="Retention per record type (source system code), in days."
    )
    ingest_reader_process: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="Read and map file drops in a second process: when a core is free (auto), always, or never.",
    )
    # The staff dashboard: its session cookie, and the identity provider staff sign in with (authorization code).
    dashboard_session_max_age: int = Field(default=8 * 3600, gt=0, description="Seconds a dashboard sign-in lasts.")
    dashboard_oidc_issuer: str | None = None
    dashboard_oidc_client_id: str | None = None
    dashboard_oidc_client_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if (self.dashboard_oidc_issuer is None) != (self.dashboard_oidc_client_id is None):
            raise ValueError("JOINEDUP_DASHBOARD_OIDC_ISSUER and JOINEDUP_DASHBOARD_OIDC_CLIENT_ID go together")
        if self.environment == "production":
            if self.secret_key.get_secret_value() == PLACEHOLDER_SECRET:
                raise ValueError("JOINEDUP_SECRET_KEY must be set to a real secret in production")
            if self.dev_tokens:
                raise ValueError("JOINEDUP_DEV_TOKENS must be false in production")
            client_secret = self.dashboard_oidc_client_secret
            if client_secret is not None and client_secret.get_secret_value() in ("", PLACEHOLDER_SECRET):
                raise ValueError("JOINEDUP_DASHBOARD_OIDC_CLIENT_SECRET must be a real secret in production")
            if self.dashboard_oidc_issuer is not None and not self.dashboard_oidc_issuer.startswith("https:"):
                raise ValueError("JOINEDUP_DASHBOARD_OIDC_ISSUER must use https in production")
        return self


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (e.g. CLI options) taking precedence."""
    clean = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**clean)  # type: ignore[arg-type]
