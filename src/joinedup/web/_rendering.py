"""Jinja2 templates for the dashboard, with what every page's layout needs put in the context.

Autoescaping is on for everything: values from the database reach the page as text, never as markup.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .. import __version__
from ._navigation import NAVIGATION
from ._session import csrf_token, signed_in_user

MOUNT_NAME = "dashboard"


def page_name(route: str) -> str:
    """The full name of a dashboard route for ``url_for``: the mount's name keeps it apart from the API's routes."""
    return f"{MOUNT_NAME}:{route}"


def when(value: datetime | None) -> str:
    """A UTC time as staff read it: ``2 December 2026 at 14:05 UTC``."""
    if value is None:
        return "never"
    return f"{value.day} {value:%B %Y} at {value:%H:%M} UTC"


_ACRONYMS = frozenset({"gp", "nhs", "dpo", "send", "sen"})


def role_label(code: str) -> str:
    """A role code as staff would write it: ``gp-receptionist`` or ``gp_receptionist`` -> ``GP receptionist``."""
    words = [word.upper() if word in _ACRONYMS else word for word in re.split(r"[-_]", code)]
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def duration(seconds: float | None) -> str:
    """A lag in the largest whole units that keep it readable: ``45 seconds``, ``3 hours 5 minutes``."""
    if seconds is None:
        return "not known"
    whole = max(0, int(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")] if whole >= 60 else [(secs, "second")]
    shown = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n][:2]
    return " ".join(shown) or "0 seconds"


class Renderer:
    """Renders dashboard pages: the layout's context, and headers that keep pages out of caches and frames."""

    def __init__(self, form_targets: tuple[str, ...] = ()) -> None:
        environment = Environment(
            loader=PackageLoader("joinedup.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.filters["when"] = when
        environment.filters["duration"] = duration
        environment.filters["role"] = role_label
        self.templates = Jinja2Templates(env=environment)
        # A form may post to our pages, and the sign-in form redirects on to the identity provider.
        self._form_action = " ".join(("'self'", *form_targets))

    def page(self, request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        layout: dict[str, Any] = {
            "user": signed_in_user(request),
            "navigation": NAVIGATION,
            "current": None,
            "errors": [],
            "csrf_token": csrf_token(request),
            "csp_nonce": nonce,
            "version": __version__,
            "page": lambda name, **params: request.url_for(page_name(name), **params).path,
            "static": lambda path: request.url_for(page_name("static"), path=path).path,
        }
        response = self.templates.TemplateResponse(request, name, {**layout, **context}, status_code=status_code)
        # Scripts only from our own static folder, plus the one inline line GOV.UK Frontend needs (by nonce).
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
            f"object-src 'none'; base-uri 'none'; form-action {self._form_action}; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response
