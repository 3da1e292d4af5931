"""Who is calling: the one identity type every route, log line and (later) disclosure decision sees."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PrincipalKind = Literal["staff", "system"]
AuthMethod = Literal["api_key", "bearer"]


class Principal(BaseModel):
    """An authenticated caller: a member of staff (bearer token) or a system (API key)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PrincipalKind
    subject: str = Field(description="Stable id: the token's `sub`, or the system code for an API key.")
    organisation: str | None = Field(default=None, description="Organisation code, from the token's `org` claim.")
    roles: tuple[str, ...] = Field(default=(), description="Role codes, from the token's `roles` claim.")
    display_name: str | None = None
    auth_method: AuthMethod
    issuer: str | None = Field(default=None, description="The token issuer; None for API keys.")
    credential_id: str | None = Field(default=None, description="API key id or token `jti`, for audit.")
