"""The FastAPI side of authentication: read the credential, ask the right verifier, name the principal.

Every route under /api/v1 gets :func:`authenticate` as a router-level dependency (see ``app.py``); a handler that
needs the caller asks for :data:`CurrentPrincipal`, which FastAPI resolves from the same per-request cache.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ...store.api_keys import ApiKeyRepository
from .keys import KeysUnavailable
from .principal import Principal
from .tokens import InvalidToken, TokenVerifier

log = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"
REALM = "joinedup"

# Declared as FastAPI security schemes so that the OpenAPI document lists them on every operation.
api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    scheme_name="ApiKey",
    description="A key issued to a connected system (`joinedup apikey issue SYSTEM`).",
    auto_error=False,
)
bearer_scheme = HTTPBearer(
    scheme_name="BearerJWT",
    bearerFormat="JWT",
    description="An OAuth 2.0 / OIDC access token (JWT) from a trusted issuer, for staff.",
    auto_error=False,
)


class Unauthenticated(HTTPException):
    """401 with the challenge RFC 6750 asks for. ``detail`` never contains anything the caller sent."""

    def __init__(self, detail: str, *, bearer_error: str | None = None) -> None:
        challenge = f'Bearer realm="{REALM}"'
        if bearer_error is not None:
            challenge += f', error="{bearer_error}"'
        super().__init__(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": challenge})


class Authenticator:
    """Checks one credential: an API key (systems) or a bearer token (staff)."""

    def __init__(self, api_keys: ApiKeyRepository, tokens: TokenVerifier) -> None:
        self.api_keys = api_keys
        self.tokens = tokens

    async def from_api_key(self, plaintext: str) -> Principal:
        record = await run_in_threadpool(self.api_keys.verify, plaintext)
        if record is None:
            raise Unauthenticated("The API key is not valid or has been revoked.")
        return Principal(
            kind="system",
            subject=record.system,
            auth_method="api_key",
            credential_id=f"api-key:{record.id}",
        )

    async def from_bearer(self, token: str) -> Principal:
        try:
            return await self.tokens.verify(token)
        except InvalidToken as error:
            log.info("bearer token refused", extra={"reason": str(error)})
            raise Unauthenticated(f"The bearer token was refused: {error}.", bearer_error="invalid_token") from error
        except KeysUnavailable as error:
            log.warning("issuer keys unavailable", extra={"reason": str(error)})
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                detail="The token issuer's keys cannot be fetched just now; try again shortly.",
                headers={"Retry-After": "30"},
            ) from error


async def authenticate(
    request: Request,
    api_key: Annotated[str | None, Security(api_key_scheme)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Principal:
    """The caller, or 401. Exactly one credential must be sent."""
    authenticator: Authenticator = request.app.state.authenticator
    if api_key and (bearer or request.headers.get("authorization")):
        raise Unauthenticated("Send one credential: an API key or a bearer token, not both.")
    if api_key:
        principal = await authenticator.from_api_key(api_key)
    elif bearer is not None:
        principal = await authenticator.from_bearer(bearer.credentials)
    elif request.headers.get("authorization"):
        raise Unauthenticated("Only the Bearer authorization scheme is accepted.", bearer_error="invalid_request")
    else:
        raise Unauthenticated(f"Authentication is required: send an {API_KEY_HEADER} header or a bearer token.")
    request.state.principal = principal  # for the request log
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
