"""API test helpers: the app served by a real uvicorn on a free port, keys and tokens for a fake external IdP.

We serve over real HTTP rather than through Starlette's TestClient (which warns that its httpx integration is
deprecated, and warnings are errors here). Each server runs in a thread with its own event loop, lifespan
included, exactly as ``joinedup serve`` would run it.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from joinedup.settings import OidcIssuer, Settings

EXTERNAL_ISSUER = "https://login.kettleby.example/realms/staff"
EXTERNAL_AUDIENCE = "joinedup-api"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI) -> Iterator[httpx.Client]:
    """Run ``app`` under uvicorn in a thread; yield a client for it; stop the server (and lifespan) after."""
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), ws="none", log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{config.port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def api_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"environment": "test", "database_url": database_url, "dev_tokens": False}
    values.update(overrides)
    return Settings(**values)


class ExternalIdp:
    """A stand-in identity provider: its own keys, a JWKS file, and tokens signed the way a real one signs."""

    def __init__(self, directory: Path) -> None:
        self.rsa = RSAKey.generate_key(2048, auto_kid=True)
        self.ec = ECKey.generate_key("P-256", auto_kid=True)
        self.jwks_file = directory / "idp-jwks.json"
        self.jwks_file.write_text(json.dumps(KeySet([self.rsa, self.ec]).as_dict(private=False)), encoding="utf-8")

    def issuer_settings(self) -> OidcIssuer:
        return OidcIssuer(issuer=EXTERNAL_ISSUER, audience=EXTERNAL_AUDIENCE, jwks_file=self.jwks_file)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": EXTERNAL_ISSUER,
            "aud": EXTERNAL_AUDIENCE,
            "sub": "idp-user-42",
            "iat": now,
            "exp": now + 300,
            "org": "kettleby-council",
            "roles": ["social_worker"],
        }
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def token(self, alg: str = "RS256", key: RSAKey | ECKey | None = None, **claims: Any) -> str:
        signing_key = key if key is not None else (self.rsa if alg.startswith("RS") else self.ec)
        header = {"alg": alg, "kid": signing_key.kid}
        return jwt.encode(header, self.claims(**claims), signing_key, algorithms=[alg])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A JWS compact string built by hand, for tokens no well-behaved library would sign."""
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()), b64url(signature)])
