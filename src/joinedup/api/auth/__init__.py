"""Authentication for the API: API keys for systems, OIDC bearer tokens (JWT) for staff, dev tokens for demos."""

from .dependencies import API_KEY_HEADER, Authenticator, CurrentPrincipal, Unauthenticated, authenticate
from .dev_issuer import DEV_AUDIENCE, DEV_ISSUER, DevIssuer
from .keys import KeySource, KeysUnavailable, RemoteKeys, StaticKeys
from .principal import Principal
from .tokens import ALLOWED_ALGORITHMS, InvalidToken, TokenVerifier, TrustedIssuer

__all__ = [
    "ALLOWED_ALGORITHMS",
    "API_KEY_HEADER",
    "DEV_AUDIENCE",
    "DEV_ISSUER",
    "Authenticator",
    "CurrentPrincipal",
    "DevIssuer",
    "InvalidToken",
    "KeySource",
    "KeysUnavailable",
    "Principal",
    "RemoteKeys",
    "StaticKeys",
    "TokenVerifier",
    "TrustedIssuer",
    "Unauthenticated",
    "authenticate",
]
