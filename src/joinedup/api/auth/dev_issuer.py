"""A throw-away identity provider for development: one EC key pair made at start-up, tokens for the dev users.

Its tokens are checked by the same :class:`TokenVerifier` as a real issuer's: the app simply adds this issuer
and its public key to the trusted set. The private key lives only in this process's memory.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from ..dev_users import DevUser
from .keys import StaticKeys

DEV_ISSUER = "urn:joinedup:dev"
DEV_AUDIENCE = "joinedup-api"
DEV_TOKEN_LIFETIME_SECONDS = 3600
_ALGORITHM = "ES256"


class DevIssuer:
    def __init__(self, *, now: Callable[[], int] = lambda: int(time.time())) -> None:
        self._key = ECKey.generate_key("P-256", auto_kid=True)
        self._now = now

    @property
    def kid(self) -> str:
        return str(self._key.kid)

    def jwks(self) -> dict[str, Any]:
        """The public key set, as published at /api/v1/dev/jwks.json."""
        return dict(KeySet([self._key]).as_dict(private=False))

    def key_source(self) -> StaticKeys:
        return StaticKeys(KeySet.import_key_set(KeySet([self._key]).as_dict(private=False)))

    def issue(self, user: DevUser, lifetime: int = DEV_TOKEN_LIFETIME_SECONDS) -> str:
        now = self._now()
        claims = {
            "iss": DEV_ISSUER,
            "aud": DEV_AUDIENCE,
            "sub": user.subject,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": secrets.token_hex(8),
            "org": user.organisation,
            "roles": list(user.roles),
            "name": user.display_name,
        }
        return jwt.encode({"alg": _ALGORITHM, "kid": self.kid}, claims, self._key, algorithms=[_ALGORITHM])
