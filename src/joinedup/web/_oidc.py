"""OIDC sign-in for the dashboard: the authorization-code flow with PKCE, state and nonce.

The ID token that comes back is checked by the API's own :class:`TokenVerifier` (signature with the issuer's
published keys, issuer, audience = our client id, expiry), then its nonce against the one we sent. Staff get
the same identity either way: subject, organisation (``org`` claim) and roles (``roles`` claim).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from joserfc import jws

from ..api.auth import InvalidToken, KeysUnavailable, Principal, RemoteKeys, TokenVerifier, TrustedIssuer

log = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 5.0


class SignInFailed(Exception):
    """The identity provider's answer could not be accepted. The message is safe to show: it holds no claims."""


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class PendingSignIn:
    """What we remember between sending the browser to the provider and its coming back."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> PendingSignIn:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    def __init__(self, issuer: str, client_id: str, client_secret: str | None) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self._metadata: ProviderMetadata | None = None

    async def metadata(self) -> ProviderMetadata:
        """The provider's discovery document, fetched once and kept."""
        if self._metadata is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            try:
                async with httpx.AsyncClient(timeout=_TIMEOUT_SECONDS) as http:
                    response = await http.get(url, headers={"Accept": "application/json"})
                    response.raise_for_status()
                    document = response.json()
                metadata = ProviderMetadata(
                    issuer=document["issuer"],
                    authorization_endpoint=document["authorization_endpoint"],
                    token_endpoint=document["token_endpoint"],
                    jwks_uri=document["jwks_uri"],
                )
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                log.warning("oidc discovery failed", extra={"error_type": type(error).__name__})
                raise SignInFailed("The sign-in service cannot be reached just now.") from error
            if metadata.issuer.rstrip("/") != self.issuer:
                raise SignInFailed("The sign-in service describes itself as a different issuer.")
            self._metadata = metadata
        return self._metadata

    async def authorization_url(self, pending: PendingSignIn, redirect_uri: str) -> str:
        metadata = await self.metadata()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid profile",
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": pending.challenge,
            "code_challenge_method": "S256",
        }
        return f"{metadata.authorization_endpoint}?{urlencode(query)}"

    async def finish(self, code: str, pending: PendingSignIn, redirect_uri: str) -> Principal:
        """Swap the code for tokens and check the ID token. Raises SignInFailed."""
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "code_verifier": pending.verifier,
        }
        # A confidential client authenticates with HTTP Basic (client_secret_basic); a public one sends no secret.
        auth = httpx.BasicAuth(self.client_id, self._client_secret) if self._client_secret else None
        async with httpx.AsyncClient(timeout=_TIMEOUT_SECONDS, follow_redirects=False, auth=auth) as http:
            try:
                response = await http.post(metadata.token_endpoint, data=form)
                response.raise_for_status()
                id_token = response.json()["id_token"]
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                log.warning("oidc code exchange failed", extra={"error_type": type(error).__name__})
                raise SignInFailed("The sign-in service did not accept the sign-in; please try again.") from error
            if not isinstance(id_token, str):
                raise SignInFailed("The sign-in service sent no usable identity.")
            keys = RemoteKeys(metadata.jwks_uri, http)
            verifier = TokenVerifier([TrustedIssuer(metadata.issuer, self.client_id, keys)])
            try:
                principal = await verifier.verify(id_token)
            except (InvalidToken, KeysUnavailable) as error:
                log.warning("oidc id token refused", extra={"reason": str(error)})
                raise SignInFailed("The identity the sign-in service sent could not be verified.") from error
        # The signature has been checked above, so reading the nonce from the payload is safe now.
        claims = json.loads(jws.extract_compact(id_token.encode("ascii")).payload or b"{}")
        if not isinstance(claims, dict) or not secrets.compare_digest(str(claims.get("nonce", "")), pending.nonce):
            raise SignInFailed("The identity the sign-in service sent was not for this sign-in.")
        return principal
