"""Bearer tokens (JWT) from trusted OIDC issuers, checked the same way whoever issued them.

The order matters: the unverified payload is read only to learn which issuer to ask for a key; nothing from
it is trusted until the signature has been checked with that issuer's key, and then every claim is validated.
Only asymmetric algorithms are accepted: ``none`` proves nothing, and an HMAC secret would have to be shared
with (and so could be forged by) anyone who can verify.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import ExpiredTokenError, InvalidClaimError, InvalidKeyIdError, JoseError, MissingClaimError
from joserfc.jwt import JWTClaimsRegistry

from .keys import KeySource
from .principal import Principal

ALLOWED_ALGORITHMS = ("RS256", "ES256")
LEEWAY_SECONDS = 60
ORGANISATION_CLAIM = "org"
ROLES_CLAIM = "roles"
NAME_CLAIM = "name"
_MAX_TOKEN_LENGTH = 16_384


class InvalidToken(Exception):
    """A bearer token that must not be accepted. The message is safe to show the caller: it holds no claims."""


@dataclass(frozen=True)
class TrustedIssuer:
    issuer: str
    audience: str
    keys: KeySource


class TokenVerifier:
    """Turns a compact JWT into a staff :class:`Principal`, or raises :class:`InvalidToken`."""

    def __init__(self, issuers: list[TrustedIssuer], *, now: Callable[[], int] = lambda: int(time.time())) -> None:
        self._issuers: Mapping[str, TrustedIssuer] = {trusted.issuer: trusted for trusted in issuers}
        self._now = now

    @property
    def issuers(self) -> tuple[str, ...]:
        return tuple(self._issuers)

    async def verify(self, token: str) -> Principal:
        if len(token) > _MAX_TOKEN_LENGTH:
            raise InvalidToken("the token is too long")
        try:
            compact = jws.extract_compact(token.encode("ascii"))
            header = compact.headers()
            unverified = _claims_object(compact.payload)
        except (JoseError, ValueError, RecursionError) as error:
            raise InvalidToken("the token is not a well-formed signed JWT") from error

        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise InvalidToken(f"tokens must be signed with one of {', '.join(ALLOWED_ALGORITHMS)}")
        claimed_issuer = unverified.get("iss")
        trusted = self._issuers.get(claimed_issuer) if isinstance(claimed_issuer, str) else None
        if trusted is None:
            raise InvalidToken("the token's issuer is not trusted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("the token's key id is not valid")

        try:
            key = await trusted.keys.key_for(kid, alg)
        except InvalidKeyIdError as error:
            raise InvalidToken("the token was signed with a key the issuer does not publish") from error
        try:
            valid = jws.validate_compact(compact, key, algorithms=[alg])
        except JoseError as error:
            raise InvalidToken("the token's signature is not valid") from error
        if not valid:
            raise InvalidToken("the token's signature is not valid")

        claims = unverified  # now verified
        self._validate_claims(claims, trusted)
        return _principal(claims, trusted.issuer)

    def _validate_claims(self, claims: dict[str, Any], trusted: TrustedIssuer) -> None:
        registry = JWTClaimsRegistry(
            now=self._now,
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": trusted.issuer},
            aud={"essential": True, "value": trusted.audience},
            sub={"essential": True},
            exp={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as error:
            raise InvalidToken("the token has expired") from error
        except MissingClaimError as error:
            raise InvalidToken(f"the token lacks a required claim ({error.claim})") from error
        except InvalidClaimError as error:  # wrong iss/aud, or "nbf"/"iat" in the future
            raise InvalidToken(f"the token's '{error.claim}' claim is not acceptable") from error


def _claims_object(payload: bytes | None) -> dict[str, Any]:
    claims = json.loads(payload or b"")
    if not isinstance(claims, dict):
        raise ValueError("the payload is not a JSON object")
    return claims


def _principal(claims: dict[str, Any], issuer: str) -> Principal:
    organisation = claims.get(ORGANISATION_CLAIM)
    roles = claims.get(ROLES_CLAIM, [])
    name = claims.get(NAME_CLAIM)
    jti = claims.get("jti")
    if organisation is not None and not isinstance(organisation, str):
        raise InvalidToken(f"the '{ORGANISATION_CLAIM}' claim must be a string")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise InvalidToken(f"the '{ROLES_CLAIM}' claim must be a list of strings")
    return Principal(
        kind="staff",
        subject=claims["sub"],
        organisation=organisation,
        roles=tuple(roles),
        display_name=name if isinstance(name, str) else None,
        auth_method="bearer",
        issuer=issuer,
        credential_id=jti if isinstance(jti, str) else None,
    )
