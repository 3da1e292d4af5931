"""Development tokens: a JWKS and a token endpoint for the built-in dev users. Mounted only in development."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from ..auth.dev_issuer import DEV_AUDIENCE, DEV_ISSUER, DEV_TOKEN_LIFETIME_SECONDS, DevIssuer
from ..dev_users import DEV_USERS, dev_user


class TokenRequest(BaseModel):
    username: str = Field(max_length=64, examples=["social-worker"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth 2.0 token type, not a secret
    expires_in: int
    issuer: str
    audience: str


class DevUserView(BaseModel):
    username: str
    subject: str
    display_name: str
    organisation: str
    roles: tuple[str, ...]


def dev_router() -> APIRouter:
    router = APIRouter(prefix="/dev", tags=["development"])

    @router.get("/jwks.json", summary="The development issuer's public keys")
    def jwks(request: Request) -> dict[str, Any]:
        issuer: DevIssuer = request.app.state.dev_issuer
        return issuer.jwks()

    @router.get("/users", response_model=list[DevUserView], summary="The built-in development users")
    def users() -> list[DevUserView]:
        return [DevUserView(**vars(user)) for user in DEV_USERS]

    @router.post("/token", response_model=TokenResponse, summary="A bearer token for a development user")
    def token(body: TokenRequest, request: Request) -> TokenResponse:
        user = dev_user(body.username)
        if user is None:
            known = ", ".join(user.username for user in DEV_USERS)
            raise HTTPException(404, detail=f"There is no development user by that name; try one of: {known}.")
        issuer: DevIssuer = request.app.state.dev_issuer
        return TokenResponse(
            access_token=issuer.issue(user),
            expires_in=DEV_TOKEN_LIFETIME_SECONDS,
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
        )

    return router
