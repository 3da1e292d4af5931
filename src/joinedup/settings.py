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

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key.get_secret_value() == PLACEHOLDER_SECRET:
                raise ValueError("JOINEDUP_SECRET_KEY must be set to a real secret in production")
            if self.dev_tokens:
                raise ValueError("JOINEDUP_DEV_TOKENS must be false in production")
        return self


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (e.g. CLI options) taking precedence."""
    clean = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**clean)  # type: ignore[arg-type]
