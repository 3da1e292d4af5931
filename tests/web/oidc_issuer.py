"""A small but real OIDC issuer for the tests: discovery, authorize (code + PKCE), token, JWKS, over HTTP.

It signs in one configured person without asking (a real provider would show its own sign-in page first), and
holds the client to the protocol: registered client and redirect URI, client secret by HTTP Basic, single-use
codes bound to the redirect URI, PKCE S256. Knobs let a test make it misbehave the ways a hostile or broken
provider might (a wrong nonce, a key it does not publish, another audience).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

CLIENT_ID = "joinedup-dashboard"
CLIENT_SECRET = "a-client-secret-for-tests"


@dataclass
class IssuerBehaviour:
    claims: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "idp-7f3a",
            "name": "Sam Carer",
            "org": "kettleby-council",
            "roles": ["social_worker"],
        }
    )
    wrong_nonce: bool = False
    sign_with_unpublished_key: bool = False
    audience: str = CLIENT_ID


@dataclass
class _Grant:
    redirect_uri: str
    nonce: str
    challenge: str


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def issuer_app(behaviour: IssuerBehaviour, redirect_uris: set[str]) -> FastAPI:
    key = ECKey.generate_key("P-256", auto_kid=True)
    stranger = ECKey.generate_key("P-256", auto_kid=True)
    grants: dict[str, _Grant] = {}
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.token_requests = 0

    def issuer(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    @app.get("/.well-known/openid-configuration")
    def discovery(request: Request) -> dict[str, Any]:
        base = issuer(request)
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["ES256"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return dict(KeySet([key]).as_dict(private=False))

    @app.get("/authorize")
    def authorize(
        response_type: str, client_id: str, redirect_uri: str, state: str, nonce: str,
        code_challenge: str, code_challenge_method: str, scope: str,
    ) -> RedirectResponse:  # fmt: skip
        if client_id != CLIENT_ID or redirect_uri not in redirect_uris:
            raise HTTPException(400, "unknown client or redirect URI")  # never redirect to an unknown place
        if response_type != "code" or code_challenge_method != "S256" or "openid" not in scope.split():
            return RedirectResponse(f"{redirect_uri}?{urlencode({'error': 'invalid_request', 'state': state})}")
        code = secrets.token_urlsafe(16)
        grants[code] = _Grant(redirect_uri, nonce, code_challenge)
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

    @app.post("/token")
    def token(
        request: Request,
        grant_type: Annotated[str, Form()],
        code: Annotated[str, Form()],
        redirect_uri: Annotated[str, Form()],
        code_verifier: Annotated[str, Form()],
        authorization: Annotated[str, Header()] = "",
    ) -> JSONResponse:
        app.state.token_requests += 1
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if not secrets.compare_digest(authorization, expected):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = grants.pop(code, None)  # single use
        if grant_type != "authorization_code" or grant is None or grant.redirect_uri != redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if _s256(code_verifier) != grant.challenge:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": issuer(request), "aud": behaviour.audience, "iat": now, "exp": now + 300,
            "nonce": "not-the-nonce" if behaviour.wrong_nonce else grant.nonce, **behaviour.claims,
        }  # fmt: skip
        signer = stranger if behaviour.sign_with_unpublished_key else key
        id_token = jwt.encode({"alg": "ES256", "kid": signer.kid}, claims, signer, algorithms=["ES256"])
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": id_token})

    return app
