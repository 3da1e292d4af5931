"""Who is signed in, and the per-session CSRF token, kept in the signed session cookie.

The cookie is Starlette's ``SessionMiddleware``: JSON signed with the app's secret key (itsdangerous), HttpOnly,
SameSite=Lax, Secure outside development. It is signed, not encrypted, so it holds only what the signed-in member
of staff may read about themselves (their id, name, organisation, roles and the role they chose to act in), never
anything about a resident.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from fastapi import Request

from ..api.auth import Principal

_USER = "user"
_CSRF = "csrf"
CSRF_FIELD = "csrf_token"  # the hidden form field every dashboard form carries


@dataclass(frozen=True)
class SignedInUser:
    """A member of staff signed in to the dashboard: what pages (and, later, the disclosure gate) ask about."""

    subject: str
    display_name: str
    organisation: str | None
    roles: tuple[str, ...]
    issuer: str
    method: str  # "development" or "oidc"
    # The role chosen for this session, used where more than one of ``roles`` could act (None: each page's first).
    acting_role: str | None = None

    @classmethod
    def from_principal(cls, principal: Principal, method: str) -> SignedInUser:
        return cls(
            subject=principal.subject,
            display_name=principal.display_name or principal.subject,
            organisation=principal.organisation,
            roles=principal.roles,
            issuer=principal.issuer or "",
            method=method,
        )

    def as_principal(self) -> Principal:
        """The same identity the API sees for a bearer token: what governance decisions will be asked about."""
        return Principal(
            kind="staff",
            subject=self.subject,
            organisation=self.organisation,
            roles=self.roles,
            display_name=self.display_name,
            auth_method="bearer",
            issuer=self.issuer,
        )


def signed_in_user(request: Request) -> SignedInUser | None:
    stored: Any = request.session.get(_USER)
    if not isinstance(stored, dict):
        return None
    try:
        user = SignedInUser(**{**stored, "roles": tuple(stored["roles"])})
    except (KeyError, TypeError):
        return None  # a cookie from an older layout: treat as signed out
    if user.acting_role is not None and user.acting_role not in user.roles:
        return replace(user, acting_role=None)
    return user


def sign_in(request: Request, user: SignedInUser) -> None:
    """Start a fresh session for ``user``: whatever the session held before (and its CSRF token) is dropped."""
    request.session.clear()
    request.session[_USER] = {**user.__dict__, "roles": list(user.roles)}
    request.session[_CSRF] = secrets.token_urlsafe(32)


def choose_acting_role(request: Request, role: str | None) -> None:
    """Keep ``role`` (one of the signed-in user's roles, or None for "each page's first") for the session."""
    stored = request.session.get(_USER)
    if isinstance(stored, dict):
        request.session[_USER] = {**stored, "acting_role": role}


def sign_out(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    """This session's synchronizer token, made on first use (so the sign-in form is protected too)."""
    token = request.session.get(_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


def csrf_matches(request: Request, submitted: object) -> bool:
    expected = request.session.get(_CSRF)
    return (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and secrets.compare_digest(expected.encode(), submitted.encode())
    )


def remember(request: Request, key: str, value: dict[str, str]) -> None:
    """Keep a small value for the next request (the OIDC state, nonce and verifier during sign-in)."""
    request.session[key] = value


def recall(request: Request, key: str) -> dict[str, str] | None:
    value = request.session.pop(key, None)
    return value if isinstance(value, dict) else None
